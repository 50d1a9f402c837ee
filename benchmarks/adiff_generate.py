"""Generation speed: our KV-cache decoding vs the released wrapper's no-cache loop.

The released ADIFF wrapper re-runs the LM over prefix + all generated tokens at every step;
ours (`adiff_small.generate`) feeds one new token against the cached keys/values, through
the split vector products of `adiff_small.matvec`. The baseline runs on the same LM as
transformers loads it (stock layers), as the release's does. Both decode greedily the same
number of tokens from the same prefix; the script checks the tokens are identical and
prints the speed ratio.

    PYTHONPATH=. python benchmarks/adiff_generate.py    # from the repo root; SmolLM2-135M, 121 positions
    python benchmarks/adiff_generate.py --lm /path/to/gpt2 --tokens 64
"""
from __future__ import annotations

import argparse
import time

import torch

from adiff_small.config import ModelConfig
from adiff_small.generate import Decoding, generate_ids
from adiff_small.lm import load_lm
from adiff_small.model import ADiff


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
    stock_lm = load_lm(args.lm, matvec=False)[0].eval()
    generate_ids(model, prefix, dec)  # warm-up
    best = best_of_interleaved(
        {"ours": lambda: generate_ids(model, prefix, dec),
         "base": lambda: no_cache_greedy(stock_lm, prefix, args.tokens, model.sep_id)}, args.repeats)
    (t_ours, ours), (t_base, base) = best["ours"], best["base"]
    print(f"lm={args.lm} width={width} prefix={prefix.shape[1]} positions, batch={args.batch}, "
          f"{args.tokens} new tokens, best of {args.repeats}")
    print(f"identical tokens: {ours == base}")
    print(f"KV-cache generate: {t_ours:.3f} s   no-cache loop: {t_base:.3f} s   "
          f"speed-up: {t_base / t_ours:.2f}x")


if __name__ == "__main__":
    main()
