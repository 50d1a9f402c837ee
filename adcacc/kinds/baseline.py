"""baseline: the trivial runs every held-out set is judged against: the most frequent training
caption or label of the pretraining's rows (an output of the pretrain stage), for every clip."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from adcacc.kinds.shared import call_text, set_limit
from adcacc.stage import TRIVIAL, Stage

if TYPE_CHECKING:
    from adcacc.dry_run import Estimates
    from adcacc.experiment import Experiment

STEP = "prepare"


def plan(exp: Experiment, stages: list[Stage]) -> list[Stage]:
    from adcacc.evals.sets.eval_sets import OWN_TASK_SETS

    if exp.model.pretrain is None:
        return []
    return [Stage(f"baseline/{es.id}", "baseline", ("pretrain", "corpus"),
                  {"eval_set": es.name, "set_id": es.id, "data": es.data, "limit": set_limit(exp, es)},
                  exp.out / "runs" / TRIVIAL / es.id)
            for es in exp.eval_sets if es.name not in OWN_TASK_SETS]  # an arm's own task: judged against the base


def inputs(stage: Stage, cache: Path, save: bool, memo: dict) -> str | None:
    from adcacc.kinds.eval_inputs import eval_set_digest

    return eval_set_digest(stage, cache, save, memo)


def run(stage: Stage, exp: Experiment, by_id: dict[str, Stage], gpu: str | None) -> dict:
    from adcacc.eval_data import eval_data
    from adcacc.evals.inference.infer import most_frequent, run_constant
    from adcacc.evals.sets.eval_sets import SET_TASKS
    from adcacc.pretraining import training_answers

    p, pretrain = stage.params, by_id["pretrain"]
    task = SET_TASKS[p["eval_set"]]
    answer = most_frequent(training_answers(pretrain.out / pretrain.params["data"], task))
    name = "trivial: the most frequent training " + ("caption" if task == "caption" else "label")
    run_constant(answer, name, p["eval_set"], eval_data(exp.out, p["data"]), stage.out, limit=p["limit"],
                 set_name=p["set_id"])
    return {"answer": answer}


def describe(stage: Stage, exp: Experiment, by_id: dict[str, Stage]) -> str:
    return call_text("run_constant", stage)


def cost(stage: Stage, exp: Experiment, est: Estimates) -> dict[str, float]:
    return {}
