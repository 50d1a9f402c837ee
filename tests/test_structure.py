"""The house rules that keep the code readable, checked by parsing the imports:
each package imports only the packages `ALLOWED` lists (common imports none of ours;
data_builders and evals only common; recipes common and data_builders; adiff_small common,
data_builders and evals; adcacc all of them), no module imports itself back through others,
and modules stay at most 400 lines long."""
from __future__ import annotations

from pathlib import Path

from adcacc.code_graph import PACKAGES, imports, modules

ROOT = Path(__file__).resolve().parents[1]
ALLOWED = {  # package -> the packages it may import
    "common": set(),
    "data_builders": {"common"},
    "recipes": {"common", "data_builders"},
    "evals": {"common"},
    "adiff_small": {"common", "data_builders", "evals"},
    "adcacc": {"common", "data_builders", "recipes", "evals", "adiff_small"},
}


def test_packages_import_only_downstream_of_the_data_flow():
    assert set(ALLOWED) == set(PACKAGES)  # every package of ours is walked and has its rule
    mods = modules(ROOT)
    wrong = []
    for name in mods:
        pkg = name.split(".")[0]
        for dep in imports(name, mods):
            other = dep.split(".")[0]
            if other != pkg and other not in ALLOWED[pkg]:
                wrong.append(f"{name} imports {dep}")
    assert not wrong, wrong


def test_no_import_cycles():
    mods = modules(ROOT)
    graph = {m: {d for d in imports(m, mods) if d != m} for m in mods}
    state: dict[str, int] = {}

    def visit(m: str, stack: list[str]) -> None:
        state[m] = 1
        for d in sorted(graph[m]):
            if state.get(d) == 1:
                cycle = stack[stack.index(d):] + [d] if d in stack else [m, d]
                raise AssertionError(f"import cycle: {' -> '.join(cycle)}")
            if d not in state:
                visit(d, stack + [d])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])


def test_modules_stay_short():
    long = {str(p.relative_to(ROOT)): n for p in modules(ROOT).values()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400}
    assert not long, long
