"""Decoding from the ADIFF prefix with the LM's KV cache (transformers' `generate`).

Greedy, or top-k/top-p sampling with the paper's defaults (k=3, p=0.8, appendix N). A
seed makes sampling reproducible without touching the caller's global RNG state. Decoding
stops at the model's stop token (`model.stop_id`: end-of-text for ours, the release's rule
for an imported release, see model.stop in config.py).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class Decoding:
    strategy: str = "greedy"  # greedy | sample
    top_k: int = 3
    top_p: float = 0.8
    temperature: float = 1.0
    max_new_tokens: int = 128
    seed: int = 0
    min_new_tokens: int = 0  # > 0 forces length (benchmarks)


@torch.no_grad()
def generate_ids(model, prefix: torch.Tensor, dec: Decoding) -> list[list[int]]:
    """New token ids per row, cut at (and without) the model's stop token."""
    sample = dec.strategy == "sample"
    if dec.strategy not in ("greedy", "sample"):
        raise ValueError(f"unknown decoding strategy {dec.strategy!r}")
    kwargs = dict(do_sample=True, top_k=dec.top_k, top_p=dec.top_p,
                  temperature=dec.temperature) if sample else dict(do_sample=False)
    mask = torch.ones(prefix.shape[:2], dtype=torch.long, device=prefix.device)
    with torch.random.fork_rng(devices=[prefix.device] if prefix.is_cuda else []):  # the caller's RNG untouched
        torch.manual_seed(dec.seed)
        out = model.lm.generate(inputs_embeds=prefix, attention_mask=mask,
                                max_new_tokens=dec.max_new_tokens, eos_token_id=model.stop_id,
                                min_new_tokens=dec.min_new_tokens,
                                pad_token_id=model.sep_id, use_cache=True,
                                # sampling defaults of the LM's generation_config must not leak in
                                top_k=kwargs.pop("top_k", None), top_p=kwargs.pop("top_p", None),
                                temperature=kwargs.pop("temperature", None), **kwargs)
    rows = []
    for seq in out.tolist():
        rows.append(seq[: seq.index(model.stop_id)] if model.stop_id in seq else seq)
    return rows


def explain(model, emb1: torch.Tensor, emb2: torch.Tensor, prompts: list[str],
            dec: Decoding) -> list[str]:
    """Explanations (or captions) for a batch of audio-embedding pairs and prompts."""
    model.eval()
    with torch.no_grad():
        prefix = model.prefix(emb1, emb2, model.tokenize_prompts(prompts))
    ids = generate_ids(model, prefix, dec)
    return [model.tokenizer.decode(r, skip_special_tokens=True).strip() for r in ids]
