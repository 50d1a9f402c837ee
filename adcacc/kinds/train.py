"""train: one arm's `swift sft` with its real recipe (recipes/<family>/<arm>_<hardware>.yaml), by the
swift of the family's environment, per seed, from the model the experiment starts from;
`overrides` and `balance` change only what they name."""
from __future__ import annotations

import math
import shlex
from pathlib import Path
from typing import TYPE_CHECKING

from adcacc.common.model_families import FAMILIES, OWN_ENV
from adcacc.kinds.shared import family_of, family_param, gpu_env, model_needs, model_path, start_model
from adcacc.nodes import Nodes, this_node
from adcacc.stage import Stage

if TYPE_CHECKING:
    from adcacc.dry_run import Estimates
    from adcacc.experiment import Experiment

STEP = "train"
GPU = True  # the runner gives each training its recipe's GPUs when GPUs are listed
DATA = tuple(("adcacc.recipes", family) for family in FAMILIES)  # files it reads that are not imports: the recipes


def plan(exp: Experiment, stages: list[Stage]) -> list[Stage]:
    from adcacc.recipes.spec import HARDWARE

    found = []
    for arm in (a for a in exp.arms if a != "base"):
        recipe = exp.recipe(arm)
        for seed in exp.seeds:
            params = {"recipe": recipe, **family_param(exp), "hardware": exp.hardware, "device": exp.device, "seed": seed,
                      "overrides": {**exp.overrides, **exp.arms[arm]}, "balance": arm in exp.balanced,
                      **start_model(exp, stages)}
            needs = ("matched",) if recipe == "ac_matched" else ("build",)
            found.append(Stage(f"train/{arm}/s{seed}", "train", (*needs, *model_needs(stages)), params,
                               exp.out / "train" / arm / f"s{seed}", arm, seed, gpus=HARDWARE[exp.hardware].gpus))
    return found


def argv(stage: Stage, exp: Experiment, by_id: dict[str, Stage], count: bool = True,
         nodes: Nodes | None = None) -> list[str]:
    """Its `swift sft` arguments but --output_dir; `count=False` before the build exists (a
    balanced arm then cannot count its rows yet). `nodes`: the topology swift will launch on
    (default: this process's environment, which swift reads too)."""
    from adcacc.recipes.launch import balanced_samples, train_argv
    from adcacc.recipes.spec import HARDWARE

    p = stage.params
    data_dir = by_id["matched"].out if p["recipe"] == "ac_matched" else by_id["build"].out
    flags = {**p["overrides"], "seed": p["seed"], "data_seed": p["seed"]}
    samples = balanced_samples(p["recipe"], data_dir) if p.get("balance") and count else None
    processes = (nodes or this_node()).processes(HARDWARE[p["hardware"]].nproc)
    return train_argv(p["recipe"], p["hardware"], Path(model_path(stage, by_id)), data_dir, flags,
                      cpu=p["device"] == "cpu", samples=samples, processes=processes, family=family_of(stage))


def run(stage: Stage, exp: Experiment, by_id: dict[str, Stage], gpu: str | None) -> dict:
    from adcacc.recipes.launch import family_swift, last_checkpoint, run_swift

    out = run_swift(argv(stage, exp, by_id), stage.out, gpu_env(gpu), swift=family_swift(family_of(stage)))
    return {"checkpoint": str(last_checkpoint(out))}


def run_worker(stage: Stage, exp: Experiment, by_id: dict[str, Stage]) -> None:
    """On a node of rank > 0: node 0's swift command, nothing of the stage's bookkeeping."""
    from adcacc.recipes.launch import family_swift, run_swift_worker

    run_swift_worker(argv(stage, exp, by_id), stage.out, swift=family_swift(family_of(stage)))


def describe(stage: Stage, exp: Experiment, by_id: dict[str, Stage]) -> str:
    out, family = ["--output_dir", str(stage.out)], FAMILIES[family_of(stage)]
    swift = "swift" if family.env == OWN_ENV else f"{family.env}/bin/swift"
    try:
        return shlex.join([swift, *argv(stage, exp, by_id), *out])
    except FileNotFoundError:  # a balanced arm's row counts, before the build has run
        return shlex.join([swift, *argv(stage, exp, by_id, count=False), *out]) + \
            "  (each dataset then drawn as often as the largest: path#rows)"


def cost(stage: Stage, exp: Experiment, est: Estimates) -> dict[str, float]:
    from adcacc.common.vocabulary import ARMS, ROWS_PER_BASE, arm_rows_per_base, balanced
    from adcacc.recipes.spec import EFFECTIVE_BATCH, HARDWARE

    over, recipe = stage.params["overrides"], stage.params["recipe"]
    per_base = arm_rows_per_base(recipe)
    if stage.params.get("balance"):
        per_base = sum(balanced({d: ROWS_PER_BASE[d] for d in ARMS[recipe].datasets}).values())
    rows = est.bases * per_base if est.bases is not None else None
    if stage.params["device"] == "cpu":
        steps = over.get("max_steps") or (math.ceil(rows / 2) if rows else None)
        return {"cpu_min": (est.rates["swift_start_s"] + steps * est.rates["train_step_s"]) / 60} if steps else {}
    per_row = HARDWARE[stage.params["hardware"]].gpu_s_per_row
    if over.get("max_steps"):
        rows = over["max_steps"] * EFFECTIVE_BATCH
    epochs = over.get("num_train_epochs", 1)
    return {"gpu_hours": rows * epochs * per_row / 3600} if rows and per_row else {}
