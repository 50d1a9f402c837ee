"""ADIFF from Python, in the shape of the release's wrapper (`ADIFF(...).generate(examples,
max_len, temperature)`): load a checkpoint of ours (`adcacc adiff train`) or one imported from
the release (`adcacc adiff import-release`, which then reads audio and stops decoding as the
release does), and explain pairs of audio files at a tier or with a prompt of your own.

    from adcacc.adiff_small.api import ADIFF

    adiff = ADIFF("runs/adiff/full-s0")
    adiff.explain("a.wav", "b.wav", tier=2)
    adiff.generate([["a.wav", "b.wav", "explain the difference in few words"]], max_len=300)

Torch is imported on first use, so the command line can read the limits below cheaply.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from adcacc.common.errors import InputError

MAX_NEW_TOKENS = 1024  # GPT-2's whole context
RELEASE_NEW_TOKENS = 300  # the release's example.py (max_len=300); tier-3 references: median 155 words
MAX_BATCH = 256  # pairs encoded and decoded together (our bound)


class ADIFF:
    """A loaded ADIFF model. Loading never runs code from the checkpoint unless
    `trust_checkpoint` (a pickled encoder checkpoint the config names)."""

    def __init__(self, checkpoint: str | Path, *, trust_checkpoint: bool = False, device: str = "cpu"):
        from adcacc.adiff_small.checkpoint import load_model

        self.model, self.config = load_model(checkpoint, trust_checkpoint, device)  # cpu, cuda or cuda:N

    def generate(self, examples: Sequence[Sequence[str | Path]], max_len: int = RELEASE_NEW_TOKENS,
                 temperature: float = 1.0, *, decoding: str = "greedy", top_k: int = 3, top_p: float = 0.8,
                 seed: int = 0, batch_size: int = 16) -> list[str]:
        """One explanation per `[audio1, audio2, prompt]`, in order. Greedy by default (the
        release's loop); `decoding="sample"` draws top-k / top-p with `seed` (the paper's
        protocol: k=3, p=0.8)."""
        from adcacc.adiff_small.generate import Decoding, explain

        _check(examples, max_len, temperature, batch_size)
        dec = Decoding(decoding, top_k, top_p, temperature, max_len, seed)
        out: list[str] = []
        for start in range(0, len(examples), batch_size):
            chunk = examples[start:start + batch_size]
            waves = [self.model.read_audio(Path(p), where=f"example {start + i}")
                     for i, ex in enumerate(chunk) for p in ex[:2]]
            emb = self.model.encode(waves).embedding
            out += explain(self.model, emb[0::2], emb[1::2], [str(ex[2]) for ex in chunk], dec)
        return out

    def explain(self, audio1: str | Path, audio2: str | Path, tier: int = 1, **decoding) -> str:
        """The difference of two files at tier 1 (few words), 2 (a sentence) or 3 (detail),
        asked with the tier's canonical prompt; `decoding` as for `generate`."""
        from adcacc.adiff_small.prompts import TIERS, canonical

        if tier not in TIERS:
            raise InputError(None, f"tier must be one of {sorted(TIERS)}, got {tier!r}")
        return self.generate([[audio1, audio2, canonical(TIERS[tier])]], **decoding)[0]


def _check(examples: Sequence[Sequence[str | Path]], max_len: int, temperature: float, batch_size: int) -> None:
    """Sizes in range and every example a [audio1, audio2, prompt] triple, before any audio is read."""
    if not 1 <= max_len <= MAX_NEW_TOKENS:
        raise InputError(None, f"max_len must be 1 to {MAX_NEW_TOKENS} (GPT-2's context), got {max_len}")
    if not 1 <= batch_size <= MAX_BATCH:
        raise InputError(None, f"batch_size must be 1 to {MAX_BATCH}, got {batch_size}")
    if not temperature > 0:
        raise InputError(None, f"temperature must be above 0, got {temperature}")
    for i, ex in enumerate(examples):
        if isinstance(ex, (str, bytes)) or len(ex) != 3:
            raise InputError(None, f"example {i}: expected [audio1, audio2, prompt], got {ex!r}")
