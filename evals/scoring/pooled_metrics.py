"""Per-clip sufficient statistics of the corpus-pooled caption metrics, for bootstrap CIs.

BLEU and METEOR do not average clip scores: they sum counts over the corpus, then score the
sums. A resample of clips is therefore scored from the resampled sums, which `pooled_score`
does for any number of resamples at once. BLEU's counts come from aac-metrics' own BLEU
cooking; METEOR's from the same Meteor 1.5 jar and command line aac-metrics runs, asked for
its per-segment statistics. On the plain sums both equal aac-metrics' corpus scores (tested).
"""
from __future__ import annotations

import os.path
import subprocess

import numpy as np

BLEU_N = 4
# aac-metrics' (pycocoevalcap's) guards against empty counts, kept so scores match exactly
_TINY, _SMALL = 1e-15, 1e-9
# Meteor 1.5's defaults for English (`-l en`, no -p/-w, as aac-metrics runs it):
# alpha, beta, gamma, delta and the exact/stem/synonym/paraphrase module weights
METEOR_PARAMS = (0.85, 0.2, 0.6, 0.75)
METEOR_WEIGHTS = np.array([1.0, 0.6, 0.8, 0.6])


def bleu_stats(candidates: list[str], references: list[list[str]]) -> np.ndarray:
    """(clips, 2 + 2 * BLEU_N): candidate length, closest reference length, guesses, matches.

    Inputs must already be tokenized the way they are scored (space-separated PTB tokens).
    """
    from adcacc.evals.scoring.metric_assets import load_aac_metrics

    load_aac_metrics()
    from aac_metrics.functional.bleu import _bleu_update

    cooked, _ = _bleu_update(candidates, references, BLEU_N, str.split, [], [])
    rows = []
    for c in cooked:
        closest = min((abs(length - c["testlen"]), length) for length in c["reflen"])[1]
        rows.append([c["testlen"], closest, *c["guess"], *c["correct"]])
    return np.asarray(rows, dtype=np.float64).reshape(len(cooked), 2 + 2 * BLEU_N)


def bleu_from_sums(sums: np.ndarray, n: int) -> np.ndarray:
    """Corpus BLEU-n from summed `bleu_stats` rows; `sums` is (..., 2 + 2 * BLEU_N)."""
    testlen, reflen = sums[..., 0], sums[..., 1]
    guess, correct = sums[..., 2:2 + BLEU_N], sums[..., 2 + BLEU_N:]
    log_precisions = np.log(correct[..., :n] + _TINY) - np.log(guess[..., :n] + _SMALL)
    score = np.exp(log_precisions.sum(axis=-1) / n)
    ratio = (testlen + _TINY) / (reflen + _SMALL)
    return np.where(ratio < 1, score * np.exp(1 - 1 / ratio), score)


def meteor_stats(candidates: list[str], references: list[list[str]]) -> np.ndarray:
    """(clips, 23) Meteor statistics per clip, as its `-stdio` SCORE command prints them.

    Columns: test/ref length, test/ref function words, 4 modules x (test content, ref
    content, test function, ref function) matches, chunks, test/ref word matches. A clip
    that matches its reference exactly in one chunk has its chunks zeroed, as Meteor does
    when it aggregates (MeteorStats.addStats). Inputs are PTB-tokenized already.
    """
    from adcacc.evals.scoring.metric_assets import load_aac_metrics

    load_aac_metrics()
    from aac_metrics.functional.meteor import FNAME_METEOR_JAR, _encode_cand_and_refs
    from aac_metrics.utils.globals import _get_cache_path, _get_java_path

    jar = os.path.join(_get_cache_path(None), FNAME_METEOR_JAR)
    cmd = [_get_java_path(None), "-Duser.country=US", "-Duser.language=en", "-jar", "-Xmx2G", jar,
           "-", "-", "-stdio", "-l", "en", "-norm"]
    lines = b"".join(_encode_cand_and_refs(c, refs) for c, refs in zip(candidates, references))
    out = subprocess.run(cmd, input=lines, capture_output=True, check=True).stdout.decode()
    stats = np.array([[float(v) for v in line.split()] for line in out.splitlines()[:len(candidates)]])
    stats = stats.reshape(len(candidates), 23)
    modules = stats[:, 4:20].reshape(-1, 4, 4)
    perfect = ((modules[:, :, [0, 2]].sum(axis=(1, 2)) == stats[:, 0])
               & (modules[:, :, [1, 3]].sum(axis=(1, 2)) == stats[:, 1]) & (stats[:, 20] == 1))
    stats[perfect, 20] = 0.0
    return stats


def meteor_from_sums(sums: np.ndarray) -> np.ndarray:
    """Corpus METEOR from summed `meteor_stats` rows (Meteor 1.5's computeMetrics)."""
    alpha, beta, gamma, delta = METEOR_PARAMS
    modules = sums[..., 4:20].reshape(*sums.shape[:-1], 4, 4)
    test_len, ref_len, test_fn, ref_fn = (sums[..., i] for i in range(4))
    chunks, test_words, ref_words = sums[..., 20], sums[..., 21], sums[..., 22]
    weighted = modules * METEOR_WEIGHTS[:, None] * np.array([delta, delta, 1 - delta, 1 - delta])
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = weighted[..., [0, 2]].sum(axis=(-2, -1)) / (delta * (test_len - test_fn) + (1 - delta) * test_fn)
        recall = weighted[..., [1, 3]].sum(axis=(-2, -1)) / (delta * (ref_len - ref_fn) + (1 - delta) * ref_fn)
        f_mean = 1.0 / ((1 - alpha) / precision + alpha / recall)
        exact = ((modules[..., [0, 2]].sum(axis=(-2, -1)) == test_len)
                 & (modules[..., [1, 3]].sum(axis=(-2, -1)) == ref_len) & (chunks == 1))
        frag = np.where(exact, 0.0, chunks / ((test_words + ref_words) / 2))
        score = f_mean * (1.0 - gamma * frag ** beta)
    return np.maximum(np.nan_to_num(score, nan=0.0), 0.0)


def mean_score(sums: np.ndarray, n_items: int) -> np.ndarray:
    """The mean of per-clip values from their sum (item-mean metrics, retention accuracy)."""
    return sums[..., 0] / n_items


def pooled_score(metric: str, sums: np.ndarray, n_items: int) -> np.ndarray:
    """The corpus score of `metric` from summed per-clip statistics (mean for item metrics)."""
    if metric.startswith("BLEU-"):
        return bleu_from_sums(sums, int(metric.split("-")[1]))
    if metric == "METEOR":
        return meteor_from_sums(sums)
    return mean_score(sums, n_items)
