"""A one-arm experiment whose training is the next stage to run, for the multi-node tests: its
run folder claimed by `adcacc run` and its build stage recorded done over the given dataset
files, as if `adcacc run --stage build` had made them."""
from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from adcacc.common.owned_dir import owned
from adcacc.experiment import Experiment, load_experiment
from adcacc.plan import build_plan
from adcacc.stage import STATES, mark

TRAIN = "train/adc/s0"


def ready_experiment(root: Path, data: Path, model: Path, overrides: dict) -> Experiment:
    """`root/exp.yaml` (arm adc on `model`, CPU) with `root/run` ready for TRAIN; `data` holds
    the build's adc_*.jsonl."""
    for folder in ("aac", "events"):  # the build is recorded done: its inputs are never read
        (root / folder).mkdir(parents=True)
    path = root / "exp.yaml"
    path.write_text(yaml.safe_dump({
        "name": "nodes", "data": {"audiocaps": str(root / "aac"), "event_dir": str(root / "events"),
                                  "build": {"seed": 0}},
        "model": {"id": str(model)}, "hardware": "rtx4090", "device": "cpu", "overrides": overrides,
        "arms": ["base", "adc"], "seeds": [0],
        "eval": {"sets": [{"name": "own-adc", "data": "data:adc_val.jsonl"}]}}))
    exp = load_experiment(path, root / "run")
    with owned(exp.out, "adcacc run", legacy=(STATES,)):
        build = next(s for s in build_plan(exp, save_hashes=True) if s.id == "build")
        shutil.copytree(data, build.out)
        mark(build, "done")
    return exp
