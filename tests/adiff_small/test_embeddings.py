"""Training crops: n random crops per clip, encoded once, one per epoch, reproducible by seed;
the channels of a stereo clip as the model's config says."""
from __future__ import annotations

import numpy as np
import soundfile as sf
import torch

from adcacc.adiff_small.config import ModelConfig
from adcacc.adiff_small.embeddings import EmbeddingCache
from adcacc.adiff_small.model import ADiff
from adcacc.common.audio import write_wav


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


def test_stereo_is_averaged_for_ours_and_concatenated_for_the_release(tiny_lm, tmp_path):
    rng = np.random.default_rng(1)
    left = 0.3 * np.sin(np.arange(16_000) / 7)
    right = rng.standard_normal(16_000) * 0.2
    stereo = tmp_path / "stereo.wav"
    write_wav(stereo, np.stack([left, right], axis=1).astype(np.float32), 16_000)
    data, _ = sf.read(stereo, dtype="float32", always_2d=True)  # the samples as written (16-bit)
    seen = {}
    for channels, wave in (("mean", data.mean(axis=1)), ("concat", data.T.reshape(-1))):
        torch.manual_seed(0)  # the same weights for both models: only the input differs
        model = ADiff(ModelConfig(encoder="tiny", lm=str(tiny_lm), d_proj=32, mapper_layers=1,
                                  cross_layers=1, audio_channels=channels))
        cache = EmbeddingCache(model)
        cache.fill([(stereo, "stereo")], progress=False)
        with torch.no_grad():
            expected = model.encode([np.ascontiguousarray(wave)]).embedding[0]
        torch.testing.assert_close(cache.store[stereo][0], expected)
        seen[channels] = expected
    assert not torch.allclose(seen["mean"], seen["concat"], atol=1e-3)
