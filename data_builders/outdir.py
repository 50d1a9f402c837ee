"""The `--out` folder of `adcacc build` is ours alone: we claim it, lock it, and know what it holds.

- A folder that is neither empty nor marked as ours is refused, so a typo in `--out` never
  overwrites someone's files.
- An exclusive lock (held for the whole run) refuses a second writer; claiming and locking
  are `adcacc.common.owned_dir`, shared by every command that writes.
- The marker records the build's fingerprint (settings and each input file's content hash)
  and whether the build completed. Same fingerprint: resume. Other fingerprint and an
  unfinished build (e.g. stopped by a bad file, since fixed): start over in our own folders.
  Other fingerprint and a finished build: refuse, the dataset may be in use.
- Temp files are removed only where we write: `.work/`, `audio/` and our own output names.
"""
from __future__ import annotations

import hashlib
import json
import os
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Iterator

from adcacc.common.content_hash import file_hashes
from adcacc.common.errors import InputError
from adcacc.common.files import write_json
from adcacc.common.owned_dir import Owned, owned
from adcacc.data_builders.layout import PAIRS_CSV, REPORT_JSON, dataset_files

MARKER = ".adcacc-build.json"
WORK = ".work"
AUDIO = "audio"
HASH_CACHE = "input_hashes.json"  # path -> [size, mtime_ns, inode, ctime_ns, sha256], under WORK


@contextmanager
def claimed(out: Path) -> Iterator[Owned]:
    """Hold `out` for this run: refuse a foreign folder, then lock it until the run ends.

    Our own folders in it (`audio/`, `.work/`) are recorded as ours, so only they are ever
    cleaned; a folder marked by an earlier version (`MARKER` alone) is taken over."""
    with owned(out, "adcacc build", legacy=(MARKER,)) as folder:
        for ours in (AUDIO, WORK):
            folder.path(ours)
        yield folder


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
    time are unchanged (adcacc.common.content_hash; `touch -r` cannot hide a rewrite)."""
    return file_hashes(paths, out / WORK / HASH_CACHE)


def reconcile(folder: Owned, mine: dict) -> None:
    """Resume, restart or refuse, from what the marker says this folder holds (see module)."""
    out = folder.root
    marker = out / MARKER
    state = json.loads(marker.read_text(encoding="utf-8")) if marker.is_file() else None
    if state is not None and state.get("fingerprint") != mine:
        if state.get("complete"):
            raise InputError(out, "holds a build with other inputs or settings; "
                                  "use a new --out or delete the folder")
        for ours in (f"{WORK}/shards", AUDIO):  # an unfinished build of ours
            folder.remove(ours)
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
