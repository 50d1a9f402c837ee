"""The house rules that keep the code readable, checked by parsing the imports:
each package imports only the packages `ALLOWED` lists (adcacc.common imports none of ours;
adcacc.data_builders and adcacc.evals only common; adcacc.recipes common and data_builders;
adcacc.adiff_small common and evals; the runner in adcacc/ all of them), no
module imports itself back through others, every import of our folders uses our import name
(`adcacc.evals`, never a bare `evals`), and modules stay at most 400 lines long."""
from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

from adcacc.code_graph import PACKAGES, imports, modules, package_of

ROOT = Path(__file__).resolve().parents[1]
ALLOWED = {  # package -> the packages it may import
    "adcacc.common": set(),
    "adcacc.data_builders": {"adcacc.common"},
    "adcacc.recipes": {"adcacc.common", "adcacc.data_builders"},
    "adcacc.evals": {"adcacc.common"},
    "adcacc.adiff_small": {"adcacc.common", "adcacc.evals"},
    "adcacc": set(PACKAGES) - {"adcacc"},
}
BARE = re.compile(rf"^({'|'.join(f for f in PACKAGES.values() if f != 'adcacc')})(\.|$)")


def test_packages_import_only_downstream_of_the_data_flow():
    assert set(ALLOWED) == set(PACKAGES)  # every package of ours is walked and has its rule
    mods = modules(ROOT)
    wrong = []
    for name in mods:
        pkg = package_of(name)
        for dep in imports(name, mods):
            other = package_of(dep)
            if other != pkg and other not in ALLOWED[pkg]:
                wrong.append(f"{name} imports {dep}")
    assert not wrong, wrong


EVAL_LAYERS = ("sets", "inference", "scoring", "comparison")  # each imports only those before it


def test_evals_sub_packages_are_layers_without_back_edges():
    mods = modules(ROOT)
    layer = {name: EVAL_LAYERS.index(name.split(".")[2]) for name in mods
             if name.startswith("adcacc.evals.") and name.split(".")[2] in EVAL_LAYERS}
    back = [f"{m} imports {d}" for m in layer for d in imports(m, mods) if layer.get(d, -1) > layer[m]]
    assert not back, back
    assert set(layer.values()) == set(range(len(EVAL_LAYERS)))  # every layer holds modules


def test_the_adiff_demo_is_a_closed_group_only_the_cli_reaches():
    mods = modules(ROOT)
    demo = "adcacc.adiff_small.demo"
    users = {m for m in mods if not m.startswith(demo) for d in imports(m, mods) if d.startswith(demo)}
    assert users <= {"adcacc.adiff_small.cli"}, users


def test_the_adcacc_package_itself_imports_nothing():
    """Importing any sub-package runs adcacc/__init__.py first: it must not pull the runner in."""
    assert imports("adcacc", modules(ROOT)) == set()


def test_no_file_imports_a_folder_by_its_bare_name():
    """`import evals` works in a checkout (the repository root is on sys.path) but not where
    the wheel is installed, and would load someone else's `evals` there."""
    bare = []
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.py"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.split()  # ours, no environments
    for f in (ROOT / name for name in sorted(listed)):
        if not f.is_file():  # deleted in the work tree, not yet committed
            continue
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"), str(f))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else [])
            bare += [f"{f.relative_to(ROOT)}: {n}" for n in names if BARE.match(n)]
    assert not bare, bare


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
