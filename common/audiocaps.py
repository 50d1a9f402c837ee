"""AudioCaps as aac-datasets lays it out, parsed once for the builder (bases) and the evals (test).

`{root}/AUDIOCAPS/{subset}.csv` (or `csv_files_v1/{subset}.csv`) with columns audiocap_id,
youtube_id, start_time, caption (train: one row a clip; val/test: five), and audio at
`{root}/AUDIOCAPS/audio_32000Hz/{subset}/{youtube_id}_{start_time}.flac`, start_time as an
integer number of seconds.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from adcacc.common.errors import InputError
from adcacc.common.files import csv_records
from adcacc.common.paths import inside

COLUMNS = ("audiocap_id", "youtube_id", "start_time", "caption")


@dataclass(frozen=True)
class AudioCapsClip:
    id: str  # "{youtube_id}_{start_time}", the stem of the audio file
    audio: Path
    captions: tuple[str, ...]  # in CSV order; the first is the builder's base caption
    row: int  # CSV row of the clip's first caption


def clip_id(youtube_id: str, start_time: str) -> str:
    """The one id rule: start_time as integer seconds ("30.0" and "30" are the same clip)."""
    seconds = float(start_time)
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"start_time {start_time!r} is not a time in seconds")
    return f"{youtube_id.strip()}_{int(seconds)}"


def csv_file(root: Path, subset: str) -> Path:
    base = Path(root) / "AUDIOCAPS"
    candidates = (base / f"{subset}.csv", base / "csv_files_v1" / f"{subset}.csv")
    return next((p for p in candidates if p.is_file()), candidates[0])


def audio_dir(root: Path, subset: str, sr: int = 32000) -> Path:
    return Path(root) / "AUDIOCAPS" / f"audio_{sr}Hz" / subset


def read_subset(root: Path, subset: str, sr: int = 32000, audio_format: str = "flac") -> list[AudioCapsClip]:
    """Every clip of the subset with its captions; audio paths may not leave the audio folder.

    A clip whose audio file is absent is still listed (callers record it as a skip: about 9%
    of AudioCaps was never downloadable)."""
    path, folder = csv_file(root, subset), audio_dir(root, subset, sr)
    order: list[str] = []
    caps: dict[str, list[str]] = {}
    rows: dict[str, int] = {}
    for row_no, rec in csv_records(path, COLUMNS):
        try:
            cid = clip_id(rec["youtube_id"], rec["start_time"])
        except ValueError as err:
            raise InputError(path, str(err), row=row_no) from None
        if cid not in caps:
            inside(folder, f"{cid}.{audio_format}", path, row=row_no)
            order.append(cid)
            caps[cid], rows[cid] = [], row_no
        caps[cid].append(rec["caption"].strip())
    return [AudioCapsClip(c, folder / f"{c}.{audio_format}", tuple(caps[c]), rows[c]) for c in order]
