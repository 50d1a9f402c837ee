"""The Qwen2 BPE cut down to the pieces a corpus's texts use.

A tiny Qwen2-Audio spends almost all of a full training step on its 156,032-way output
layer (5.90 vs 0.56 s a step at 4,096 ids: benchmarks/tiny_pretrain_step.py), which rules
out pretraining one from scratch on a 2-core CPU. Cutting the vocabulary to the tokens the
texts need keeps Qwen2's segmentation of those texts exactly: BPE merges the lowest-ranked
applicable pair at each step, every merge it applies to these texts builds (a piece of) a
kept token, and all merges building kept tokens are kept in their original order; the 256
byte tokens stay, so any other text still encodes (into shorter pieces).
"""
from __future__ import annotations

from collections import defaultdict
from typing import Iterable


def trim(vocab: dict[str, int], merges: list[tuple[str, str]], used: Iterable[str]
         ) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """(vocab, merges) restricted to `used` tokens, their building pieces and the bytes;
    ids renumbered from 0 in the original order, merges in their original rank order."""
    keep = {t for t in vocab if len(t) == 1} | set(used)
    producing: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for a, b in merges:
        producing[a + b].append((a, b))
    stack = list(keep)
    while stack:
        for pair in producing.get(stack.pop(), ()):
            for part in pair:
                if part not in keep:
                    keep.add(part)
                    stack.append(part)
    kept_merges = [(a, b) for a, b in merges if a + b in keep]
    return {t: i for i, t in enumerate(sorted(keep, key=vocab.__getitem__))}, kept_merges
