"""Scoring an experiment's captioning runs: one aac-metrics call per run vs one scorer session.

Before (what `adcacc compare` did until the scorer session): each run went through
`aac_metrics.evaluate` (PTB tokenizer for candidates, again for references, METEOR) plus a
second METEOR pass for per-clip statistics: four Java start-ups per run. After: all runs go
through `adcacc.evals.scoring.caption_metrics.score_caption_runs` at once, one PTB tokenizer call and one
METEOR call in all. Both give the same corpus scores (checked here to 1e-9).
Captions are drawn with a fixed seed from the grammar of caption_metrics_speed.py.
Run: python benchmarks/score_many_runs.py [--runs 20] [--clips 60] [--refs 5]
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from caption_metrics_speed import caption  # noqa: E402

KEYS = {"bleu_1": "BLEU-1", "bleu_2": "BLEU-2", "bleu_3": "BLEU-3", "bleu_4": "BLEU-4", "meteor": "METEOR",
        "rouge_l": "ROUGE-L", "cider_d": "CIDEr-D"}


def one_call_per_run(runs) -> list[dict[str, float]]:
    """The former per-run path: aac-metrics' evaluate, then BLEU and METEOR per-clip statistics."""
    from adcacc.evals.scoring.metric_assets import load_aac_metrics
    from adcacc.evals.scoring.pooled_metrics import bleu_stats, meteor_stats

    aac_metrics = load_aac_metrics()  # before any aac_metrics submodule (see metric_assets)
    from aac_metrics.utils.tokenization import preprocess_mono_sents, preprocess_mult_sents

    out = []
    for cands, refs in runs:
        cands, refs = preprocess_mono_sents(cands), preprocess_mult_sents(refs)
        corpus, _ = aac_metrics.evaluate(cands, refs, preprocess=False, metrics=list(KEYS), device="cpu")
        bleu_stats(cands, refs), meteor_stats(cands, refs)
        out.append({name: float(corpus[key]) for key, name in KEYS.items()})
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--clips", type=int, default=60)
    parser.add_argument("--refs", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(0)
    refs = [[caption(rng) for _ in range(args.refs)] for _ in range(args.clips)]  # one eval set
    runs = [([caption(rng) for _ in range(args.clips)], refs) for _ in range(args.runs)]

    from adcacc.evals.scoring.caption_metrics import score_caption_runs

    start = time.perf_counter()
    before = one_call_per_run(runs)
    t_before = time.perf_counter() - start
    start = time.perf_counter()
    after = score_caption_runs(runs)
    t_after = time.perf_counter() - start
    worst = max(abs(b[m] - a.corpus[m]) for b, a in zip(before, after) for m in KEYS.values())
    print(f"{args.runs} runs x {args.clips} clips x {args.refs} references")
    print(f"before, one aac-metrics call per run: {t_before:.1f} s ({t_before / args.runs:.2f} s/run)")
    print(f"after, one scorer session:            {t_after:.1f} s ({t_after / args.runs:.2f} s/run)")
    print(f"ratio {t_before / t_after:.1f}x; largest corpus-score difference {worst:.1e}")


if __name__ == "__main__":
    main()
