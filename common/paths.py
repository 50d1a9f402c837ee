"""Paths read from data files stay inside the folder they are relative to.

A CSV or JSONL row names audio relative to a root (the CSV's folder, a dataset root, an
`--audio-root`). An absolute path or a `..` that leaves the root would let a downloaded
file make us read (or, for outputs, write) anywhere; every reader resolves through here.
"""
from __future__ import annotations

from pathlib import Path

from adcacc.common.errors import InputError


def inside(root: Path, rel: str, where: str | Path, row: int | None = None) -> Path:
    """`root / rel` resolved, or an InputError if `rel` is absolute, escapes `root`, holds a
    NUL byte (no file system accepts one; resolving it raises ValueError) or runs into a
    symlink loop (resolving it raises RuntimeError on Python 3.11)."""
    if "\x00" in rel:
        raise InputError(where, f"path {rel!r} holds a NUL byte; fix or remove that row", row=row)
    try:
        root = Path(root).resolve()
        target = (root / rel).resolve()
    except RuntimeError:
        raise InputError(where, f"path {rel!r} under {root} runs into a symlink loop; "
                                "fix the links or that row", row=row) from None
    if Path(rel).is_absolute() or not target.is_relative_to(root):
        raise InputError(where, f"path {rel!r} escapes its folder {root}; "
                                "paths in data files must be relative and stay inside it", row=row)
    return target
