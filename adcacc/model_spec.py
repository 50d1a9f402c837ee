"""An experiment's `model:` block: which family, and the model the arms start from (a hub id or
local folder, or a tiny model built here and optionally pretrained), checked as the stages will
use it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from adcacc.common.model_families import DEFAULT_FAMILY, FAMILIES
from adcacc.config_reader import Reader, as_key
from adcacc.data_builders.datasets import check_seed
from adcacc.overrides import check_overrides


@dataclass(frozen=True)
class ModelSpec:
    id: str | None  # hub id or local folder
    tiny: dict[str, Any] | None  # the tiny model builder's options (adcacc.kinds.model)
    pretrain: dict[str, Any] | None  # full fine-tuning of the tiny model before any arm
    family: str = DEFAULT_FAMILY  # adcacc.common.model_families: its recipes, environment and backend


def read_model(top: Reader) -> ModelSpec:
    """The checked `model:` block (one InputError naming the key otherwise)."""
    m = top.sub("model", ("family", "id", "tiny", "pretrain"))
    if m is None:
        top.fail("is required", "model")
    family = m.get("family", str, DEFAULT_FAMILY)
    if family not in FAMILIES:
        m.fail(f"unknown model family {family!r}; choose from {', '.join(FAMILIES)}", "family")
    model_id, tiny = m.get("id", str), m.get("tiny", dict)
    if tiny is not None:
        _check_tiny(m, family)
    if (model_id is None) == (tiny is None):
        m.fail("give either id (a hub id or local folder) or tiny (a tiny model built here)")
    if m.get("pretrain", dict) is not None and tiny is None:
        m.fail("pretraining is only for a tiny model", "pretrain")
    pretrain = m.sub("pretrain", ("overrides", "retention_repeats", "captions", "edit_phrasing"))
    if pretrain is not None:
        _check_pretrain(pretrain)
    return ModelSpec(id=model_id, tiny=tiny, family=family,  # a key set to null means its default, as everywhere
                     pretrain={k: v for k, v in pretrain.node.items() if v is not None} if pretrain else None)


def _check_tiny(m: Reader, family: str) -> None:
    """The tiny builder's options: a seed, and for Qwen2-Audio the vocabulary's source."""
    t = m.sub("tiny", ("seed", "vocab") if family == DEFAULT_FAMILY else ("seed",))
    as_key(t, check_seed, t.node.get("seed", 0), t._at("seed"))
    if t.get("vocab", str, "auto") not in ("auto", "qwen", "bpe"):
        t.fail("must be auto, qwen or bpe", "vocab")


def _check_pretrain(pretrain: Reader) -> None:
    from adcacc.pretraining import CAPTION_SOURCES, MAX_PHRASING, RETENTION_TRAIN

    check_overrides(pretrain)
    repeats = pretrain.get("retention_repeats", (int, dict), 2)
    per_task = repeats if isinstance(repeats, dict) else {t: repeats for t in RETENTION_TRAIN}
    if any(t not in RETENTION_TRAIN or type(n) is not int or not 1 <= n <= 100 for t, n in per_task.items()):
        pretrain.fail(f"must be from 1 to 100, or a map of {', '.join(RETENTION_TRAIN)} to such", "retention_repeats")
    if not 0 <= pretrain.get("edit_phrasing", int, 0) <= MAX_PHRASING:
        pretrain.fail(f"must be from 0 to {MAX_PHRASING:,}", "edit_phrasing")
    if pretrain.get("captions", str, "build") not in CAPTION_SOURCES:
        pretrain.fail(f"must be one of {', '.join(CAPTION_SOURCES)}", "captions")
