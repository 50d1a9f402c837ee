"""pretrain: the toy base model (`model.pretrain`), the tiny model trained from scratch with
`swift sft --tuner_type full` on captions, instruction phrasing and the retention proxies'
training clips (adcacc/pretraining.py)."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from adcacc.kinds.shared import call_text, gpu_env
from adcacc.stage import Stage

if TYPE_CHECKING:
    from adcacc.dry_run import Estimates
    from adcacc.experiment import Experiment

STEP = "prepare"
GPU = True  # the runner gives it a GPU of its own when GPUs are listed


def plan(exp: Experiment, stages: list[Stage]) -> list[Stage]:
    from adcacc.pretraining import pretrain_checkpoint

    pretrain = exp.model.pretrain
    if pretrain is None:
        return []
    # its outputs, known before it runs: the checkpoint the arms start from (a dry run prints
    # it) and the training rows the baselines take their most frequent answers from
    outputs = {"checkpoint": pretrain_checkpoint(Path("sft"), pretrain.get("overrides", {})).as_posix(),
               "data": "data"}
    # the family is the model stage's: its fingerprint reaches this one through `needs`
    return [Stage("pretrain", "pretrain", ("model", "build", "corpus"), {**pretrain, **outputs}, exp.out / "pretrain")]


def run(stage: Stage, exp: Experiment, by_id: dict[str, Stage], gpu: str | None) -> dict:
    from adcacc.common.errors import StageFailed
    from adcacc.common.model_families import FAMILIES
    from adcacc.pretraining import pretrain_argv, write_pretrain_data
    from adcacc.recipes.launch import family_swift, last_checkpoint, run_swift

    p, family = stage.params, exp.model.family
    counts = write_pretrain_data(by_id["build"].out, by_id["corpus"].out, stage.out / p["data"],
                                 p.get("retention_repeats", 2), p.get("captions", "build"),
                                 p.get("edit_phrasing", 0))
    argv = pretrain_argv(by_id["model"].out, stage.out / p["data"], p.get("overrides", {}), family)
    env = {**(gpu_env(gpu) or {}), **FAMILIES[family].environment()}
    out = run_swift(argv, stage.out / "sft", env or None, swift=family_swift(family))
    checkpoint = stage.out / p["checkpoint"]
    if last_checkpoint(out) != checkpoint:
        raise StageFailed(out / "sft.log", f"swift saved {last_checkpoint(out)}, not {checkpoint}", [])
    return {"checkpoint": str(checkpoint), "rows": counts}


def describe(stage: Stage, exp: Experiment, by_id: dict[str, Stage]) -> str:
    return call_text("swift sft --tuner_type full", stage)


def cost(stage: Stage, exp: Experiment, est: Estimates) -> dict[str, float]:
    from adcacc.pretraining import FLAGS

    if exp.device != "cpu":
        return {}
    steps = stage.params.get("overrides", {}).get("max_steps", FLAGS["max_steps"])
    return {"cpu_min": (est.rates["swift_start_s"] + steps * est.rates["pretrain_step_s"]) / 60}
