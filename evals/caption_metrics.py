"""The captioning metrics' names and result type, shared by the scorer and its callers.

BLEU-1..4, METEOR, ROUGE-L and CIDEr-D always run (offline Java jars, see metric_assets).
SPICE, SPIDEr, SPIDEr-FL and FENSE run only when their artifacts are present; otherwise
they are reported as unavailable with the missing artifact named, never as 0.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

# aac-metrics metric key -> the name our tables (and the papers) use
METRIC_NAMES = {
    "bleu_1": "BLEU-1",
    "bleu_2": "BLEU-2",
    "bleu_3": "BLEU-3",
    "bleu_4": "BLEU-4",
    "meteor": "METEOR",
    "rouge_l": "ROUGE-L",
    "cider_d": "CIDEr-D",
    "spice": "SPICE",
    "spider": "SPIDEr",
    "spider_fl": "SPIDEr-FL",
    "fense": "FENSE",
}
OPTIONAL = ("spice", "spider", "spider_fl", "fense")
# Metrics whose corpus score is the mean of the per-item scores, so a bootstrap over items
# resamples exactly the reported number (BLEU and METEOR pool corpus statistics).
ITEM_MEAN_METRICS = ("ROUGE-L", "CIDEr-D", "SPICE", "SPIDEr", "SPIDEr-FL", "FENSE")


@dataclass
class CaptionScores:
    """Corpus scores, per-item scores (same order as the inputs) and unavailable metrics.

    `stats[metric]` holds per-clip statistics whose resampled sums rescore the corpus metric
    (adcacc.evals.pooled_metrics.pooled_score): clip scores for item-mean metrics, n-gram counts for
    BLEU, alignment statistics for METEOR.
    """

    corpus: dict[str, float]
    items: dict[str, list[float]] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)
    stats: dict[str, np.ndarray] = field(default_factory=dict)


def check_inputs(candidates: list[str], references: list[list[str]]) -> None:
    """ValueError before any Java starts: one reference list per candidate, none empty."""
    if len(candidates) != len(references):
        raise ValueError(f"{len(candidates)} candidates but {len(references)} reference lists")
    if not candidates:
        raise ValueError("nothing to score: no candidates")
    for i, refs in enumerate(references):
        if not refs or not all(isinstance(r, str) and r.strip() for r in refs):
            raise ValueError(f"item {i}: references must be a non-empty list of non-empty strings")


# Control characters (Unicode Cc: C0, DEL, C1 with NEL) and the line / paragraph separators:
# together every character str.splitlines() splits on.
_BREAKS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    """The text with every line break and control character made a space.

    The PTB tokenizer reads one sentence per line and also breaks lines at \\v, \\f, \\r,
    U+2028 and U+2029 (its line count then no longer matches), and turns some C1 controls
    into tokens (\\x80 became "$"); pycocoevalcap maps newlines to spaces likewise.
    """
    return _BREAKS.sub(" ", text)
