"""The house rules that keep the code readable, checked by parsing the imports:
each package imports only the packages `ALLOWED` lists (common imports none of ours;
data_builders and evals only common; recipes common and data_builders; adiff_small common,
data_builders and evals; adcacc all of them), no module imports itself back through others,
and modules stay at most 400 lines long."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("common", "data_builders", "recipes", "evals", "adiff_small", "adcacc")
ALLOWED = {  # package -> the packages it may import
    "common": set(),
    "data_builders": {"common"},
    "recipes": {"common", "data_builders"},
    "evals": {"common"},
    "adiff_small": {"common", "data_builders", "evals"},
    "adcacc": {"common", "data_builders", "recipes", "evals", "adiff_small"},
}


def _modules() -> dict[str, Path]:
    mods = {}
    for pkg in PACKAGES:
        for f in (ROOT / pkg).rglob("*.py"):
            rel = f.relative_to(ROOT).with_suffix("")
            parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
            mods[".".join(parts)] = f
    return mods


def _imports(path: Path, mods: dict[str, Path]) -> set[str]:
    """Our modules that `path` imports (anywhere in the file, lazy imports included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        found |= {n for n in names if n in mods}
    return found


def test_packages_import_only_downstream_of_the_data_flow():
    mods = _modules()
    wrong = []
    for name, path in mods.items():
        pkg = name.split(".")[0]
        for dep in _imports(path, mods):
            other = dep.split(".")[0]
            if other != pkg and other not in ALLOWED[pkg]:
                wrong.append(f"{name} imports {dep}")
    assert not wrong, wrong


def test_no_import_cycles():
    mods = _modules()
    graph = {m: {d for d in _imports(p, mods) if d != m} for m, p in mods.items()}
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
    long = {str(p.relative_to(ROOT)): n for p in _modules().values()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400}
    assert not long, long
