"""Output folders a command owns: made or marked by it, locked while it writes, and a journal
of what it wrote, so it never writes into, or deletes from, anyone else's files.

- `owned(root, tool)` claims `root` for the block. A missing or empty folder becomes ours (a
  marker file names the tool); a folder whose marker names the same tool is ours again;
  anything else (a user's folder, another command's output) is refused with one line.
- An exclusive lock (flock on a file in `root`) is held until the block ends: a second
  command writing into the same folder is refused instead of racing the first.
- `Owned.path(rel)` records `rel` in the journal before the caller writes it, and
  `Owned.remove(rel)` deletes only what the journal lists (a recorded folder covers what is
  below it). A user's file dropped into our folder is never deleted.
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Iterable, Iterator

from adcacc.common.errors import InputError
from adcacc.common.files import write_text

MARKER = ".adcacc-owner.json"
JOURNAL = ".adcacc-written"  # one relative path a line, appended before the write
LOCK = ".adcacc.lock"
BOOKKEEPING = (MARKER, JOURNAL, LOCK)


class Owned:
    """A claimed folder: where a command may write, and what it may delete."""

    def __init__(self, root: Path, tool: str):
        self.root, self.tool = root, tool
        try:
            lines = (root / JOURNAL).read_text(encoding="utf-8").splitlines()
        except OSError:
            lines = []
        self._written = dict.fromkeys(line for line in lines if line)

    def path(self, rel: str | Path) -> Path:
        """`root/rel`, recorded as ours first (so a killed write still counts as ours)."""
        key = _key(rel)
        if key not in self._written:
            with open(self.root / JOURNAL, "a", encoding="utf-8") as f:
                f.write(key + "\n")
            self._written[key] = None
        return self.root / key

    def write_text(self, rel: str | Path, text: str) -> Path:
        """Write a recorded file atomically (readers see the old file or the whole new one)."""
        target = self.path(rel)
        write_text(target, text)
        return target

    def owns(self, rel: str | Path) -> bool:
        """Whether the journal lists `rel` or a folder above it."""
        parts = PurePosixPath(_key(rel)).parts
        return any("/".join(parts[:i]) in self._written for i in range(1, len(parts) + 1))

    def written(self, under: str = "") -> list[str]:
        """Recorded paths at or below `under` (all of them for "")."""
        prefix = _key(under) + "/" if under else ""
        return [k for k in self._written if not prefix or k.startswith(prefix) or k == prefix[:-1]]

    def remove(self, rel: str | Path) -> bool:
        """Delete `rel` if the journal says we wrote it; returns whether anything went."""
        if not self.owns(rel):
            return False
        target = self.root / _key(rel)
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists() or target.is_symlink():
            target.unlink()
        else:
            return False
        return True

    def remove_partials(self, under: str) -> None:
        """Temp files of our atomic writes (`adcacc.common.files.atomic_path`: `.NAME.PID.ID.part`)
        that a killed run left directly below `under`, for recorded NAMEs only."""
        base = _key(under)
        for part in (self.root / base).glob(".*.part"):
            name = part.name[1:].rsplit(".", 3)[0]
            if self.owns(f"{base}/{name}" if base else name):
                part.unlink(missing_ok=True)

    def keep_only(self, keep: Iterable[str], under: str) -> list[str]:
        """Delete every recorded file below `under` not in `keep` (an earlier run's leftovers)
        and forget them; returns what went."""
        keep = {_key(k) for k in keep}
        stale = [k for k in self.written(under) if k not in keep and k != _key(under)]
        for key in stale:
            self.remove(key)
            del self._written[key]
        write_text(self.root / JOURNAL, "".join(k + "\n" for k in self._written))
        return stale


def _key(rel: str | Path) -> str:
    """A journal key: a relative POSIX path that stays inside the folder."""
    path = PurePosixPath(Path(rel).as_posix())
    if path.is_absolute() or ".." in path.parts:
        raise ValueError(f"not a path inside an owned folder: {rel}")
    return path.as_posix().strip("/") if path.parts else ""


@contextmanager
def owned(root: str | Path, tool: str, *, option: str = "--out",
          legacy: tuple[str, ...] = ()) -> Iterator[Owned]:
    """Claim `root` for `tool` and hold its lock for the block (see the module docstring).

    `legacy` names files or folders by which outputs of an earlier version of the same tool
    (made before markers existed) are recognised; such a folder is marked and taken over."""
    root = Path(root)
    if root.exists() and not root.is_dir():
        raise InputError(root, f"{option} is a file, not a folder; give a folder")
    made = not root.exists()
    try:
        root.mkdir(parents=True, exist_ok=True)
        names = {p.name for p in root.iterdir()}
    except OSError as err:
        raise InputError(root, f"cannot create or read the output folder ({err.strerror}); "
                               f"give a writable {option}") from None
    _check_ours(root, tool, option, names, legacy)
    fd = _lock(root, option)
    try:
        if MARKER not in names:
            write_text(root / MARKER, json.dumps({"tool": tool}) + "\n")
        yield Owned(root, tool)
    except BaseException:
        if made:
            _unmake(root)
        raise
    finally:
        os.close(fd)  # closing releases the lock


def _unmake(root: Path) -> None:
    """A folder this claim made, whose command failed before writing anything, goes again."""
    if all(p.name in BOOKKEEPING for p in root.iterdir()):
        for name in BOOKKEEPING:
            (root / name).unlink(missing_ok=True)
        root.rmdir()


def _check_ours(root: Path, tool: str, option: str, names: set[str], legacy: tuple[str, ...]) -> None:
    if MARKER in names:
        try:
            theirs = json.loads((root / MARKER).read_text(encoding="utf-8")).get("tool")
        except (OSError, ValueError, AttributeError):
            theirs = None
        if theirs != tool:
            raise InputError(root, f"holds the output of {theirs or 'an unknown command'}, not of {tool}; "
                                   f"give another {option}")
        return
    if names - {LOCK} and not names & set(legacy):
        raise InputError(root, f"is not empty and was not made by {tool} (no {MARKER}); "
                               f"give an empty or new {option}; nothing was written")


def _lock(root: Path, option: str) -> int:
    try:
        fd = os.open(root / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as err:
        raise InputError(root, f"cannot write into the output folder ({err.strerror})") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise InputError(root, "another adcacc command is writing into this folder; wait for it "
                               f"to finish or give another {option}") from None
    return fd
