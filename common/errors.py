"""One exception type for bad user input, rendered by the CLI as a single line."""
from __future__ import annotations

from pathlib import Path


class InputError(Exception):
    """Bad input the user can fix: names the file (and row) and the problem.

    The CLI prints `adcacc: error: <file>[ row N]: <problem>` and exits 2, never a traceback.
    """

    def __init__(self, path: str | Path | None, problem: str, row: int | None = None):
        self.path = one_line(str(path)) if path is not None else None
        self.row = row
        self.problem = one_line(problem)
        where = self.path or ""
        if row is not None:
            where += f" row {row}"
        super().__init__(f"{where}: {self.problem}" if where else self.problem)

    def __reduce__(self):  # survive the trip back from worker processes
        return (InputError, (self.path, self.problem, self.row))


class StageFailed(InputError):
    """A subprocess stage (e.g. `swift sft`) failed: names its full log and keeps its last lines,
    which the CLI prints under the one error line."""

    def __init__(self, log: str | Path, problem: str, tail: list[str] = ()):
        super().__init__(log, problem)
        self.tail = list(tail)

    def __reduce__(self):
        return (StageFailed, (self.path, self.problem, self.tail))


def one_line(text: str) -> str:
    """`text` with control characters and line breaks written as escapes (a key or file name
    from a user's file can hold any), so an error message stays one line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
