"""Training crops: n random crops per clip, encoded once, one per epoch, reproducible by seed."""
from __future__ import annotations

import numpy as np
import torch

from adiff_small.config import ModelConfig
from adiff_small.embeddings import EmbeddingCache
from adiff_small.model import ADiff
from common.audio import write_wav


def test_crops_cycle_by_epoch_and_repeat_with_the_seed(tiny_lm, tmp_path):
    rng = np.random.default_rng(0)
    long, short = tmp_path / "long.wav", tmp_path / "short.wav"
    write_wav(long, (rng.standard_normal(48_000) * np.linspace(0, 1, 48_000) * 0.3).astype(np.float32), 16_000)
    write_wav(short, (rng.standard_normal(8_000) * 0.3).astype(np.float32), 16_000)
    torch.manual_seed(0)
    model = ADiff(ModelConfig(encoder="tiny", lm=str(tiny_lm), d_proj=32, mapper_layers=1, cross_layers=1))
    cache = EmbeddingCache(model, crops=3, crop_seconds=1.0, seed=4)
    cache.fill([(long, "long"), (short, "short")], progress=False)
    assert cache.store[long].shape[0] == 3 and cache.store[short].shape[0] == 1
    rows = [cache.get([long], e)[0] for e in range(4)]
    assert not torch.equal(rows[0], rows[1]) and torch.equal(rows[0], rows[3])  # epoch 3 reuses crop 0
    assert torch.equal(cache.get([short], 2)[0], cache.store[short][0])
    again = EmbeddingCache(model, crops=3, crop_seconds=1.0, seed=4)
    again.fill([(long, "long")], progress=False)
    assert torch.equal(again.store[long], cache.store[long])
    other = EmbeddingCache(model, crops=3, crop_seconds=1.0, seed=5)
    other.fill([(long, "long")], progress=False)
    assert not torch.equal(other.store[long], cache.store[long])
    assert cache.all_embeddings([long, short, long]).shape == (4, model.encoder.embed_dim)
    assert cache.all_embeddings([short]).shape == (1, model.encoder.embed_dim)  # only the clips asked for
    whole = EmbeddingCache(model)
    whole.fill([(long, "long")], progress=False)
    assert whole.store[long].shape[0] == 1
