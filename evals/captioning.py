"""Captioning metrics through aac-metrics: the numbers the AAC/ADC/ACC papers report.

BLEU-1..4, METEOR, ROUGE-L and CIDEr-D always run (offline Java jars, see metric_assets).
SPICE, SPIDEr, SPIDEr-FL and FENSE run only when their artifacts are present; otherwise
they are reported as unavailable with the missing artifact named, never as 0.
"""
from __future__ import annotations

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
    (evals.pooled_metrics.pooled_score): clip scores for item-mean metrics, n-gram counts for
    BLEU, alignment statistics for METEOR.
    """

    corpus: dict[str, float]
    items: dict[str, list[float]] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)
    stats: dict[str, np.ndarray] = field(default_factory=dict)


def check_inputs(candidates: list[str], references: list[list[str]]) -> None:
    if len(candidates) != len(references):
        raise ValueError(f"{len(candidates)} candidates but {len(references)} reference lists")
    if not candidates:
        raise ValueError("nothing to score: no candidates")
    for i, refs in enumerate(references):
        if not refs or not all(isinstance(r, str) and r.strip() for r in refs):
            raise ValueError(f"item {i}: references must be a non-empty list of non-empty strings")


def one_line(text: str) -> str:
    """The PTB tokenizer reads one sentence per line; pycocoevalcap also maps newlines to spaces."""
    return text.replace("\r", " ").replace("\n", " ")


def score_captions_detailed(candidates: list[str], references: list[list[str]]) -> CaptionScores:
    """Score with every metric that can run here, with per-clip statistics for bootstrap CIs.

    One run through the scorer session (evals.scoring_session), so `adcacc eval captions`
    and `adcacc compare` compute the same numbers the same way.
    """
    from evals.scoring_session import score_caption_runs

    return score_caption_runs([(candidates, references)])[0]


def score_captions(
    candidates: list[str], references: list[list[str]]
) -> tuple[dict[str, float], dict[str, str]]:
    """Corpus scores by metric name, and unavailable metric -> reason naming what is missing.

    `candidates[i]` is scored against `references[i]` (one or more strings). Text is
    PTB-tokenised first, as pycocoevalcap and the papers do.
    """
    scores = score_captions_detailed(candidates, references)
    return scores.corpus, scores.unavailable


def caption_report(run) -> tuple[dict, str]:
    """Score a validated captioning Run; return the JSON payload and its Markdown table."""
    from evals.reports import markdown_table, skipped_note

    rows = run.rows
    scores = score_captions_detailed([r["prediction"] for r in rows], [r["references"] for r in rows])
    payload = {
        "eval_set": run.eval_set,
        "n_items": len(rows),
        "metrics": scores.corpus,
        "unavailable": scores.unavailable,
        "empty_predictions": run.empty_ids,
        "skipped_clips": run.meta.get("skipped", []),
        "item_scores": {r["id"]: {m: v[i] for m, v in scores.items.items()} for i, r in enumerate(rows)},
    }
    names = list(scores.corpus) + list(scores.unavailable)
    md = f"# Captioning metrics: {run.eval_set} ({len(rows)} clips)\n\n"
    md += markdown_table(["metric", "score"], [[n, scores.corpus.get(n, "unavailable")] for n in names])
    if scores.unavailable:
        md += "\nUnavailable metrics (not computed, not zero):\n\n"
        md += "".join(f"- {n}: {why}\n" for n, why in scores.unavailable.items())
    if run.empty_ids:
        md += f"\n{len(run.empty_ids)} empty prediction(s) were scored as given (e.g. {run.empty_ids[:3]}).\n"
    return payload, md + skipped_note(run)
