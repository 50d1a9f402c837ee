"""Batched vs one-at-a-time generation with `adcacc infer`'s transformers backend, in one run.

Uses the tiny random Qwen2-Audio (adcacc.recipes.tiny_model) on CPU, or on a GPU when one is
visible. Both arms decode the same clips with the same greedy settings (a fixed number of
new tokens, so both do equal work) and must produce identical text.
Goal (issue 4): batched clips/s >= 4x one-at-a-time at batch 16.
Run: python benchmarks/infer_throughput.py [--clips 32] [--batch 16] [--new-tokens 64] [--repeats 3]
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clips", type=int, default=32)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--new-tokens", type=int, default=64, help="default: adcacc infer's --max-new-tokens")
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="passes over the clips (the dev machine's cores are shared, so "
                             "single timings are noisy)")
    parser.add_argument("--model-dir", type=Path, default=Path(tempfile.gettempdir()) / "adcacc_tiny_qwen2_audio")
    args = parser.parse_args()

    import torch

    from adcacc.evals.inference.backends.chat import greedy_decoding
    from adcacc.evals.inference.backends.transformers import generate_batch, load_model
    from adcacc.evals.sets.tasks import CAPTION_PROMPT
    from adcacc.recipes.tiny_model import build_tiny_qwen2_audio

    if args.threads:
        torch.set_num_threads(args.threads)
    model, processor = load_model(str(build_tiny_qwen2_audio(args.model_dir)), None, "auto", "auto")
    rng = np.random.default_rng(0)
    clips = [[(0.1 * rng.standard_normal(16000 * (2 + i % 4))).astype(np.float32)] for i in range(args.clips)]
    # exactly `adcacc infer`'s greedy settings; the random tiny model practically never
    # emits EOS, so every clip decodes the full budget in both arms (equal work)
    decoding = greedy_decoding(args.new_tokens)
    generate_batch(model, processor, clips[:2], [CAPTION_PROMPT] * 2, decoding)  # warm-up

    def timed(chunk: list, batch: int) -> tuple[float, list[str]]:
        out, start = [], time.perf_counter()
        for i in range(0, len(chunk), batch):
            out += generate_batch(model, processor, chunk[i:i + batch], [CAPTION_PROMPT] * len(chunk[i:i + batch]), decoding)
        return time.perf_counter() - start, out

    # Paired rounds: each chunk of `batch` clips runs one at a time, then as one batch, so
    # both arms of a ratio see the same load on the shared cores.
    ratios, t_one, t_batch, same = [], 0.0, 0.0, 0
    for _ in range(args.repeats):
        for i in tqdm(range(0, len(clips), args.batch), desc="paired rounds", leave=False):
            (a, one), (b, batched) = timed(clips[i:i + args.batch], 1), timed(clips[i:i + args.batch], args.batch)
            ratios.append(a / b)
            t_one, t_batch, same = t_one + a, t_batch + b, same + sum(x == y for x, y in zip(one, batched))
    n = len(clips) * args.repeats
    print(f"device={model.device} threads={torch.get_num_threads()} clips={args.clips} "
          f"new_tokens={args.new_tokens} repeats={args.repeats} ({len(ratios)} paired rounds)")
    print(f"one-at-a-time: {n / t_one:.2f} clips/s; batch {args.batch}: {n / t_batch:.2f} clips/s")
    print(f"identical outputs: {same}/{n}")
    print(f"per-round ratios: min {min(ratios):.2f}x, max {max(ratios):.2f}x")
    print(f"speed-up batched/one-at-a-time: {statistics.median(ratios):.2f}x median of rounds, "
          f"{t_one / t_batch:.2f}x of totals (goal >= 4x)")


if __name__ == "__main__":
    main()
