"""What the release's wrapper (github.com/soham97/ADIFF, wrapper.py) does around the model:
how it reads an audio file and where it stops decoding. An imported release keeps these
(RELEASE_IO, the ModelConfig values that select them); our models read mono and stop at
end-of-text, what their training targets end with.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from adcacc.adiff_small.lm import SEPARATOR
from adcacc.common.errors import InputError

RELEASE_IO = {"audio_channels": "concat", "stop": "release"}


def release_stop_id(tok) -> int:
    """The release wrapper's stop token: the first id of " <|endoftext|>" (GPT-2: 220, the bare
    space its training answers end with before end-of-text)."""
    return int(tok.encode(f" {SEPARATOR}", add_special_tokens=False)[0])


def read_channels(path: str | Path, sr: int, where: str | None = None) -> np.ndarray:
    """A file as the release's wrapper reads it: every channel resampled to `sr`, then joined
    end to end (channel 1, then channel 2: torch's reshape(-1) of [channels, time]); a silent
    clip is kept, as the release keeps it."""
    label = f"{where}: {path}" if where else str(path)
    if not Path(path).is_file():
        raise InputError(label, "audio file not found")
    try:
        data, file_sr = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, ValueError) as err:
        raise InputError(label, f"unreadable or corrupt audio ({err})") from None
    if data.shape[0] == 0 or not np.isfinite(data).all():
        raise InputError(label, "audio is empty or holds NaN or infinite samples")
    if file_sr != sr:
        data = soxr.resample(data, file_sr, sr, quality="HQ")
    return np.ascontiguousarray(data.T.reshape(-1), dtype=np.float32)
