"""model: the tiny Qwen2-Audio (`model.tiny`), its vocabulary cut to the experiment's texts
when it is pretrained."""
from __future__ import annotations

from typing import TYPE_CHECKING

from adcacc.kinds.shared import call_text
from adcacc.stage import Stage

if TYPE_CHECKING:
    from adcacc.dry_run import Estimates
    from adcacc.experiment import Experiment

STEP = "prepare"


def plan(exp: Experiment, stages: list[Stage]) -> list[Stage]:
    if exp.model.tiny is None:
        return []
    trim = exp.model.pretrain is not None  # pretraining cuts the vocabulary to the experiment's texts
    return [Stage("model", "model", ("build", "corpus") if trim else (), {**exp.model.tiny, "trim_vocab": trim},
                  exp.out / "model")]


def run(stage: Stage, exp: Experiment, by_id: dict[str, Stage], gpu: str | None) -> dict:
    from adcacc.pretraining import vocabulary_texts
    from adcacc.recipes.tiny_model import build_tiny_qwen2_audio

    p = dict(stage.params)
    corpus = by_id["corpus"].out if "corpus" in by_id else None
    texts = vocabulary_texts(by_id["build"].out, corpus) if p.pop("trim_vocab") else None
    build_tiny_qwen2_audio(stage.out, **p, texts=texts)
    return {}


def describe(stage: Stage, exp: Experiment, by_id: dict[str, Stage]) -> str:
    return call_text("build_tiny_qwen2_audio", stage)


def cost(stage: Stage, exp: Experiment, est: Estimates) -> dict[str, float]:
    return {}
