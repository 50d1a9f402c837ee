"""The release wrapper's reading of a file (channels end to end, silence kept)."""
from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
import soxr

from adcacc.adiff_small.release_io import read_channels
from adcacc.common.audio import load_audio, write_wav
from adcacc.common.errors import InputError


def test_release_reading_concatenates_resampled_channels_and_keeps_a_silent_clip(tmp_path):
    left = 0.3 * np.sin(np.arange(32_000) / 9)
    right = 0.2 * np.cos(np.arange(32_000) / 3)
    write_wav(tmp_path / "stereo.wav", np.stack([left, right], axis=1).astype(np.float32), 32_000)
    data, _ = sf.read(tmp_path / "stereo.wav", dtype="float32", always_2d=True)
    wave = read_channels(tmp_path / "stereo.wav", 16_000)
    first = soxr.resample(data[:, 0], 32_000, 16_000, quality="HQ")
    second = soxr.resample(data[:, 1], 32_000, 16_000, quality="HQ")
    assert wave.dtype == np.float32 and len(wave) == len(first) + len(second) == 32_000
    np.testing.assert_allclose(wave, np.concatenate([first, second]), atol=1e-6)
    write_wav(tmp_path / "silent.wav", np.zeros(8_000, dtype=np.float32), 16_000)
    with pytest.raises(InputError, match="silent"):  # ours refuses it ...
        load_audio(tmp_path / "silent.wav")
    silent = read_channels(tmp_path / "silent.wav", 16_000)  # ... the release processes it
    assert silent.shape == (8_000,) and not silent.any()
