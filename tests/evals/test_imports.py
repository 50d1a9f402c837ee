"""The evals modules import each other without circles (function-level imports included)."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KNOWN: set[tuple[str, str]] = set()  # (module, import) pairs of a reported circle not yet cut


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, known: set[str]) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        found |= {n for n in names if n in known}
    return found


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt, stack + [nxt])):
                return found
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start, [start])):
            return found
    return None


def _graph() -> dict[str, set[str]]:
    files = sorted((ROOT / "evals").rglob("*.py"))
    known = {_module(f) for f in files}
    graph = {_module(f): _imports(f, known) - {_module(f)} for f in files}
    # a package's __init__ is imported by its submodules; an edge back into it is no circle
    return {m: {d for d in deps if not m.startswith(d + ".")} for m, deps in graph.items()}


def test_evals_has_no_import_circles():
    graph = _graph()
    assert all(b in graph[a] for a, b in KNOWN), "a known circle is gone: delete it from KNOWN"
    cut = {m: {d for d in deps if (m, d) not in KNOWN} for m, deps in graph.items()}
    assert _cycle(cut) is None, f"import circle: {' -> '.join(_cycle(cut))}"


def test_the_cycle_finder_finds_a_planted_circle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
