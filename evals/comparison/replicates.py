"""The runs of a comparison: arms -> replicate folders (one per training seed) -> eval sets.

A replicate folder holds one run folder per eval set (what `adcacc infer` writes), or is a
run folder itself (a flat run). Runs are paired by eval set name (run.json), not by folder
name, so a flat run pairs with the same eval set inside a nested one. Pairing refuses runs
whose ids differ, and runs whose references or labels differ for the same ids (checked by
a fingerprint), since their deltas would be confident and wrong.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from adcacc.common.errors import InputError
from adcacc.evals.inference.predictions import PREDICTIONS, Run, check_same_eval_set, eval_set_name, read_predictions
from adcacc.evals.scoring.retention import run_task


@dataclass
class EvalSetRuns:
    """One eval set: the base's clip order, and each arm's runs (one per seed) in that order."""

    name: str
    task: str  # "caption" or a retention task (vsc, ser, mic, mgc)
    proxy: bool
    ids: list[str]
    fingerprint: str
    loader: str = ""  # the eval-set registry name it was loaded with (paper numbers key on it)
    runs: dict[str, list[Run]] = field(default_factory=dict)  # arm -> replicates
    rows: dict[str, list[list[dict]]] = field(default_factory=dict)  # arm -> replicate -> rows by ids


def fingerprint(run: Run) -> str:
    """sha256 of the sorted (id, references or label) pairs: what scoring compares against."""
    pairs = sorted((r["id"], r.get("references", r.get("label"))) for r in run.rows)
    return hashlib.sha256(json.dumps(pairs, ensure_ascii=False).encode()).hexdigest()


def _replicate(folder: Path, only: Iterable[str] | None = None) -> dict[str, Run]:
    """Eval set name -> Run for one replicate folder (nested or flat), of the sets in `only`."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(folder, "run folder not found")
    if (folder / PREDICTIONS).is_file():
        paths = [folder]
    else:
        paths = [p for p in sorted(folder.iterdir()) if (p / PREDICTIONS).is_file()]
    if not paths:
        raise InputError(folder, f"no {PREDICTIONS} in it or in its sub-folders (run `adcacc infer`)")
    if only is not None:  # by run.json alone: a stale run is never read, so it cannot fail the comparison
        paths = [p for p in paths if eval_set_name(p) in only]
    runs: dict[str, Run] = {}
    for path in paths:
        run = read_predictions(path)
        if run.eval_set in runs:
            raise InputError(path, f"a second run of eval set {run.eval_set!r} in {folder} "
                                   f"(first: {runs[run.eval_set].path}); keep one per replicate")
        runs[run.eval_set] = run
    return runs


def _check_pair(base: Run, base_print: str, run: Run) -> list[dict]:
    """The run's rows in the base's clip order, after checking ids and references/labels."""
    check_same_eval_set(base, run)
    if fingerprint(run) != base_print:
        by_id = {r["id"]: r for r in run.rows}
        key = "references" if "references" in base.rows[0] else "label"
        bad = next(r["id"] for r in base.rows if by_id[r["id"]].get(key) != r.get(key))
        raise InputError(run.path, f"has the same ids as {base.path} but different {key} "
                                   f"(e.g. id {bad!r}): predictions of another version of the eval set?")
    by_id = {r["id"]: r for r in run.rows}
    return [by_id[i] for i in base.ids]


def load(arms: dict[str, list[Path]], base: str,
         only: Iterable[str] | None = None) -> tuple[dict[str, EvalSetRuns], list[str]]:
    """Eval set name -> its paired runs, and notes on runs that could not be paired. `only`
    (the eval sets an experiment names) ignores any other run found in the folders: a set
    dropped from the experiment leaves its old predictions behind, never to be compared."""
    if base not in arms:
        raise InputError(None, f"base arm {base!r} is not among the arms ({', '.join(arms)})")
    replicates: dict[str, list[dict[str, Run]]] = {}
    for arm, folders in arms.items():
        if not folders:
            raise InputError(None, f"arm {arm!r} has no run folders")
        replicates[arm] = [_replicate(f, only) for f in folders]
        first = set(replicates[arm][0])
        for folder, reps in zip(folders[1:], replicates[arm][1:]):
            if set(reps) != first:
                raise InputError(folder, f"has eval sets {sorted(reps)} but {folders[0]} of the same "
                                         f"arm {arm!r} has {sorted(first)}; every seed needs the same sets")
    sets, notes = {}, []
    for name, base_run in sorted(replicates[base][0].items()):
        task = "caption" if base_run.task == "caption" else run_task(base_run)
        proxy = bool(base_run.meta.get("eval_set", {}).get("proxy"))
        loader = base_run.meta.get("eval_set", {}).get("loader") or name
        es = EvalSetRuns(name, task, proxy, base_run.ids, fingerprint(base_run), loader)
        for arm, reps in replicates.items():
            if name in reps[0]:
                es.runs[arm] = [r[name] for r in reps]
                es.rows[arm] = [_check_pair(base_run, es.fingerprint, r[name]) for r in reps]
        sets[name] = es
    for arm, reps in replicates.items():
        shared = set(reps[0]) & set(sets)
        if not shared:
            raise InputError(arms[arm][0], f"shares no eval set with base {base!r} (it has "
                                           f"{sorted(reps[0])}, the base {sorted(sets)}): nothing to compare")
        for name in sorted(set(reps[0]) - set(sets)):
            notes.append(f"{arm}: eval set {name!r} has no base run; not compared")
    return sets, notes

