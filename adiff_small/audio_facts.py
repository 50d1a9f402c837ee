"""Measured facts of a clip that template explanations may state (and so are true)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from adcacc.common.audio import load_audio

SR = 16_000


@dataclass(frozen=True)
class Facts:
    duration_s: float
    loudness_db: float  # LUFS (ITU-R BS.1770) or RMS dBFS for clips under 0.4 s
    loudness_unit: str
    centroid_hz: float  # mean spectral centroid over non-silent frames
    onsets_s: tuple[float, ...]  # detected event onsets


def measure(path: str | Path, where: str | None = None) -> Facts:
    import librosa
    import pyloudnorm

    y = load_audio(path, SR, where=where)
    dur = len(y) / SR
    if dur >= 0.4:
        lufs, unit = pyloudnorm.Meter(SR).integrated_loudness(y.astype(np.float64)), "LUFS"
    else:
        lufs, unit = 20 * np.log10(np.sqrt(np.mean(y ** 2)) + 1e-12), "dBFS"
    rms = librosa.feature.rms(y=y)[0]
    cent = librosa.feature.spectral_centroid(y=y, sr=SR)[0]
    n = min(len(rms), len(cent))
    active = rms[:n] >= rms.max() * 0.1
    onsets = librosa.onset.onset_detect(y=y, sr=SR, units="time", backtrack=True)
    return Facts(round(dur, 2), round(float(lufs), 1), unit, round(float(cent[:n][active].mean()), 0),
                 tuple(round(float(t), 2) for t in onsets))
