"""One trained demo model on the held-out pairs: greedy outputs and per-pair 0/1 outcomes.

Outputs of the lowest tier tested give label accuracy by position and (with the audios in
the other order) swap consistency; tier-2 outputs give the louder/brighter direction
accuracy; likelihoods of candidates of the lowest tier give the forced choice
(`listening.py`), under matched, shuffled and swapped audio for models that hear. An audio-blind model's prefix does not depend on the
audio, so its outputs and scores under shuffled or swapped audio equal the matched ones;
those are not recomputed (its swapped-order output is its matched output).
"""
from __future__ import annotations

import numpy as np

from adcacc.adiff_small import prompts
from adcacc.adiff_small.data import Row
from adcacc.adiff_small.demo import listening, measures
from adcacc.adiff_small.embeddings import EmbeddingCache
from adcacc.adiff_small.generate import Decoding, explain

# Our choice: greedy (the release wrapper's decoding, deterministic) and 64 new tokens, enough
# for a tier-2 template answer (at most about 50 tokens).
DECODING = Decoding("greedy", max_new_tokens=64)


def generate(model, rows: list[Row], cache: EmbeddingCache, swapped: bool = False,
             batch_size: int = 32) -> list[str]:
    """Greedy outputs for rows (their tier's canonical prompt), audio 2 first if `swapped`."""
    out = []
    for i in range(0, len(rows), batch_size):
        batch = rows[i:i + batch_size]
        e1, e2 = cache.get([r.audio1 for r in batch]), cache.get([r.audio2 for r in batch])
        if swapped:
            e1, e2 = e2, e1
        out += explain(model, e1, e2, [prompts.canonical(r.task) for r in batch], DECODING)
    return out


def measure(model, test: dict[str, list[Row]], labels: list[str], cache: EmbeddingCache,
            controls: bool, seed: int = 0) -> tuple[dict[str, np.ndarray], dict[str, list[str]]]:
    """({measure: per-pair outcomes}, {output set: texts}). Label measures and the forced
    choice use the lowest tier tested (its first sentence names both labels), directions tier
    2, the tier shape both. `controls`: also run the shuffled/swapped-audio conditions (for the full model)."""
    cache.model = model
    cache.fill([(p, r.where) for rows in test.values() for r in rows for p in (r.audio1, r.audio2)], False)
    blind = model.cfg.audio_blind
    outcomes, preds = {}, {}
    tier = min(test)
    rows = test[tier]
    matched = preds[f"{tier} matched"] = generate(model, rows, cache)
    if controls or blind:
        swapped = preds[f"{tier} swapped"] = matched if blind else generate(model, rows, cache, swapped=True)
        outcomes["swap consistency"] = measures.swap_consistency(rows, matched, swapped, labels)
    outcomes["label position 1"], outcomes["label position 2"] = measures.label_accuracy(rows, matched, labels)
    conditions = listening.CONDITIONS if controls and not blind else ("matched",)
    items = listening.candidates(rows)
    choice = listening.forced_choice(model, items, cache, conditions, seed) if items else {}
    for cond, kinds in choice.items():
        for kind, x in kinds.items():
            outcomes[f"forced choice {kind}, {cond} audio"] = x
    if "tier2" in test:
        said = matched if tier == "tier2" else preds.setdefault("tier2 matched", generate(model, test["tier2"], cache))
        for fact in measures.FACTS:
            outcomes[f"{fact} direction"] = measures.direction_accuracy(test["tier2"], said, fact)
    for t in shape_tiers(test):
        outcomes[f"{t} shape"] = measures.shape_accuracy(test[t], preds[f"{t} matched"])
    return outcomes, preds


def shape_tiers(test: dict[str, list[Row]]) -> list[str]:
    """The tiers `measure` generates answers for (the lowest tested, and tier 2 if tested)."""
    return sorted({min(test), *(["tier2"] if "tier2" in test else [])})


def item_clips(test: dict[str, list[Row]]) -> dict[str, list[tuple[str, str]]]:
    """The two clips of each item of each item set `measure` scores (report.item_set
    names), in its order: the bootstrap resamples clips, since held-out pairs share them."""
    rows = test[min(test)]
    pair = lambda r: (str(r.audio1), str(r.audio2))  # noqa: E731
    out = {"tier-1 label pairs": [pair(rows[i]) for i in measures.label_rows(rows)],
           "forced choice": [pair(r) for r, _ in listening.candidates(rows)]}
    for fact in measures.FACTS if "tier2" in test else ():
        out[f"{fact} direction"] = [pair(r) for r in test["tier2"] if measures.direction(r.answer, fact) is not None]
    for t in shape_tiers(test):
        out[f"{t} shape"] = [pair(r) for r in test[t]]
    return out
