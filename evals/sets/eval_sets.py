"""The eval-set registry: `--eval-set NAME` -> the loader of that dataset's release layout.

Captioning loaders live in caption_sets, retention loaders (and the corpus's proxy sets) in
retention_sets; both return `eval_items.EvalSet`.
"""
from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Callable

from adcacc.common.errors import InputError
from adcacc.evals.sets import caption_sets as cs
from adcacc.evals.sets import retention_sets as rs
from adcacc.evals.sets.eval_items import EvalSet

# Own-task sets: held-out rows of a training kind (the build's `<kind>_val.jsonl`), read with
# their own prompts and all their audios -> the recipes whose own task each one is. An arm is
# judged on them against the base model, before any claim about it is read (adcacc.kinds.compare.gate_claims).
OWN_TASK_SETS = {"own-ac": ("ac", "ac_matched", "ac_adc", "ac_acc"), "own-adc": ("adc", "ac_adc"),
                 "own-acc": ("acc", "ac_acc")}

def registry() -> dict[str, Callable[[Path], EvalSet]]:
    """Eval-set name -> loader taking the dataset root (or CSV path)."""
    return {
        "audiocaps": cs.audiocaps_test,
        "clotho": cs.clotho_eval,
        "captions-csv": cs.captions_csv,
        "vocalsound": rs.vocalsound_test,
        "iemocap": rs.iemocap,
        "nsynth": rs.nsynth_test,
        "gtzan": rs.gtzan,
        "vsc-proxy": lambda p: rs.labels_csv(p, "vsc"),
        "mic-proxy": lambda p: rs.labels_csv(p, "mic"),
        "ser-proxy": lambda p: rs.labels_csv(p, "ser"),
        # held-out training rows of one kind (ms-swift JSONL): an arm's own task
        **{name: partial(cs.swift_rows, name=name) for name in OWN_TASK_SETS},
    }


# Each registry name's task (its loader's EvalSet.task), known before any data is read:
# `adcacc run` checks a claim's metric against it when it loads the experiment file.
SET_TASKS = {"audiocaps": "caption", "clotho": "caption", "captions-csv": "caption", "vocalsound": "vsc",
         "iemocap": "ser", "nsynth": "mic", "gtzan": "mgc", "vsc-proxy": "vsc", "mic-proxy": "mic", "ser-proxy": "ser",
         **{name: "caption" for name in OWN_TASK_SETS}}


def load_eval_set(name: str, path: Path, sessions: tuple[int, ...] | None = None,
                  limit: int | None = None) -> EvalSet:
    """Load by registry name; `sessions` picks IEMOCAP sessions (default: Session 5); `limit`
    keeps the first N clips (smoke runs), the same ones for a model and a trivial baseline."""
    es = _load(name, path, sessions)
    es.items = es.items[:limit] if limit else es.items
    return es


def _load(name: str, path: Path, sessions: tuple[int, ...] | None) -> EvalSet:
    loaders = registry()
    if name not in loaders:
        raise InputError(None, f"unknown eval set {name!r}; choose from {', '.join(loaders)}")
    if not path.exists():
        raise InputError(path, f"dataset path for {name} not found")
    if sessions and name != "iemocap":
        raise InputError(None, f"--sessions applies to the iemocap eval set only, not {name}")
    if sessions:
        return rs.iemocap(Path(path), tuple(sessions))
    return loaders[name](Path(path))
