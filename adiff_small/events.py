"""Frame-level event probabilities for the hallucination view (paper section 6, Figure 5).

HTSAT has its own AudioSet head. For other encoders a small linear event head is fitted on
clip embeddings of labelled event clips (e.g. the embedded corpus's events.csv) and applied
to every frame embedding.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from adiff_small.embeddings import EmbeddingCache
from adiff_small.encoders import EncoderOutput


def fit_event_head(model, clips: list[tuple[Path, str]], steps: int = 300, seed: int = 0,
                   progress: bool = True, cache: EmbeddingCache | None = None) -> float:
    """Fit model.event_head (classes = model.cfg.event_labels) on frame embeddings, each frame
    labelled with its clip's label (softmax: the corpus clips hold one event each); returns
    the frame accuracy on these clips."""
    labels = model.cfg.event_labels
    cache = cache or EmbeddingCache(model)
    cache.fill([(p, str(p)) for p, _ in clips], progress)
    x = torch.cat([cache.frames[p] for p, _ in clips])
    y = torch.cat([torch.full((len(cache.frames[p]),), labels.index(lab)) for p, lab in clips])
    head = model.event_head
    head.requires_grad_(True)
    torch.manual_seed(seed)
    torch.nn.init.zeros_(head.bias)
    opt = torch.optim.Adam(head.parameters(), lr=1e-2)
    for _ in range(steps):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(head(x), y).backward()
        opt.step()
    head.requires_grad_(False)
    with torch.no_grad():
        return float((head(x).argmax(1) == y).float().mean())


@torch.no_grad()
def event_probs(model, out: EncoderOutput, i: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(frame times in s, probabilities [T, C], class names) for clip `i` of an encoded batch."""
    frames = out.frames[i]
    if out.frames_are_probs:
        names = model.cfg.event_labels or [f"AudioSet class {i}" for i in range(frames.shape[1])]
        probs = frames
    elif model.event_head is not None:
        names, probs = model.cfg.event_labels, torch.softmax(model.event_head(frames), dim=-1)
    else:
        return np.zeros(0), np.zeros((0, 0)), []
    times = out.offset_s + np.arange(probs.shape[0]) * out.hop_s
    return times, probs.cpu().numpy(), list(names)
