"""Clip embeddings of a frozen encoder, computed once per audio file.

The encoder stays frozen in every paper stage, so training reads each file once instead of
once per epoch; unreadable audio fails here with the file and row that named it.
"""
from __future__ import annotations

from pathlib import Path

import torch
from tqdm import tqdm

from common.audio import load_audio


class EmbeddingCache:
    def __init__(self, model):
        self.model = model
        self.store: dict[Path, torch.Tensor] = {}
        self.frames: dict[Path, torch.Tensor] = {}  # per-frame embeddings, for the event head

    def fill(self, items: list[tuple[Path, str]], progress: bool = True) -> None:
        """`items` = (audio path, where it was named); computes the missing embeddings."""
        todo = {}
        for path, where in items:
            if path not in self.store:
                todo.setdefault(path, where)
        enc = self.model.encoder
        for path, where in tqdm(list(todo.items()), desc="encoding audio", disable=not progress,
                                unit="clip"):
            wave = load_audio(path, enc.sample_rate, where=where)
            with torch.no_grad():
                out = self.model.encode([wave])
            self.store[path] = out.embedding[0].detach().cpu()
            self.frames[path] = out.frames[0].detach().cpu()

    def get(self, paths: list[Path]) -> torch.Tensor:
        return torch.stack([self.store[p] for p in paths])
