"""Does the model listen? Forced choice between a true explanation and corrupted ones.

For a held-out pair whose explanation names both clips' labels (template explanations do),
the model scores three candidates by mean token log-likelihood: the true explanation, the
order-swapped one (the explanation of the pair in the other order: labels exchanged, and a
loudness or brightness direction reversed with them) and a wrong-label one (audio 1's label replaced by a
label of neither clip). A model that hears prefers the true one (chance: 1/3 of three, 1/2
of true vs swapped). Controls run the same model on the same candidates with the audio
embeddings shuffled across pairs, and with audio 2 given first (a listening model then
prefers the swapped explanation). No generation is involved, so this is cheap on CPU.
"""
from __future__ import annotations

import re

import numpy as np
import torch

from adcacc.adiff_small import prompts
from adcacc.adiff_small.data import Row
from adcacc.adiff_small.embeddings import EmbeddingCache

SENTENCE = re.compile(r"(?<=[.;!?])\s+")
POSITION = re.compile(r"\b([Aa]udio) ([12])\b")


def _swap(text: str, a: str, b: str) -> str:
    """The explanation of the same pair in the other order: in a sentence that names a label
    the labels are exchanged ("Audio 1 has a, while audio 2 has b" -> "... b ... a"); in one
    that names none, the positions are ("Audio 1 is louder" -> "Audio 2 is louder"), so a
    tier-2 or tier-3 direction is reversed with the labels rather than left wrong."""
    mark = "\x00"
    out = []
    for sentence in SENTENCE.split(text):
        if a in sentence or b in sentence:
            out.append(sentence.replace(a, mark).replace(b, a).replace(mark, b))
        else:
            out.append(POSITION.sub(lambda m: f"{m.group(1)} {'2' if m.group(2) == '1' else '1'}", sentence))
    return " ".join(out)


def candidates(rows: list[Row]) -> list[tuple[Row, list[str]]]:
    """(row, [true, order-swapped, wrong-label]) for rows whose answer names both distinct labels."""
    labels = sorted({lab for r in rows for lab in (r.caption1, r.caption2)})
    out = []
    for i, r in enumerate(rows):
        a, b = r.caption1, r.caption2
        if a == b or a not in r.answer or b not in r.answer or a in b or b in a:
            continue
        others = [lab for lab in labels if lab not in (a, b) and lab not in r.answer]
        if not others:
            continue
        wrong = r.answer.replace(a, others[i % len(others)])
        out.append((r, [r.answer, _swap(r.answer, a, b), wrong]))
    return out


@torch.no_grad()
def mean_logprob(model, emb1: torch.Tensor, emb2: torch.Tensor, prompt: list[str],
                 texts: list[str], max_tokens: int) -> torch.Tensor:
    """[B] mean log-likelihood per target token of each text given its prefix."""
    ids, labels = model.tokenize_targets(texts, max_tokens)
    logits = model.logits(emb1, emb2, model.tokenize_prompts(prompt), ids).float()
    logp = torch.log_softmax(logits, -1)
    mask = labels.to(logp.device) >= 0
    picked = logp.gather(-1, labels.clamp_min(0).to(logp.device)[..., None])[..., 0]
    return (picked * mask).sum(1) / mask.sum(1)


def choices(model, items: list[tuple[Row, list[str]]], cache: EmbeddingCache, condition: str,
            max_tokens: int = 64, seed: int = 0) -> np.ndarray:
    """[N, 3] scores of (true, swapped, wrong) per item under `condition`:
    matched | shuffled (audio of other pairs) | swapped (audio 2 first)."""
    model.eval()
    e1 = cache.get([r.audio1 for r, _ in items])
    e2 = cache.get([r.audio2 for r, _ in items])
    if condition == "shuffled":
        perm = torch.from_numpy(np.random.default_rng(seed).permutation(len(items)))
        e1, e2 = e1[perm], e2[perm]
    elif condition == "swapped":
        e1, e2 = e2, e1
    elif condition != "matched":
        raise ValueError(f"unknown condition {condition!r}")
    scores = np.zeros((len(items), 3))
    for k in range(3):
        texts = [c[k] for _, c in items]
        prompt = [prompts.canonical(r.task) for r, _ in items]
        scores[:, k] = mean_logprob(model, e1, e2, prompt, texts, max_tokens).cpu().numpy()
    return scores


CHANCE = {"of_three": 1 / 3, "true_vs_swapped": 0.5}
CONDITIONS = ("matched", "shuffled", "swapped")


def forced_choice(model, items: list[tuple[Row, list[str]]], cache: EmbeddingCache,
                  conditions: tuple[str, ...] = CONDITIONS, seed: int = 0) -> dict[str, dict[str, np.ndarray]]:
    """Per-item 0/1 outcomes {condition: {"of_three", "true_vs_swapped"}}: the candidate that
    matches the audio as given wins (CHANCE holds the chance levels). `cache` must hold the
    items' clips."""
    out = {}
    for cond in conditions:
        s = choices(model, items, cache, cond, seed=seed)
        # under "swapped" audio the swapped text is the one that matches what is heard
        right = 1 if cond == "swapped" else 0
        out[cond] = {"of_three": (s.argmax(1) == right).astype(float),
                     "true_vs_swapped": (s[:, right] > s[:, 1 - right]).astype(float)}
    return out
