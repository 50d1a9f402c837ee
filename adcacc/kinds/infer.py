"""infer: one model (the base, or an arm's seed) on one eval set, with teacher-forced label and
reference log-probabilities, by its family's backend in its family's environment; an arm is run on
the held-out sets and on its own task only."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from adcacc.kinds.shared import call_text, family_of, family_param, model_needs, model_path, set_limit, start_model
from adcacc.stage import Stage, state

if TYPE_CHECKING:
    from adcacc.dry_run import Estimates
    from adcacc.experiment import Experiment

STEP = "infer"


def plan(exp: Experiment, stages: list[Stage]) -> list[Stage]:
    from adcacc.eval_data import OWN_STAGES, own_prefix
    from adcacc.evals.sets.eval_sets import OWN_TASK_SETS

    # every run also scores the allowed labels / references under teacher forcing: the sensitive
    # measures and the arms' own-task preconditions read them (adcacc.evals.inference.teacher_forcing)
    options = {**{k: exp.eval_options[k] for k in ("batch_size", "max_new_tokens")}, "teacher_forced": True,
               **start_model(exp, stages), **family_param(exp)}
    found = []
    for arm in exp.arms:
        for seed in ((None,) if arm == "base" else exp.seeds):
            run_dir = exp.out / "runs" / arm / (f"s{seed}" if seed is not None else "")
            needs = (*model_needs(stages), *((f"train/{arm}/s{seed}",) if seed is not None else ()))
            for es in exp.eval_sets:
                if arm != "base" and exp.recipe(arm) not in OWN_TASK_SETS.get(es.name, (exp.recipe(arm),)):
                    continue  # another arm's own task: only its arms and the base are judged there
                prefix = own_prefix(es.data)
                data_need = (OWN_STAGES[prefix],) if prefix else ()
                params = {**options, "eval_set": es.name, "set_id": es.id, "data": es.data, "limit": set_limit(exp, es)}
                found.append(Stage(f"infer/{arm}/" + (f"s{seed}/" if seed is not None else "") + es.id, "infer",
                                   tuple(dict.fromkeys((*needs, *data_need))), params, run_dir / es.id, arm, seed))
    return found


def inputs(stage: Stage, cache: Path, save: bool, memo: dict) -> str | None:
    from adcacc.kinds.eval_inputs import eval_set_digest

    return eval_set_digest(stage, cache, save, memo)


def run(stage: Stage, exp: Experiment, by_id: dict[str, Stage], gpu: str | None) -> dict:
    from adcacc.common.errors import InputError
    from adcacc.common.model_families import family
    from adcacc.eval_data import eval_data
    from adcacc.evals.inference.in_env import run_inference_in

    p, fam = stage.params, family(family_of(stage))
    train = by_id.get(f"train/{stage.arm}/s{stage.seed}")
    adapter = (state(train) or {}).get("checkpoint") if train else None
    if train and not adapter:
        raise InputError(train.state_file, "records no checkpoint; rerun the experiment")
    run_inference_in(fam.require_env(), model_path(stage, by_id), p["eval_set"], eval_data(exp.out, p["data"]),
                     stage.out, adapter=adapter, backend=fam.backend, batch_size=p["batch_size"],
                     max_new_tokens=p["max_new_tokens"], limit=p["limit"], teacher_forced=p["teacher_forced"],
                     set_name=p["set_id"])
    return {}


def describe(stage: Stage, exp: Experiment, by_id: dict[str, Stage]) -> str:
    return call_text("run_inference", stage)


def cost(stage: Stage, exp: Experiment, est: Estimates) -> dict[str, float]:
    from adcacc.eval_data import eval_data

    data = eval_data(exp.out, stage.params["data"])
    clips = max(0, len(data.read_text(encoding="utf-8", errors="replace").splitlines()) - 1) \
        if data.suffix == ".csv" and data.is_file() else None  # rows below a CSV's header
    limit = stage.params.get("limit")
    clips = limit if clips is None else min(clips, limit or clips)
    if exp.device != "cpu" or clips is None:
        return {}
    return {"cpu_min": (est.rates["infer_start_s"] + clips * est.rates["infer_clip_s"]) / 60}
