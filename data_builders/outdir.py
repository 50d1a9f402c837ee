"""The `--out` folder of `adcacc build` is ours alone: we claim it, lock it, and know what it holds.

- A folder that is neither empty nor marked as ours (`.adcacc-build.json`) is refused, so a
  typo in `--out` never overwrites someone's files.
- An exclusive lock (`.adcacc-build.lock`, held for the whole run) refuses a second writer.
- The marker records the build's fingerprint (settings and each input file's content hash)
  and whether the build completed. Same fingerprint: resume. Other fingerprint and an
  unfinished build (e.g. stopped by a bad file, since fixed): start over in our own folders.
  Other fingerprint and a finished build: refuse, the dataset may be in use.
- Temp files are removed only where we write: `.work/`, `audio/` and our own output names.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Iterator

from common.errors import InputError
from common.content_hash import file_hashes
from common.files import write_json
from data_builders.layout import PAIRS_CSV, REPORT_JSON, dataset_files

MARKER = ".adcacc-build.json"
LOCK = ".adcacc-build.lock"
WORK = ".work"
AUDIO = "audio"
HASH_CACHE = "input_hashes.json"  # path -> [size, mtime_ns, inode, ctime_ns, sha256], under WORK


@contextmanager
def claimed(out: Path) -> Iterator[None]:
    """Hold `out` for this run: refuse a foreign folder, then lock it until the run ends."""
    if out.exists() and not out.is_dir():
        raise InputError(out, "--out is a file, not a folder; give a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
        fresh = all(p.name == LOCK for p in out.iterdir())  # a lock alone: a run that died early
    except OSError as err:
        raise InputError(out, f"cannot create or read the output folder ({err.strerror})") from None
    if not fresh and not (out / MARKER).is_file():
        raise InputError(out, f"is not empty and not an adcacc build folder (no {MARKER}); "
                              "give an empty or new --out")
    try:
        fd = os.open(out / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as err:
        raise InputError(out, f"cannot write into the output folder ({err.strerror})") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise InputError(out, "another adcacc build is writing into this folder; wait for it "
                              "to finish or give another --out") from None
    try:
        yield
    finally:
        os.close(fd)  # closing releases the lock


def fingerprint(cfg, bases, events) -> dict:
    """What decides the outputs: settings (not workers/skip policy/out) and every input,
    including each audio file's content hash, so a replaced file is a different build."""
    settings = {k: v for k, v in asdict(cfg).items() if k not in ("out", "workers", "skip_bad")}
    if settings.get("rewrite"):
        settings["rewrite"].pop("base_url")  # where the model is served does not change its text
    hashes = input_hashes(cfg.out, [c.path for c in (*bases, *events)])
    h = hashlib.sha256()
    for clip in (*bases, *events):
        h.update(repr((clip.id, str(clip.path), clip.text, clip.category,
                       hashes[str(clip.path)])).encode())
    return {"settings": json.loads(json.dumps(settings)), "inputs_sha256": h.hexdigest()}


def input_hashes(out: Path, paths: list[Path]) -> dict[str, str]:
    """sha256 of each file, reusing the last run's hash while its size, mtime and inode change
    time are unchanged (common.content_hash; `touch -r` cannot hide a rewrite)."""
    return file_hashes(paths, out / WORK / HASH_CACHE)


def reconcile(out: Path, mine: dict) -> None:
    """Resume, restart or refuse, from what the marker says this folder holds (see module)."""
    marker = out / MARKER
    state = json.loads(marker.read_text(encoding="utf-8")) if marker.is_file() else None
    if state is not None and state.get("fingerprint") != mine:
        if state.get("complete"):
            raise InputError(out, "holds a build with other inputs or settings; "
                                  "use a new --out or delete the folder")
        for ours in (out / WORK / "shards", out / AUDIO):  # an unfinished build of ours
            shutil.rmtree(ours, ignore_errors=True)
    write_json(marker, {"tool": "adcacc build", "fingerprint": mine, "complete": False})
    remove_partial_files(out)


def mark_complete(out: Path, mine: dict) -> None:
    write_json(out / MARKER, {"tool": "adcacc build", "fingerprint": mine, "complete": True})


def remove_partial_files(out: Path) -> None:
    """Temp files of our writes that never finished (a killed or failed run of ours); only
    in our own folders and under our own output names, never elsewhere below `out`."""
    stale = [*(out / WORK).rglob(".*.part"), *(out / AUDIO).glob("*/.*.part")]
    for name in (*dataset_files(), PAIRS_CSV, REPORT_JSON, MARKER):
        stale += out.glob(f".{name}.*.part")
    for path in stale:
        path.unlink(missing_ok=True)
