"""Time `score_captions_detailed` at AudioCaps-test size (4,875 candidates x 5 references).

Goal (issue 4): under 120 s on the 2-core dev machine. Captions are drawn with a fixed seed
from a sound-description grammar, or from the captions of a real `id,path,caption_1..` CSV
(e.g. the embedded corpus's captions.csv) with --captions-csv.
Run: python benchmarks/caption_metrics_speed.py [--n 4875] [--captions-csv CSV]
(The per-clip statistics `adcacc compare` bootstraps are always collected: corpus BLEU and
METEOR are rescored from them.)
"""
from __future__ import annotations

import argparse
import csv
import random
import time

SUBJECTS = ["a dog", "a man", "a woman", "a car", "rain", "a bird", "people", "a child",
            "an engine", "water", "a bell", "the wind", "a crowd", "a train", "a cat"]
VERBS = ["barks", "speaks", "runs", "passes by", "falls", "chirps", "talk", "laughs",
         "idles", "flows", "rings", "blows", "cheers", "approaches", "meows"]
TAILS = ["in the distance", "loudly", "while music plays", "on a roof", "nearby",
         "and then stops", "as birds sing", "over and over", "in a large room", ""]


def caption(rng: random.Random) -> str:
    parts = [rng.choice(SUBJECTS), rng.choice(VERBS), rng.choice(TAILS)]
    if rng.random() < 0.5:
        parts += ["while", rng.choice(SUBJECTS), rng.choice(VERBS)]
    return " ".join(p for p in parts if p)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=4875)
    parser.add_argument("--refs", type=int, default=5)
    parser.add_argument("--captions-csv", default=None)
    args = parser.parse_args()
    rng = random.Random(0)
    draw = lambda: caption(rng)  # noqa: E731
    if args.captions_csv:
        with open(args.captions_csv, newline="", encoding="utf-8") as f:
            pool = [v for row in csv.DictReader(f) for k, v in row.items() if k.startswith("caption_") and v]
        draw = lambda: rng.choice(pool)  # noqa: E731
    cands = [draw() for _ in range(args.n)]
    refs = [[draw() for _ in range(args.refs)] for _ in range(args.n)]

    from adcacc.evals.scoring.caption_metrics import score_captions_detailed

    start = time.perf_counter()
    detailed = score_captions_detailed(cands, refs)
    seconds = time.perf_counter() - start
    print({k: round(v, 4) for k, v in detailed.corpus.items()})
    print(f"unavailable: {sorted(detailed.unavailable)}")
    print(f"{args.n} x {args.refs}: {seconds:.1f} s (goal < 120 s; ratio to goal {seconds / 120:.2f})")


if __name__ == "__main__":
    main()
