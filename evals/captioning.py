"""Captioning metrics through aac-metrics: the numbers the AAC/ADC/ACC papers report.

BLEU-1..4, METEOR, ROUGE-L and CIDEr-D always run (offline Java jars, see metric_assets).
SPICE, SPIDEr, SPIDEr-FL and FENSE run only when their artifacts are present; otherwise
they are reported as unavailable with the missing artifact named, never as 0.
"""
from __future__ import annotations

from adcacc.evals.caption_metrics import CaptionScores
from adcacc.evals.scoring_session import score_caption_runs


def score_captions_detailed(candidates: list[str], references: list[list[str]]) -> CaptionScores:
    """Score with every metric that can run here, with per-clip statistics for bootstrap CIs.

    One run through the scorer session (adcacc.evals.scoring_session), so `adcacc eval captions`
    and `adcacc compare` compute the same numbers the same way.
    """
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
    from adcacc.evals.reports import markdown_table, skipped_note

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
