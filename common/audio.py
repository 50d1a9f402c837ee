"""Reading and writing audio: decode any soundfile format, resample with soxr, write atomically.

Every other package reads audio through `load_audio` so that bad files fail the same way:
one `InputError` naming the file and the problem.
"""
from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from adcacc.common.errors import InputError
from adcacc.common.files import write_bytes

SAMPLE_RATE = 16_000
SILENCE_PEAK = 1e-4  # below -80 dBFS peak a clip holds nothing to hear
RESAMPLE_MARGIN_S = 0.05  # decoded past a window's end so resampling does not fade its edge
_DATA_CHUNK = re.compile(r"^\s*(?:data|SSND)\s*:\s*(\d+)\s*\(should be (\d+)\)", re.MULTILINE)


def load_audio(
    path: str | Path, sr: int = SAMPLE_RATE, *, where: str | None = None,
    max_s: float | None = None,
) -> np.ndarray:
    """Decode `path` to float32 mono at `sr` Hz; raise InputError if it is unusable.

    `where` prefixes the error (e.g. "bases.csv row 4") so the user finds the source row.
    `max_s` decodes only the first `max_s` seconds (plus the resampler's margin), so a
    20-minute file costs what the window costs. A WAV/AIFF whose header promises more
    samples than the file holds (a truncated copy) is an error, not a shorter clip.
    """
    label = f"{where}: {path}" if where else str(path)
    path = Path(path)
    if not path.is_file():
        raise InputError(label, "audio file not found")
    try:
        with sf.SoundFile(str(path)) as f:
            if truncated(f.extra_info):
                raise InputError(label, "audio file is truncated (its header promises more "
                                        "samples than it holds); copy or download it again")
            file_sr = f.samplerate
            frames = -1 if max_s is None else int(np.ceil((max_s + RESAMPLE_MARGIN_S) * file_sr))
            data = f.read(frames, dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, ValueError) as err:
        raise InputError(label, f"unreadable or corrupt audio ({err})") from None
    if data.shape[0] == 0:
        raise InputError(label, "audio is empty (0 samples)")
    if not np.isfinite(data).all():
        raise InputError(label, "audio contains NaN or infinite samples")
    mono = data[:, 0] if data.shape[1] == 1 else data.mean(axis=1)  # a mean over one column is slow
    if file_sr != sr:
        mono = soxr.resample(mono, file_sr, sr, quality="HQ").astype(np.float32)
    if max_s is not None:
        mono = mono[: int(round(max_s * sr))]
    if float(np.abs(mono).max()) < SILENCE_PEAK:
        raise InputError(label, "audio is silent (peak below -80 dBFS)")
    return np.ascontiguousarray(mono, dtype=np.float32)


def truncated(extra_info: str) -> bool:
    """libsndfile's header log says `data : N (should be M)` when a WAV/AIFF data chunk is
    declared longer than the bytes the file holds (a cut-off download or copy)."""
    m = _DATA_CHUNK.search(extra_info)
    return bool(m) and int(m.group(1)) > int(m.group(2))


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
