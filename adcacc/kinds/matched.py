"""matched: the step-matched AC control's dataset (`ac_matched`): AC rows repeated to the ACC
arm's rows and target tokens, counted with the arms' tokenizer."""
from __future__ import annotations

from typing import TYPE_CHECKING

from adcacc.kinds.shared import call_text, model_needs, model_path, start_model
from adcacc.stage import Stage

if TYPE_CHECKING:
    from adcacc.dry_run import Estimates
    from adcacc.experiment import Experiment

STEP = "prepare"


def plan(exp: Experiment, stages: list[Stage]) -> list[Stage]:
    if not any(exp.recipe(arm) == "ac_matched" for arm in exp.arms):
        return []
    return [Stage("matched", "matched", ("build", *model_needs(stages)), start_model(exp, stages),
                  exp.out / "data_matched")]


def run(stage: Stage, exp: Experiment, by_id: dict[str, Stage], gpu: str | None) -> dict:
    from transformers import AutoTokenizer

    from adcacc.data_builders.matched import write_matched

    tokenizer = AutoTokenizer.from_pretrained(model_path(stage, by_id))
    return write_matched(by_id["build"].out, stage.out, lambda text: len(tokenizer(text)["input_ids"]))


def describe(stage: Stage, exp: Experiment, by_id: dict[str, Stage]) -> str:
    return call_text("write_matched", stage)


def cost(stage: Stage, exp: Experiment, est: Estimates) -> dict[str, float]:
    return {}
