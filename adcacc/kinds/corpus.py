"""corpus: the embedded real-sound corpus (`data.corpus`): base scenes, held-out scenes,
pretraining scenes and the retention proxies."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from adcacc.kinds.shared import call_text
from adcacc.stage import Stage

if TYPE_CHECKING:
    from adcacc.dry_run import Estimates
    from adcacc.experiment import Experiment

STEP = "prepare"


def plan(exp: Experiment, stages: list[Stage]) -> list[Stage]:
    from adcacc.data_builders.corpus.build import SCENES

    if exp.data.corpus is None:
        return []
    return [Stage("corpus", "corpus", (), {"seed": 0, **SCENES, **exp.data.corpus}, exp.out / "corpus")]


def run(stage: Stage, exp: Experiment, by_id: dict[str, Stage], gpu: str | None) -> dict:
    from adcacc.data_builders.corpus.build import build_corpus
    from adcacc.data_builders.corpus.fetch import DEFAULT_CACHE

    p = stage.params
    build_corpus(stage.out, cache_dir=Path(p.get("cache") or DEFAULT_CACHE), seed=p["seed"],
                 n_bases=p["bases"], n_heldout=p["heldout"], n_pretrain=p["pretrain"])
    return {}


def describe(stage: Stage, exp: Experiment, by_id: dict[str, Stage]) -> str:
    return call_text("build_corpus", stage)


def cost(stage: Stage, exp: Experiment, est: Estimates) -> dict[str, float]:
    return {}
