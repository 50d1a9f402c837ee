"""Audio-difference rows: the released ACD/CLD CSV layout, read strictly.

Files are `{acd|cld}_{split}_adiff_{fewwords|sentence|detail}_answer.csv` with columns
`taskname, filepath1, filepath2, caption1, caption2, input, answer`; file paths such as
`AudioCapsLarger/test/Y<id>.wav` resolve against user-given audio roots. `make-explanations`
writes the same layout, so one loader serves the released data and ours.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from adiff_small import prompts
from data_builders.errors import InputError

COLUMNS = ("taskname", "filepath1", "filepath2", "caption1", "caption2", "input", "answer")
FILE_RE = re.compile(r"^(?P<name>[a-z0-9]+)_(?P<split>[a-z]+)_adiff_(?P<tier>fewwords|sentence|detail)_answer\.csv$")


@dataclass(frozen=True)
class Row:
    audio1: Path
    audio2: Path
    task: str  # tier1 | tier2 | tier3 | caption1 | caption2
    answer: str
    caption1: str
    caption2: str
    where: str  # "file row N", for error messages


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


def resolve_audio(rel: str, roots: list[Path], where: str) -> Path:
    p = Path(rel)
    if p.is_absolute():
        candidates = [p]
    else:
        candidates = [r / p for r in roots]
    for c in candidates:
        if c.is_file():
            return c
    tried = ", ".join(str(r) for r in roots) or "<no --audio-root given>"
    raise InputError(where, f"audio {rel!r} not found under {tried}")


def csv_records(path: Path, required: tuple[str, ...]):
    """(row number, record) of a UTF-8 CSV that must hold `required` columns."""
    if not path.is_file():
        raise InputError(path, "file not found")
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(path, f"missing column(s) {', '.join(missing)}; expected {', '.join(required)}", row=1)
        yield from enumerate(reader, start=2)


def read_rows(path: str | Path, audio_roots: list[str | Path] = (),
              max_rows: int | None = None) -> list[Row]:
    """Rows of one CSV; audio paths resolve against `audio_roots`, then the CSV's folder."""
    path = Path(path)
    roots = [Path(r) for r in audio_roots] + [path.parent]
    m = FILE_RE.match(path.name)
    file_task = prompts.FILE_TIER[m["tier"]] if m else None
    rows = []
    for i, rec in csv_records(path, COLUMNS):
        if max_rows is not None and len(rows) >= max_rows:
            break
        rows.append(_row(rec, f"{path} row {i}", roots, file_task))
    if not rows:
        raise InputError(path, "holds no data rows")
    return rows


def _row(rec: dict, where: str, roots: list[Path], file_task: str | None) -> Row:
    if any(rec.get(c) is None for c in COLUMNS):
        raise InputError(where, "has fewer fields than the header")
    task = prompts.task_of_input(rec["input"]) or file_task
    if task is None:
        raise InputError(where, f"unknown input {rec['input']!r}: not a tier or captioning prompt")
    if not rec["answer"].strip():
        raise InputError(where, "empty answer")
    return Row(resolve_audio(rec["filepath1"], roots, where), resolve_audio(rec["filepath2"], roots, where),
               task, rec["answer"].strip(), rec["caption1"].strip(), rec["caption2"].strip(), where)


def position_rows(rows: list[Row]) -> list[Row]:
    """Position-captioning rows (paper 5.4): one "caption the first/second audio" per pair."""
    seen, out = set(), []
    for r in rows:
        key = (r.audio1, r.audio2)
        if key in seen or not (r.caption1 and r.caption2):
            continue
        seen.add(key)
        out.append(Row(r.audio1, r.audio2, "caption1", r.caption1, r.caption1, r.caption2, r.where))
        out.append(Row(r.audio1, r.audio2, "caption2", r.caption2, r.caption1, r.caption2, r.where))
    return out


def load_split(specs: list[str], audio_roots: list[str], split: str | list[str] | None = None,
               max_rows: int | None = None) -> list[Row]:
    rows = []
    for spec in specs:
        for f in csv_files(spec, split):
            rows.extend(read_rows(f, audio_roots, max_rows))
    return rows


def write_rows(path: Path, rows: list[dict]) -> None:
    """Write released-layout rows atomically (dicts with the COLUMNS keys)."""
    from data_builders.audio_io import csv_text, write_text

    write_text(path, csv_text(list(COLUMNS), [[r[c] for c in COLUMNS] for r in rows]))
