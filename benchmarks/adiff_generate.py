"""Generation speed: KV-cache decoding (stock layers, and the opt-in split products) vs the
released wrapper's no-cache loop, against the memory-bandwidth floor.

The released ADIFF wrapper re-runs the LM over prefix + all generated tokens at every step;
ours (`adcacc.adiff_small.generate`) feeds one new token against the cached keys/values, on
transformers' stock layers by default, or through the split one-row products of
`adcacc.adiff_small.matvec` (`model.matvec: true`), which helped on one 2-core machine and hurt on
another. All three decode greedily the same number of tokens from the same prefix; the script
checks the tokens are identical and prints ms per token, the ratios, and the floor that bounds
batch-1 decoding: the LM's weight bytes read per token over the measured memory bandwidth.

    python benchmarks/adiff_generate.py    # SmolLM2-135M, 121 positions
    python benchmarks/adiff_generate.py --lm /path/to/gpt2 --tokens 64
"""
from __future__ import annotations

import argparse
import time

import torch

from adcacc.adiff_small.config import ModelConfig
from adcacc.adiff_small.generate import Decoding, generate_ids
from adcacc.adiff_small.lm import load_lm
from adcacc.adiff_small.model import ADiff


@torch.no_grad()
def no_cache_greedy(lm, prefix: torch.Tensor, n: int, ban: int) -> list[list[int]]:
    """The baseline: full forward over the growing sequence for every new token."""
    wte = lm.get_input_embeddings()
    tokens = torch.zeros((prefix.shape[0], 0), dtype=torch.long)
    for _ in range(n):
        embeds = torch.cat([prefix, wte(tokens)], dim=1)
        logits = lm(inputs_embeds=embeds, use_cache=False).logits[:, -1]
        logits[:, ban] = float("-inf")
        tokens = torch.cat([tokens, logits.argmax(-1, keepdim=True)], dim=1)
    return tokens.tolist()


def best_of_interleaved(fns: dict, repeats: int) -> dict[str, tuple[float, object]]:
    """Best time and output of each function, the runs alternating (a, b, a, b, ...) so that
    load from other processes on a shared machine falls on both alike."""
    best: dict[str, tuple[float, object]] = {}
    for _ in range(repeats):
        for name, fn in fns.items():
            t = time.perf_counter()
            out = fn()
            dt = time.perf_counter() - t
            best[name] = (min(dt, best[name][0]), out) if name in best else (dt, out)
    return best


def read_bandwidth(mb: int = 512, repeats: int = 5) -> float:
    """Bytes per second of reading a large float32 tensor (best of `repeats`, all threads)."""
    x = torch.ones(mb * 2**20 // 4)
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        x.sum()
        best = min(best, time.perf_counter() - t)
    return x.numel() * 4 / best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lm", default="smollm2")
    ap.add_argument("--encoder", default="tiny", help="encoder does not affect decoding cost")
    ap.add_argument("--tokens", type=int, default=64)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    torch.manual_seed(0)
    model = ADiff(ModelConfig(encoder=args.encoder, lm=args.lm, mapper_layers=2)).eval()
    width = model.lm.get_input_embeddings().weight.shape[1]
    with torch.no_grad():
        emb = torch.randn(2 * args.batch, model.encoder.embed_dim)
        prompt = model.tokenize_prompts(["explain the difference in detail"] * args.batch)
        prefix = model.prefix(emb[: args.batch], emb[args.batch:], prompt)
    # The baseline cannot stop early, so neither may ours: forbid the end token in both.
    model.lm.generation_config.suppress_tokens = [model.sep_id]
    dec = Decoding(max_new_tokens=args.tokens, min_new_tokens=args.tokens)
    stock_lm = load_lm(args.lm)[0].eval()
    split = ADiff(ModelConfig(encoder=args.encoder, lm=args.lm, mapper_layers=2, matvec=True)).eval()
    split.lm.generation_config.suppress_tokens = [model.sep_id]
    generate_ids(model, prefix, dec)  # warm-up
    best = best_of_interleaved(
        {"stock": lambda: generate_ids(model, prefix, dec),
         "split": lambda: generate_ids(split, prefix, dec),
         "base": lambda: no_cache_greedy(stock_lm, prefix, args.tokens, model.sep_id)}, args.repeats)
    (t_stock, stock), (t_split, split_out), (t_base, base) = best["stock"], best["split"], best["base"]
    weight_bytes = sum(p.numel() * p.element_size() for p in model.lm.parameters())
    bandwidth = read_bandwidth()
    per = lambda t: 1000 * t / args.tokens  # noqa: E731  ms per token
    print(f"lm={args.lm} width={width} prefix={prefix.shape[1]} positions, batch={args.batch}, "
          f"{args.tokens} new tokens, best of {args.repeats}, {torch.get_num_threads()} threads")
    print(f"identical tokens: stock {stock == base}, split {split_out == base}")
    print(f"ms per token: KV-cache stock {per(t_stock):.1f}, KV-cache split {per(t_split):.1f}, "
          f"no-cache loop {per(t_base):.1f}")
    print(f"floor: {weight_bytes / 1e6:.0f} MB of weights at {bandwidth / 1e9:.1f} GB/s read = "
          f"{1000 * weight_bytes / bandwidth:.1f} ms per token")
    print(f"speed-up over the no-cache loop: stock {t_base / t_stock:.2f}x, split {t_base / t_split:.2f}x; "
          f"split / stock {t_stock / t_split:.2f}x")

if __name__ == "__main__":
    main()
