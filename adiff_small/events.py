"""Frame-level event probabilities for the hallucination view (paper section 6, Figure 5).

HTSAT has its own AudioSet head (527 classes); their names come from AudioSet's
class_labels_indices.csv given by the user (index,mid,display_name: no installed package
ships it; checked msclap, aisfx, transformers). For other encoders a small linear event head
is fitted on frame embeddings of labelled training clips (e.g. the embedded corpus's
events.csv) and applied to every frame embedding.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from adcacc.adiff_small.embeddings import EmbeddingCache
from adcacc.adiff_small.encoders import EncoderOutput
from adcacc.common.errors import InputError
from adcacc.common.files import csv_records


def audioset_names(path: str | Path | None, n: int = 527) -> list[str]:
    """AudioSet class names by index from class_labels_indices.csv; without one, numbered
    placeholders that say which file gives the names."""
    if path is None:
        return [f"AudioSet class {i} (names: --audioset-labels class_labels_indices.csv)" for i in range(n)]
    names: dict[int, str] = {}
    for row, rec in csv_records(Path(path), ("index", "display_name")):
        try:
            names[int(rec["index"])] = rec["display_name"].strip()
        except ValueError:
            raise InputError(path, f"index {rec['index']!r} is not a number", row=row) from None
    if sorted(names) != list(range(n)):
        raise InputError(path, f"expected AudioSet's {n} classes indexed 0..{n - 1}, found {len(names)}")
    return [names[i] for i in range(n)]


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
def event_probs(model, out: EncoderOutput, i: int,
                audioset_labels: str | Path | None = None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(frame times in s, probabilities [T, C], class names) for clip `i` of an encoded batch."""
    frames = out.frames[i]
    if out.frames_are_probs:  # the encoder's own AudioSet head
        names, probs = audioset_names(audioset_labels, frames.shape[1]), frames
    elif model.event_head is not None:
        names, probs = model.cfg.event_labels, torch.softmax(model.event_head(frames), dim=-1)
    else:
        return np.zeros(0), np.zeros((0, 0)), []
    times = out.offset_s + np.arange(probs.shape[0]) * out.hop_s
    return times, probs.cpu().numpy(), list(names)
