"""Clip embeddings of a frozen encoder, computed once per audio file (and crop).

The encoder stays frozen in every paper stage, so training reads each file once instead of
once per epoch; unreadable audio fails here with the file and row that named it (or, where
the caller asks, is skipped and recorded in `skipped`, so one bad clip in a long evaluation
does not lose the other rows). The model reads each file (`ADiff.read_audio`). The paper
encodes a random 10 s crop of each clip per epoch; here `crops` crops per clip are encoded
once, at seeded random starts, and epoch e uses crop e mod `crops` (`get(paths, e)`).
"""
from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from adcacc.common.errors import InputError


class EmbeddingCache:
    def __init__(self, model, crops: int = 1, crop_seconds: float | None = None, seed: int = 0):
        """`crop_seconds` None: the whole clip (fitted to a fixed-window encoder by the model).
        `model` may be None until the first `fill` (the trainer then sets its own)."""
        self.model, self.crops, self.crop_seconds, self.seed = model, crops, crop_seconds, seed
        self.store: dict[Path, torch.Tensor] = {}  # [crops, D] per clip (one row if it is short)
        self.frames: dict[Path, torch.Tensor] = {}  # per-frame embeddings of crop 0, for the event head
        self.skipped: dict[Path, tuple[str, str]] = {}  # unusable clip -> (where named, problem)

    def _crops(self, path: Path, wave: np.ndarray) -> list[np.ndarray]:
        n = int(round(self.crop_seconds * self.model.encoder.sample_rate)) if self.crop_seconds else 0
        if not n or len(wave) <= n:
            return [wave]
        rng = np.random.default_rng([self.seed, zlib.crc32(str(path).encode())])
        return [wave[s:s + n] for s in rng.integers(0, len(wave) - n + 1, self.crops)]

    def fill(self, items: list[tuple[Path, str]], progress: bool = True, skip_unusable: bool = False) -> None:
        """`items` = (audio path, where it was named); computes the missing embeddings. With
        `skip_unusable` a clip the model cannot read goes to `skipped` instead of raising."""
        todo = {}
        for path, where in items:
            if path not in self.store:
                todo.setdefault(path, where)
        for path, where in tqdm(list(todo.items()), desc="encoding audio", disable=not progress,
                                unit="clip"):
            try:
                wave = self.model.read_audio(path, where)
            except InputError as err:
                if not skip_unusable:
                    raise
                self.skipped[path] = (where, err.problem)
                continue
            with torch.no_grad():
                outs = [self.model.encode([w]) for w in self._crops(path, wave)]
            self.store[path] = torch.stack([o.embedding[0].detach().cpu() for o in outs])
            self.frames[path] = outs[0].frames[0].detach().cpu()

    def get(self, paths: list[Path], epoch: int = 0) -> torch.Tensor:
        """[B, D]: each clip's crop for this epoch."""
        return torch.stack([self.store[p][epoch % len(self.store[p])] for p in paths])

    def all_embeddings(self, paths: list[Path]) -> torch.Tensor:
        """Every stored crop embedding of these clips, one per row (standardization statistics
        come from training clips only, also when the cache holds held-out clips)."""
        return torch.cat([self.store[p] for p in dict.fromkeys(paths)])
