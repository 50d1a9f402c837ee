"""Every stage kind of `adcacc run`, in plan order. Each is one module of adcacc/kinds/ with
the same parts (`plan`, `run`, `describe`, `cost`, `STEP`, and optionally `GPU`, `DATA`,
`inputs` and `run_worker`); adding a kind is writing that module and listing it here."""
from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING

from adcacc.kinds import baseline, build, compare, corpus, infer, matched, model, pretrain, train
from adcacc.stage import Stage

if TYPE_CHECKING:
    from adcacc.experiment import Experiment

KINDS: dict[str, ModuleType] = {m.__name__.rsplit(".", 1)[1]: m for m in (
    corpus, build, model, pretrain, baseline, matched, train, infer, compare)}


def run_stage(stage: Stage, exp: Experiment, by_id: dict[str, Stage], gpu: str | None = None) -> dict:
    """Do one stage; returns what the state file records beside the fingerprint."""
    return KINDS[stage.kind].run(stage, exp, by_id, gpu)


def describe(stage: Stage, exp: Experiment, by_id: dict[str, Stage]) -> str:
    """The call a stage makes, as a person would read it in `--dry-run`."""
    return KINDS[stage.kind].describe(stage, exp, by_id)


def takes_gpu(stage: Stage) -> bool:
    """Whether the runner gives the stage GPUs of its own (trainings, when GPUs are listed)."""
    return getattr(KINDS[stage.kind], "GPU", False)


def runs_on_nodes(stage: Stage) -> bool:
    """Whether the stage may run on several nodes: its kind has `run_worker` (trainings)."""
    return hasattr(KINDS[stage.kind], "run_worker")


def run_worker(stage: Stage, exp: Experiment, by_id: dict[str, Stage]) -> None:
    """On a node of rank > 0: the kind's part of node 0's run, and no bookkeeping (`adcacc.runner`)."""
    KINDS[stage.kind].run_worker(stage, exp, by_id)
