"""Audio-difference rows: the released ACD/CLD CSV layout, read strictly.

Files are `{acd|cld}_{split}_adiff_{fewwords|sentence|detail}_answer.csv` with columns
`taskname, filepath1, filepath2, caption1, caption2, input, answer`; file paths such as
`AudioCapsLarger/test/Y<id>.wav` resolve against user-given audio roots and may not leave
them. `make-explanations` writes the same layout, so one loader serves the released data and
ours; its rows name audio by absolute path, which is accepted only in a CSV it wrote itself:
`write_rows` signs each file with a key kept in this user's cache (SIGNATURES), so a
downloaded CSV cannot claim to be ours.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from adcacc.adiff_small import prompts
from adcacc.common.errors import InputError
from adcacc.common.files import csv_records
from adcacc.common.paths import inside

COLUMNS = ("taskname", "filepath1", "filepath2", "caption1", "caption2", "input", "answer")
SIGNATURES = ".adiff_signatures.json"  # beside CSVs write_rows wrote: file name -> HMAC of its bytes
FILE_RE = re.compile(r"^(?P<name>[a-z0-9]+)_(?P<split>[a-z]+)_adiff_(?P<tier>fewwords|sentence|detail)_answer\.csv$")


@dataclass(frozen=True)
class Row:
    audio1: Path
    audio2: Path
    task: str  # tier1 | tier2 | tier3 | caption1 | caption2 | caption_both
    answer: str
    caption1: str
    caption2: str
    where: str  # "file row N", for error messages
    dataset: str = ""  # from a released-layout file name (acd, cld, ...), else ""
    split: str = ""


def csv_files(spec: str | Path, split: str | list[str] | None = None) -> list[Path]:
    """A CSV file, or every released-layout CSV in a folder (optionally of one split)."""
    spec = Path(spec)
    if spec.is_file():
        return [spec]
    if not spec.is_dir():
        raise InputError(spec, "no such file or folder of *_adiff_*_answer.csv files")
    splits = [split] if isinstance(split, str) else split
    found = sorted(p for p in spec.iterdir() if (m := FILE_RE.match(p.name))
                   and (splits is None or m["split"] in splits))
    if not found:
        raise InputError(spec, f"no *_{split or '<split>'}_adiff_<tier>_answer.csv files here")
    return found


def resolve_audio(rel: str, roots: list[Path], where: str, allow_absolute: bool = False) -> Path:
    """The first root under which `rel` exists; `rel` may not leave a root, and may be absolute
    only where `allow_absolute` (rows that `make-explanations` wrote itself)."""
    if allow_absolute and Path(rel).is_absolute():
        candidates = [Path(rel)]
    else:
        candidates = [inside(r, rel, where) for r in roots]
    for c in candidates:
        if c.is_file():
            return c
    tried = ", ".join(str(r) for r in roots) or "<no --audio-root given>"
    raise InputError(where, f"audio {rel!r} not found under {tried}")


def read_rows(path: str | Path, audio_roots: list[str | Path] = (),
              max_rows: int | None = None) -> list[Row]:
    """Rows of one CSV; audio paths resolve against `audio_roots`, then the CSV's folder."""
    path = Path(path)
    roots = [Path(r) for r in audio_roots] + [path.parent]
    m = FILE_RE.match(path.name)
    file_task = prompts.FILE_TIER[m["tier"]] if m else None
    source = (m["name"], m["split"]) if m else ("", "")
    ours = _signed_by_us(path)
    rows = []
    for i, rec in csv_records(path, COLUMNS):
        if max_rows is not None and len(rows) >= max_rows:
            break
        rows.append(_row(rec, f"{path} row {i}", roots, file_task, source, ours))
    if not rows:
        raise InputError(path, "holds no data rows")
    return rows


def _row(rec: dict, where: str, roots: list[Path], file_task: str | None,
         source: tuple[str, str], ours: bool = False) -> Row:
    task = prompts.task_of_input(rec["input"]) or file_task
    if task is None:
        raise InputError(where, f"unknown input {rec['input']!r}: not a tier or captioning prompt")
    if not rec["answer"].strip():
        raise InputError(where, "empty answer")
    return Row(resolve_audio(rec["filepath1"], roots, where, ours), resolve_audio(rec["filepath2"], roots, where, ours),
               task, rec["answer"].strip(), rec["caption1"].strip(), rec["caption2"].strip(), where,
               *source)


@dataclass(frozen=True)
class Clip:
    id: str
    path: Path
    text: str  # caption, or the event label
    is_label: bool


def read_clips(path: Path) -> list[Clip]:
    """bases.csv (id,path,caption) or events.csv (id,path,label,category); paths relative to it."""
    records = list(csv_records(path, ("id", "path")))
    cols = records[0][1].keys() if records else ()
    text_col = "caption" if "caption" in cols else "label" if "label" in cols else None
    if text_col is None:
        raise InputError(path, "expected columns id,path,caption or id,path,label", row=1)
    clips = [Clip(rec["id"], resolve_audio(rec["path"], [path.parent], f"{path} row {i}"),
                  (rec[text_col] or "").strip(), text_col == "label")
             for i, rec in records]
    if len(clips) < 7:
        raise InputError(path, f"needs at least 7 clips to sample pairs, has {len(clips)}")
    return clips


def both_captions(caption1: str, caption2: str) -> str:
    """Target of "caption both audios" (the release's third position-captioning prompt list;
    its training code and target format are unreleased, so this format is our choice)."""
    return f"Audio 1: {caption1.rstrip('. ')}. Audio 2: {caption2.rstrip('. ')}."


def position_rows(rows: list[Row]) -> list[Row]:
    """Position-captioning rows (paper 5.4): "caption the first / the second / both audios"
    once per pair."""
    seen, out = set(), []
    for r in rows:
        key = (r.audio1, r.audio2)
        if key in seen or not (r.caption1 and r.caption2):
            continue
        seen.add(key)
        for task, answer in (("caption1", r.caption1), ("caption2", r.caption2),
                             ("caption_both", both_captions(r.caption1, r.caption2))):
            out.append(Row(r.audio1, r.audio2, task, answer, r.caption1, r.caption2, r.where))
    return out


def load_split(specs: list[str], audio_roots: list[str], split: str | list[str] | None = None,
               max_rows: int | None = None) -> list[Row]:
    rows = []
    for spec in specs:
        for f in csv_files(spec, split):
            rows.extend(read_rows(f, audio_roots, max_rows))
    return rows


def write_rows(path: Path, rows: list[dict]) -> None:
    """Write released-layout rows atomically (dicts with the COLUMNS keys), and sign the file
    so `read_rows` accepts the absolute audio paths it holds."""
    from adcacc.common.files import csv_text, write_json, write_text

    text = csv_text(list(COLUMNS), [[r[c] for c in COLUMNS] for r in rows])
    write_text(path, text)
    signatures = _signatures(path.parent)
    signatures[path.name] = _mac(text.encode("utf-8"))
    write_json(path.parent / SIGNATURES, signatures)


def _signing_key() -> bytes:
    """This user's secret for signing the CSVs we write; created (mode 600) on first use."""
    key = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "adcacc" / "csv_signing.key"
    if not key.is_file():
        key.parent.mkdir(parents=True, exist_ok=True)
        tmp = key.with_name(f"{key.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(32))
        try:
            os.link(tmp, key)  # atomic; another process may have made it first
        except FileExistsError:
            pass
        tmp.unlink()
    return key.read_bytes()


def _mac(data: bytes) -> str:
    return hmac.new(_signing_key(), data, hashlib.sha256).hexdigest()


def _signatures(folder: Path) -> dict:
    try:
        found = json.loads((folder / SIGNATURES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def _signed_by_us(path: Path) -> bool:
    """Whether `write_rows` wrote this CSV as it is now (its signature checks out)."""
    expected = _signatures(path.parent).get(path.name)
    return isinstance(expected, str) and hmac.compare_digest(expected, _mac(path.read_bytes()))
