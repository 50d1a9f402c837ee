"""Files that are whole or absent: atomic writes, CSV text, hashing, and the one CSV reader.

Readers see the old file or the whole new one, never a half-written one: every writer goes
through a temporary sibling renamed into place.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import uuid
from pathlib import Path
from typing import Iterator

from adcacc.common.errors import InputError


def atomic_path(path: Path) -> Path:
    """A fresh temporary sibling of `path`; write it, then rename it onto `path`.

    Same folder, so the rename is atomic; not created here, so the file gets the usual
    umask permissions (mkstemp's would be 0600).
    """
    return path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:12]}.part")


def write_bytes(path: str | Path, data: bytes) -> None:
    """Write a file atomically: readers see the old file or the whole new one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = atomic_path(path)
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_text(path: str | Path, text: str) -> None:
    """Write a UTF-8 text file atomically."""
    write_bytes(path, text.encode("utf-8"))


def write_json(path: Path, obj: object, indent: int | None = 1) -> None:
    """Write JSON atomically (UTF-8, non-ASCII kept as is, trailing newline)."""
    write_text(path, json.dumps(obj, indent=indent, ensure_ascii=False) + "\n")


def csv_text(header: list[str], rows: list[list]) -> str:
    """CSV with a header and Unix newlines, quoted where needed (pair with `write_text`)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def csv_records(path: Path, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, record) of a UTF-8 CSV (a BOM is accepted) that holds `required` columns.

    Row numbers count the header as row 1, as a spreadsheet shows them. A row with fewer
    fields than the header, undecodable bytes or broken quoting is an InputError naming it.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "CSV file not found")
    row_no = 1
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            header = reader.fieldnames or []
            missing = [c for c in required if c not in header]
            if missing:
                raise InputError(path, f"missing column(s) {', '.join(missing)}; "
                                       f"expected {','.join(required)}", row=1)
            for row_no, rec in enumerate(reader, start=2):
                if any(rec.get(c) is None for c in required):
                    raise InputError(path, "has fewer fields than the header", row=row_no)
                yield row_no, rec
    except (UnicodeDecodeError, csv.Error) as err:
        raise InputError(path, f"not a readable UTF-8 CSV ({err})", row=row_no + 1) from None


def read_csv(path: Path, required: tuple[str, ...]) -> list[dict[str, str]]:
    """All records of `csv_records` as a list (for small metadata files)."""
    return [rec for _, rec in csv_records(path, required)]


def iter_jsonl(path: Path):
    """(line number, parsed row) for each non-blank line; InputError on broken JSON or bytes."""
    if not Path(path).is_file():
        raise InputError(path, "not a file: give the JSONL file itself")
    with open(path, "rb") as f:
        for n, raw in enumerate(f, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise InputError(path, "not UTF-8 text (JSONL files are UTF-8)", row=n) from None
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except (json.JSONDecodeError, RecursionError) as err:
                why = err.msg if isinstance(err, json.JSONDecodeError) else "nested too deeply"
                raise InputError(path, f"not valid JSON ({why})", row=n) from None
            if not isinstance(row, dict):
                raise InputError(path, "each line must be a JSON object", row=n)
            yield n, row
