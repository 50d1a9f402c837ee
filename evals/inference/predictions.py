"""Predictions JSONL and run folders: the contract between `adcacc infer` and the evals.

A run folder (one eval set, one model/adapter) holds:
  predictions.jsonl  one row per clip: id, prompt, prediction, references or label, model,
                     adapter, decoding (written incrementally by infer, so it can resume)
  run.json           eval set name/task/source/labels/proxy, model, adapter, decoding, skips
Reading validates what scoring relies on: every row has an id, no id twice, a prediction
string, and references (captioning) or a label (retention). Empty predictions are kept
(they score as the failures they are) and counted, so no report hides them.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from adcacc.common.errors import InputError
from adcacc.common.files import iter_jsonl

PREDICTIONS = "predictions.jsonl"
RUN_META = "run.json"


@dataclass
class Run:
    """The validated predictions of one run folder (or a bare predictions file)."""

    path: Path
    rows: list[dict]
    meta: dict = field(default_factory=dict)

    @property
    def ids(self) -> list[str]:
        return [r["id"] for r in self.rows]

    @property
    def empty_ids(self) -> list[str]:
        return [r["id"] for r in self.rows if not r["prediction"].strip()]

    @property
    def eval_set(self) -> str:
        return self.meta.get("eval_set", {}).get("name", self.path.stem)

    @property
    def task(self) -> str:
        return "caption" if "references" in self.rows[0] else self.meta.get("eval_set", {}).get("task", "")


def read_run_meta(path: Path) -> dict:
    """A run folder's run.json, checked for the shape infer writes; InputError otherwise."""
    fix = "rerun `adcacc infer` into a new --out, or delete the file to score predictions only"
    try:
        meta = json.loads(Path(path).read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise InputError(path, f"not a valid UTF-8 JSON file; {fix}") from None
    if not isinstance(meta, dict) or not isinstance(meta.get("eval_set", {}), dict):
        raise InputError(path, f"must be a JSON object with an 'eval_set' object; {fix}")
    es = meta.get("eval_set", {})
    for key, kind in (("name", str), ("task", str), ("n_items", int), ("proxy", bool)):
        if key in es and not isinstance(es[key], kind):
            raise InputError(path, f"eval_set.{key} must be of type {kind.__name__}; {fix}")
    skipped, notes = meta.get("skipped", []), meta.get("notes", [])
    if not (isinstance(skipped, list) and all(isinstance(s, dict) and isinstance(s.get("id"), str) for s in skipped)):
        raise InputError(path, f"'skipped' must be a list of objects with an 'id' string; {fix}")
    if not (isinstance(notes, list) and all(isinstance(n, str) for n in notes)):
        raise InputError(path, f"'notes' must be a list of strings; {fix}")
    return meta


def _check_row(path: Path, n: int, row: dict, seen: set[str], need: str | None) -> None:
    if not isinstance(row.get("id"), (str, int)) or str(row["id"]).strip() == "":
        raise InputError(path, "missing 'id'", row=n)
    row["id"] = str(row["id"])
    if row["id"] in seen:
        raise InputError(path, f"duplicate id {row['id']!r}", row=n)
    seen.add(row["id"])
    if not isinstance(row.get("prediction"), str):
        raise InputError(path, "missing 'prediction' (a string; empty is allowed)", row=n)
    if need == "references":
        refs = row.get("references")
        if not isinstance(refs, list) or not refs or not all(isinstance(r, str) and r.strip() for r in refs):
            raise InputError(path, "'references' must be a non-empty list of non-empty strings", row=n)
    elif need == "label" and not isinstance(row.get("label"), str):
        raise InputError(path, "missing 'label' (a string)", row=n)


def read_predictions(path: Path, need: str | None = None) -> Run:
    """Read a predictions file or a run folder; `need` is "references", "label" or None."""
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    file = path / PREDICTIONS if path.is_dir() else path
    if not file.is_file():
        raise InputError(file, "predictions file not found (run `adcacc infer` first)")
    rows, seen = [], set()
    for n, row in iter_jsonl(file):
        _check_row(file, n, row, seen, need)
        rows.append(row)
    if not rows:
        raise InputError(file, "no predictions in file")
    meta_file = folder / RUN_META
    meta = read_run_meta(meta_file) if path.is_dir() and meta_file.is_file() else {}
    return Run(path=folder if path.is_dir() else file, rows=rows, meta=meta)


def eval_set_name(folder: Path) -> str:
    """The eval set a run folder holds, from its run.json alone (else the folder's name, as
    Run.eval_set says), so a caller can pick runs without reading their predictions."""
    meta_file = Path(folder) / RUN_META
    meta = read_run_meta(meta_file) if meta_file.is_file() else {}
    return meta.get("eval_set", {}).get("name", Path(folder).stem)


def check_same_eval_set(base: Run, other: Run) -> None:
    """Refuse to pair runs that were made on different eval sets (or different subsets)."""
    if base.meta and other.meta and base.eval_set != other.eval_set:
        raise InputError(other.path, f"is from eval set {other.eval_set!r}, not {base.eval_set!r}")
    a, b = set(base.ids), set(other.ids)
    if a != b:
        only_b, only_a = sorted(b - a)[:3], sorted(a - b)[:3]
        raise InputError(other.path, f"is from a different eval set than {base.path}: "
                                     f"{len(b - a)} ids not in it (e.g. {only_b}), "
                                     f"{len(a - b)} of its ids missing (e.g. {only_a})")
