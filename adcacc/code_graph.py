"""Which of our modules a module runs, read from the source: its imports (lazy ones inside
functions included, parsed with ast, never executed), followed transitively. The runner
fingerprints a stage with the source of every module its entry modules reach
(`adcacc.plan.code_version`), so the list cannot drift from the code; tests/test_structure.py
checks the package layering on the same graph."""
from __future__ import annotations

import ast
from pathlib import Path
from typing import Iterable

# import name -> its folder in a checkout; an installed wheel nests them all under adcacc/
PACKAGES = {"adcacc.common": "common", "adcacc.data_builders": "data_builders",
            "adcacc.recipes": "recipes", "adcacc.evals": "evals", "adcacc.adiff_small": "adiff_small",
            "adcacc": "adcacc"}


def folders(root: Path) -> dict[str, Path]:
    """Import name -> folder of each package of ours under `root`: side by side in a checkout,
    nested under adcacc/ where the wheel is installed (then adcacc's walk finds them all)."""
    if (root / "adcacc" / "common").is_dir():
        return {"adcacc": root / "adcacc"}
    return {name: root / folder for name, folder in PACKAGES.items()}


def package_of(module: str) -> str:
    """The package of ours a dotted module name belongs to: the longest import name it starts with."""
    return max((p for p in PACKAGES if module == p or module.startswith(p + ".")), key=len)


def modules(root: Path) -> dict[str, Path]:
    """Dotted name -> source file of every module of our packages under `root`
    (a package is its `__init__.py`)."""
    mods = {}
    for pkg, folder in folders(root).items():
        for f in sorted(folder.rglob("*.py")):
            rel = f.relative_to(folder).with_suffix("")
            parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
            mods[".".join((pkg, *parts))] = f
    return mods


def imports(name: str, mods: dict[str, Path]) -> set[str]:
    """Our modules that module `name` imports, anywhere in its file. `from a import b` counts
    `a.b` when that is a module; a relative import is resolved against `name`'s package."""
    path = mods[name]
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in _run_nodes(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            names = [module] + [f"{module}.{a.name}" for a in node.names]
        found |= {n for n in names if n in mods}
    return found


def _run_nodes(tree: ast.AST) -> Iterable[ast.AST]:
    """Every node of `tree` but those under `if TYPE_CHECKING:`, which never run."""
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            todo += node.orelse
            continue
        todo += ast.iter_child_nodes(node)


def _is_type_checking(test: ast.expr) -> bool:
    """`TYPE_CHECKING` or `typing.TYPE_CHECKING` alone (not `not TYPE_CHECKING`, which runs)."""
    return ((isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
            or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"))


def reached(entries: Iterable[str], mods: dict[str, Path]) -> set[str]:
    """`entries` and every module of ours they import, directly or through others, with the
    packages around each (importing `a.b.c` runs `a/__init__.py` and `a/b/__init__.py`).
    An entry that is not one of `mods` is a KeyError: a misspelt entry must not hash nothing."""
    todo = list(entries)
    unknown = [e for e in todo if e not in mods]
    if unknown:
        raise KeyError(f"not modules of ours: {unknown}")
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        parts = name.split(".")
        todo += [p for p in (".".join(parts[:i]) for i in range(1, len(parts))) if p in mods]
        todo += imports(name, mods)
    return seen
