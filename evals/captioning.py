"""Captioning metrics through aac-metrics: the numbers the AAC/ADC/ACC papers report.

BLEU-1..4, METEOR, ROUGE-L and CIDEr-D always run (offline Java jars, see metric_assets).
SPICE, SPIDEr, SPIDEr-FL and FENSE run only when their artifacts are present; otherwise
they are reported as unavailable with the missing artifact named, never as 0.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from evals.metric_assets import load_aac_metrics, missing_artifacts

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
ALWAYS = ("bleu_1", "bleu_2", "bleu_3", "bleu_4", "meteor", "rouge_l", "cider_d")
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


def _check_inputs(candidates: list[str], references: list[list[str]]) -> None:
    if len(candidates) != len(references):
        raise ValueError(f"{len(candidates)} candidates but {len(references)} reference lists")
    if not candidates:
        raise ValueError("nothing to score: no candidates")
    for i, refs in enumerate(references):
        if not refs or not all(isinstance(r, str) and r.strip() for r in refs):
            raise ValueError(f"item {i}: references must be a non-empty list of non-empty strings")


def _one_line(text: str) -> str:
    """The PTB tokenizer reads one sentence per line; pycocoevalcap also maps newlines to spaces."""
    return text.replace("\r", " ").replace("\n", " ")


def score_captions_detailed(candidates: list[str], references: list[list[str]],
                            with_stats: bool = False) -> CaptionScores:
    """Score with every metric that can run here; see score_captions for the contract.

    `with_stats` also collects the per-clip statistics bootstrap CIs need (`stats`): one more
    pass of BLEU's counting and of the METEOR jar.
    """
    _check_inputs(candidates, references)
    candidates = [_one_line(c) for c in candidates]
    references = [[_one_line(r) for r in refs] for refs in references]
    aac_metrics = load_aac_metrics()
    from aac_metrics.utils.tokenization import preprocess_mono_sents, preprocess_mult_sents
    from evals.pooled_metrics import BLEU_N, bleu_stats, meteor_stats

    unavailable = missing_artifacts()
    keys = list(ALWAYS) + [k for k in OPTIONAL if METRIC_NAMES[k] not in unavailable]
    # PTB-tokenize once, as evaluate(preprocess=True) would, so BLEU's counts see the same text
    candidates, references = preprocess_mono_sents(candidates), preprocess_mult_sents(references)
    corpus, sents = aac_metrics.evaluate(
        candidates, references, preprocess=False, metrics=keys, device="cpu"
    )
    scores = CaptionScores(corpus={}, unavailable=unavailable)
    for key in keys:
        name = METRIC_NAMES[key]
        scores.corpus[name] = float(corpus[key])
        if key in sents:
            scores.items[name] = [float(x) for x in sents[key].tolist()]
        if with_stats and name in ITEM_MEAN_METRICS:
            scores.stats[name] = np.asarray(scores.items[name], dtype=np.float64)
    if with_stats:
        counts = bleu_stats(candidates, references)
        scores.stats.update({f"BLEU-{n}": counts for n in range(1, BLEU_N + 1)})
        scores.stats["METEOR"] = meteor_stats(candidates, references)
    return scores


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
