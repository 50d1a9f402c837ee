"""model: the tiny model of the experiment's family (`model.tiny`): a Qwen2-Audio built here, a
Qwen-Omni thinker by its own environment's Python; when it is pretrained, its vocabulary is cut to
the experiment's texts (the tiny Qwen3-Omni keeps its full vocabulary: its builder does not cut)."""
from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from adcacc.common.model_families import DEFAULT_FAMILY
from adcacc.kinds.shared import call_text, family_of, family_param
from adcacc.stage import Stage

if TYPE_CHECKING:
    from adcacc.dry_run import Estimates
    from adcacc.experiment import Experiment

STEP = "prepare"


def plan(exp: Experiment, stages: list[Stage]) -> list[Stage]:
    if exp.model.tiny is None:
        return []
    from adcacc.common.model_families import FAMILIES
    from adcacc.recipes.tiny_omni import TRIMS

    tiny = FAMILIES[exp.model.family].tiny  # pretraining cuts the vocabulary to the experiment's texts
    trim = exp.model.pretrain is not None and (exp.model.family == DEFAULT_FAMILY or tiny in TRIMS)
    return [Stage("model", "model", ("build", "corpus") if trim else (),
                  {**exp.model.tiny, "trim_vocab": trim, **family_param(exp)}, exp.out / "model")]


def run(stage: Stage, exp: Experiment, by_id: dict[str, Stage], gpu: str | None) -> dict:
    from adcacc.pretraining import vocabulary_texts
    from adcacc.recipes.tiny_model import build_tiny_qwen2_audio

    p = {k: v for k, v in stage.params.items() if k != "family"}
    corpus = by_id["corpus"].out if "corpus" in by_id else None
    texts = vocabulary_texts(by_id["build"].out, corpus) if p.pop("trim_vocab") else None
    if family_of(stage) != DEFAULT_FAMILY:
        _build_in_env(stage, p.get("seed", 0), texts)
        return {}
    build_tiny_qwen2_audio(stage.out, **p, texts=texts)
    return {}


def _build_in_env(stage: Stage, seed: int, texts: list[str] | None) -> None:
    """`adcacc.recipes.tiny_omni` run by the family's Python (its transformers builds the model)."""
    from adcacc.common.errors import StageFailed
    from adcacc.common.model_families import FAMILIES

    family = FAMILIES[family_of(stage)]
    argv = [str(family.require_env()), "-m", "adcacc.recipes.tiny_omni", str(stage.out), "--family", family.tiny,
            "--seed", str(seed)]
    with tempfile.TemporaryDirectory(prefix="adcacc-texts-") as scratch:
        if texts is not None:
            (Path(scratch) / "texts.json").write_text(json.dumps(texts), encoding="utf-8")
            argv += ["--texts", str(Path(scratch) / "texts.json")]
        done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        raise StageFailed(stage.out, f"the tiny {family.tiny} build failed (exit {done.returncode})",
                          (done.stderr or done.stdout).strip().splitlines()[-15:])


def describe(stage: Stage, exp: Experiment, by_id: dict[str, Stage]) -> str:
    from adcacc.common.model_families import FAMILIES

    if family_of(stage) != DEFAULT_FAMILY:
        return call_text("build_tiny_omni", stage) + f" by {FAMILIES[family_of(stage)].env}'s Python"
    return call_text("build_tiny_qwen2_audio", stage)


def cost(stage: Stage, exp: Experiment, est: Estimates) -> dict[str, float]:
    return {}
