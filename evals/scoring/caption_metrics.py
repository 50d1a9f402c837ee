"""Captioning metrics through aac-metrics: the numbers the AAC/ADC/ACC papers report.

BLEU-1..4, METEOR, ROUGE-L and CIDEr-D always run (offline Java jars, see metric_assets).
SPICE, SPIDEr, SPIDEr-FL and FENSE run only when their artifacts are present; otherwise
they are reported as unavailable with the missing artifact named, never as 0.

Many runs are scored with one start of each Java program. Scoring one run through
`aac_metrics.evaluate` starts Java four times (the PTB tokenizer for candidates and for
references, METEOR, and METEOR again for per-clip statistics), about 20 s of start-up even for
60 captions. An experiment has dozens of runs (arms x seeds x eval sets), so here all runs'
sentences go through one PTB tokenizer call (it reads one sentence per line, independently)
and all runs' segments through one METEOR `-stdio` call (each segment is scored alone). Each
run's corpus scores then come from its own per-clip statistics: BLEU and METEOR rescored from
summed counts (`adcacc.evals.scoring.pooled_metrics`, equal to aac-metrics' corpus scores to
1e-9, tested), ROUGE-L and CIDEr-D from aac-metrics' Python functions on the run alone
(CIDEr-D's document frequencies are per corpus). SPICE, SPIDEr(-FL) and FENSE, when their
artifacts are installed, still run per run through aac-metrics.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from adcacc.evals.scoring.metric_assets import load_aac_metrics, missing_artifacts
from adcacc.evals.scoring.pooled_metrics import BLEU_N, bleu_stats, meteor_stats, pooled_score

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
    (adcacc.evals.scoring.pooled_metrics.pooled_score): clip scores for item-mean metrics, n-gram counts for
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


CaptionRun = tuple[list[str], list[list[str]]]  # (candidates, references per candidate)


def _tokenize_all(runs: list[CaptionRun]) -> list[CaptionRun]:
    """PTB-tokenize every run's candidates and references in one tokenizer call."""
    from aac_metrics.utils.tokenization import preprocess_mono_sents

    flat: list[str] = []
    for cands, refs in runs:  # references last: the tokenizer drops a trailing empty line
        flat += [one_line(c) for c in cands]
    for cands, refs in runs:
        flat += [one_line(r) for rs in refs for r in rs]
    tokens = iter(preprocess_mono_sents(flat))
    tok_cands = [[next(tokens) for _ in cands] for cands, _ in runs]
    tok_refs = [[[next(tokens) for _ in rs] for rs in refs] for _, refs in runs]
    return list(zip(tok_cands, tok_refs))


def _meteor_all(runs: list[CaptionRun]) -> list[np.ndarray]:
    """Per-clip METEOR statistics of every run from one METEOR process."""
    stats = meteor_stats([c for cands, _ in runs for c in cands], [r for _, refs in runs for r in refs])
    bounds = np.cumsum([0] + [len(cands) for cands, _ in runs])
    return [stats[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


def _rouge_l(cands: list[str], refs: list[list[str]], scores: CaptionScores) -> None:
    """ROUGE-L per clip, as aac-metrics computes it, over each clip's references that have words.

    A reference with no words after PTB tokenisation ("." or "!": punctuation is dropped) has
    no recall to compute (0/0; aac-metrics and pycocoevalcap divide by zero), and its precision,
    0, never raises the clip's best, so it is left out. A clip whose references all lack words
    has no ROUGE-L at all: the metric is then unavailable for the run, naming those clips. Not
    0 (nobody computed it), and not the mean over the other clips, which would score ROUGE-L
    on other clips than every other metric and unpair the arms' per-clip comparison.
    """
    from aac_metrics.functional.rouge_l import rouge_l

    worded = [[r for r in rs if r.split()] for rs in refs]
    void = [str(i) for i, rs in enumerate(worded) if not rs]
    if void:
        shown = ", ".join(void[:10]) + (f" and {len(void) - 10} more" if len(void) > 10 else "")
        scores.unavailable["ROUGE-L"] = (
            f"undefined: the references of item{'s' * (len(void) > 1)} {shown} have no words after "
            "PTB tokenisation (punctuation only); give those clips a reference with words")
        return
    _, sents = rouge_l(cands, worded, return_all_scores=True)
    scores.items["ROUGE-L"] = [float(x) for x in sents["rouge_l"].tolist()]


def _python_metrics(cands: list[str], refs: list[list[str]], scores: CaptionScores) -> None:
    """ROUGE-L and CIDEr-D (per-clip scores) of one tokenized run."""
    from aac_metrics.functional.cider_d import cider_d

    _rouge_l(cands, refs, scores)
    # CIDEr-D's document frequencies are over the run's references: aac-metrics raises on one
    # clip, and on references that all lack words (their n-gram frequencies are empty).
    why = None
    if len(cands) < 2:
        why = "needs at least 2 clips (CIDEr-D's document frequencies are over the corpus)"
    elif not any(r.split() for rs in refs for r in rs):
        why = ("undefined: no reference has words after PTB tokenisation (punctuation only), "
               "so there are no document frequencies; give the clips references with words")
    if why:
        scores.unavailable.update({m: why for m in ("CIDEr-D", "SPIDEr", "SPIDEr-FL")})
        return
    _, sents = cider_d(cands, refs, return_all_scores=True)
    scores.items["CIDEr-D"] = [float(x) for x in sents["cider_d"].tolist()]


def _optional_metrics(cands: list[str], refs: list[list[str]], scores: CaptionScores) -> None:
    """SPICE / SPIDEr / SPIDEr-FL / FENSE through aac-metrics, only those installed here."""
    keys = [k for k in OPTIONAL if METRIC_NAMES[k] not in scores.unavailable]
    if not keys:
        return
    _, sents = load_aac_metrics().evaluate(cands, refs, preprocess=False, metrics=keys, device="cpu")
    for key in keys:
        scores.items[METRIC_NAMES[key]] = [float(x) for x in sents[key].tolist()]


def _finish(scores: CaptionScores, bleu: np.ndarray, meteor: np.ndarray, n: int) -> CaptionScores:
    """Per-clip statistics for every metric, and corpus scores rescored from their sums."""
    scores.stats.update({f"BLEU-{k}": bleu for k in range(1, BLEU_N + 1)})
    scores.stats["METEOR"] = meteor
    scores.stats.update({m: np.asarray(v, dtype=np.float64) for m, v in scores.items.items()
                         if m in ITEM_MEAN_METRICS})
    order = list(METRIC_NAMES.values())
    for name in sorted(scores.stats, key=order.index):
        rows = scores.stats[name].reshape(n, -1)
        scores.corpus[name] = float(pooled_score(name, rows.sum(axis=0), n))
        if name not in scores.items:  # BLEU / METEOR of each clip alone (sentence scores)
            scores.items[name] = pooled_score(name, rows, 1).tolist()
    return scores


def score_caption_runs(runs: list[CaptionRun]) -> list[CaptionScores]:
    """Corpus scores, per-clip scores and per-clip statistics of each run, in input order.

    Each run is (candidates, references): `candidates[i]` is scored against `references[i]`.
    Metrics that cannot run here are in each result's `unavailable`, with the missing
    artifact named, never scored as 0.
    """
    for cands, refs in runs:
        check_inputs(cands, refs)
    load_aac_metrics()
    unavailable = missing_artifacts()
    tokenized = _tokenize_all(runs)
    meteors = _meteor_all(tokenized)
    results = []
    for (cands, refs), meteor in zip(tokenized, meteors):
        scores = CaptionScores(corpus={}, unavailable=dict(unavailable))
        _python_metrics(cands, refs, scores)
        _optional_metrics(cands, refs, scores)
        results.append(_finish(scores, bleu_stats(cands, refs), meteor, len(cands)))
    return results


def score_captions_detailed(candidates: list[str], references: list[list[str]]) -> CaptionScores:
    """Score with every metric that can run here, with per-clip statistics for bootstrap CIs.

    One run through `score_caption_runs`, so `adcacc eval captions` and `adcacc compare`
    compute the same numbers the same way.
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
