"""Content hashes of user files, so a replaced file is never mistaken for the old one.

Hashing every byte on every run is slow for a large dataset, so each file's sha256 is cached
in a JSON file the caller names, keyed by path with the file's size, mtime, inode number and
inode change time (ctime). `touch -r` restores an mtime but cannot restore the ctime, so a
file rewritten in place with the same size and mtime is hashed again. Timestamps are coarse
(a clock tick, on some file systems seconds): a file changed within RACY_NS before it was
hashed could change again with identical stats, so such an entry is not saved.
Cold files are hashed by a few threads (hashlib and file reads release the GIL).
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterable

from adcacc.common.errors import InputError
from adcacc.common.files import write_json

RACY_NS = 2_000_000_000  # coarser than any file system's timestamps (FAT: 2 s)
MAX_THREADS = 4
ABSENT = "absent"


def file_hashes(paths: Iterable[str | Path], cache_file: Path | None, *, save: bool = True) -> dict[str, str]:
    """sha256 (hex) of each file, keyed by the path as given; reuses `cache_file`'s entry while
    the file's (size, mtime, inode, ctime) are unchanged. `save=False` leaves the cache as it
    was (a dry run writes nothing); saving adds these files' entries to the others there, so
    callers may share one cache file (it is rewritten only when an entry changed)."""
    cache = _read_cache(cache_file)
    started = time.time_ns()
    keys = {str(p): os.path.abspath(p) for p in paths}
    stats, fresh, cold = {}, {}, []
    for key in dict.fromkeys(keys.values()):
        stats[key] = st = _stat(key)
        known = cache.get(key)
        if isinstance(known, list) and len(known) == 5 and known[:4] == st:
            fresh[key] = known
        else:
            cold.append(key)
    if cold:
        with ThreadPoolExecutor(min(MAX_THREADS, os.cpu_count() or 1, len(cold))) as pool:
            for key, digest in zip(cold, pool.map(_sha256, cold)):
                fresh[key] = [*stats[key], digest]
    settled = {k: v for k, v in fresh.items() if v[3] < started - RACY_NS}
    if save and cache_file is not None and any(cache.get(k) != v for k, v in settled.items()):
        write_json(cache_file, {**cache, **settled}, indent=None)
    return {given: fresh[key][4] for given, key in keys.items()}


def content_digests(roots: Iterable[str | Path], cache_file: Path | None, *, save: bool = True) -> dict[str, str]:
    """One digest per file or folder in `roots` (keyed as given): the relative names and
    content hashes of every file below it, recursively, hidden files and folders skipped; a
    root that does not exist digests as "absent" (a plan read before the data is in place)."""
    listing = {str(r): list_files(Path(r)) if Path(r).exists() else None for r in roots}
    hashes = file_hashes([f for files in listing.values() for f in files or ()], cache_file, save=save)
    digests = {}
    for root, files in listing.items():
        if files is None:
            digests[root] = ABSENT
            continue
        h = hashlib.sha256()
        for f in files:
            name = os.path.relpath(f, root) if Path(root).is_dir() else Path(f).name
            h.update(f"{name}\0{hashes[str(f)]}\n".encode())
        digests[root] = h.hexdigest()
    return digests


def list_files(root: Path) -> list[Path]:
    """`root` itself if it is a file, else the files below it in a fixed order, skipping hidden
    names; symlinked folders are followed once (a link back up is not walked again)."""
    if not root.is_dir():
        return [root]
    found, seen = [], set()
    for folder, dirs, files in os.walk(root, followlinks=True):
        st = os.stat(folder)
        if (st.st_dev, st.st_ino) in seen:
            dirs[:] = []
            continue
        seen.add((st.st_dev, st.st_ino))
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [Path(folder, f) for f in sorted(files) if not f.startswith(".")]
    return sorted(found)


def _stat(path: str) -> list[int]:
    try:
        st = os.stat(path)
    except OSError as err:
        raise InputError(path, f"cannot read this input file ({err.strerror})") from None
    return [st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns]


def _sha256(path: str) -> str:
    try:
        with open(path, "rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except OSError as err:
        raise InputError(path, f"cannot read this input file ({err.strerror})") from None


def _read_cache(cache_file: Path | None) -> dict[str, list]:
    if cache_file is None:
        return {}
    try:
        cache = json.loads(Path(cache_file).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return cache if isinstance(cache, dict) else {}
