"""What several stage kinds read: the model the arms start from, an eval set's clip limit, how
a plain library call reads in a dry run."""
from __future__ import annotations

from typing import TYPE_CHECKING

from adcacc.stage import Stage

if TYPE_CHECKING:
    from adcacc.experiment import EvalSetSpec, Experiment


def model_path(stage: Stage, by_id: dict[str, Stage]) -> str:
    """The model `stage` starts from: its `model` parameter (a hub id / folder, `start_model`),
    else the pretraining's checkpoint (a path its parameters fix, so a dry run prints the real
    one), else the tiny model."""
    if "model" in stage.params:
        return stage.params["model"]
    if "pretrain" in by_id:
        return str(by_id["pretrain"].out / by_id["pretrain"].params["checkpoint"])
    return str(by_id["model"].out)


def model_needs(stages: list[Stage]) -> tuple[str, ...]:
    """The stage that makes the model the arms start from, if the experiment makes one."""
    ids = {s.id for s in stages}
    return ("pretrain",) if "pretrain" in ids else ("model",) if "model" in ids else ()


def start_model(exp: Experiment, stages: list[Stage]) -> dict[str, str]:
    """The parameter naming the model the arms start from when no stage makes it (a hub id or a
    local folder: its name, not its weights, enters the fingerprint); empty when a stage makes
    it, whose fingerprint then stands for it through `needs`."""
    return {} if model_needs(stages) else {"model": str(exp.model.id)}


def family_param(exp: Experiment) -> dict[str, str]:
    """The model family, as a stage parameter where it is not the default (so the stages of a
    Qwen2-Audio experiment keep their fingerprints)."""
    from adcacc.common.model_families import DEFAULT_FAMILY

    return {} if exp.model.family == DEFAULT_FAMILY else {"family": exp.model.family}


def family_of(stage: Stage) -> str:
    """The model family a stage runs (`family_param`)."""
    from adcacc.common.model_families import DEFAULT_FAMILY

    return stage.params.get("family", DEFAULT_FAMILY)


def set_limit(exp: Experiment, es: EvalSetSpec) -> int | None:
    """The clips of `es` evaluated: its own limit, capped by eval.limit."""
    limits = [n for n in (es.limit, exp.eval_options["limit"]) if n is not None]
    return min(limits) if limits else None


def call_text(function: str, stage: Stage) -> str:
    """`function(param=value, ...)`: a library call as a person reads it in `--dry-run`."""
    args = ", ".join(f"{k}={v!r}" for k, v in stage.params.items() if k != "claims")
    return f"{function}({args})"


def gpu_env(gpu: str | None) -> dict[str, str] | None:
    """The environment that pins a subprocess to the GPU(s) the runner gave it."""
    return {"CUDA_VISIBLE_DEVICES": gpu} if gpu is not None else None
