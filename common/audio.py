"""Reading and writing audio: decode any soundfile format, resample with soxr, write atomically.

Every other package reads audio through `load_audio` so that bad files fail the same way:
one `InputError` naming the file and the problem.
"""
from __future__ import annotations

import hashlib
import io
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from common.errors import InputError
from common.files import write_bytes

SAMPLE_RATE = 16_000
SILENCE_PEAK = 1e-4  # below -80 dBFS peak a clip holds nothing to hear


def load_audio(
    path: str | Path, sr: int = SAMPLE_RATE, *, where: str | None = None
) -> np.ndarray:
    """Decode `path` to float32 mono at `sr` Hz; raise InputError if it is unusable.

    `where` prefixes the error (e.g. "bases.csv row 4") so the user finds the source row.
    """
    label = f"{where}: {path}" if where else str(path)
    path = Path(path)
    if not path.is_file():
        raise InputError(label, "audio file not found")
    try:
        data, file_sr = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, ValueError) as err:
        raise InputError(label, f"unreadable or corrupt audio ({err})") from None
    if data.shape[0] == 0:
        raise InputError(label, "audio is empty (0 samples)")
    if not np.isfinite(data).all():
        raise InputError(label, "audio contains NaN or infinite samples")
    mono = data.mean(axis=1)
    if file_sr != sr:
        mono = soxr.resample(mono, file_sr, sr, quality="HQ").astype(np.float32)
    if float(np.abs(mono).max()) < SILENCE_PEAK:
        raise InputError(label, "audio is silent (peak below -80 dBFS)")
    return np.ascontiguousarray(mono, dtype=np.float32)


def fit_length(audio: np.ndarray, n: int) -> np.ndarray:
    """Trim or zero-pad to exactly n samples."""
    if len(audio) >= n:
        return audio[:n]
    return np.pad(audio, (0, n - len(audio)))


def write_wav(path: str | Path, audio: np.ndarray, sr: int = SAMPLE_RATE) -> str:
    """Write 16-bit PCM WAV atomically and return the sha256 of the written bytes."""
    buf = io.BytesIO()
    sf.write(buf, audio, sr, subtype="PCM_16", format="WAV")
    data = buf.getvalue()
    write_bytes(path, data)
    return hashlib.sha256(data).hexdigest()
