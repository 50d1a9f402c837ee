"""Turning raw package recordings into corpus clips: trim, split, sequence, tile, level.

Cuts are made at natural boundaries: silence is trimmed where the 20 ms frame level falls
40 dB under the loudest frame, and a long recording is cut at its quietest frame in the
allowed window, then faded over 20 ms so no cut clicks.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from adcacc.common.audio import SAMPLE_RATE, load_audio
from adcacc.data_builders.corpus.catalog import Source
from adcacc.data_builders.mixing import active_rms

FRAME_S = 0.02
SILENCE_DB = 40.0
EVENT_MAX_S = 5.0
EVENT_CUT_FROM_S = 3.0  # a long event is cut at its quietest point between 3 and 5 s
STEPS_SPAN_S = 3.0  # a step sequence lasts about this long
FADE_S = 0.02
TARGET_RMS = 0.1  # -20 dBFS over the active part
PEAK_MAX = 0.9


def _frame_db(x: np.ndarray, sr: int) -> np.ndarray:
    frame = int(FRAME_S * sr)
    n = max(1, len(x) // frame)
    frames = np.pad(x, (0, max(0, n * frame - len(x))))[: n * frame].reshape(n, frame)
    return 10 * np.log10((frames.astype(np.float64) ** 2).mean(axis=1) + 1e-12)


def trim_silence(x: np.ndarray, sr: int = SAMPLE_RATE) -> np.ndarray:
    """Drop leading and trailing frames more than SILENCE_DB under the loudest frame."""
    db = _frame_db(x, sr)
    loud = np.flatnonzero(db >= db.max() - SILENCE_DB)
    frame = int(FRAME_S * sr)
    return x[loud[0] * frame: min(len(x), (loud[-1] + 1) * frame)]


def quietest_cut(x: np.ndarray, sr: int, lo_s: float, hi_s: float) -> int:
    """Sample index of the start of the quietest frame between lo_s and hi_s."""
    db = _frame_db(x, sr)
    frame = int(FRAME_S * sr)
    lo, hi = int(lo_s / FRAME_S), max(int(lo_s / FRAME_S) + 1, min(len(db), int(hi_s / FRAME_S)))
    return (lo + int(np.argmin(db[lo:hi]))) * frame


def fade(x: np.ndarray, sr: int = SAMPLE_RATE) -> np.ndarray:
    n = min(len(x) // 4, int(FADE_S * sr))
    ramp = np.linspace(0.0, 1.0, n, dtype=np.float32)
    out = x.copy()
    out[:n] *= ramp
    out[len(out) - n:] *= ramp[::-1]
    return out


def half(x: np.ndarray, part: str, sr: int = SAMPLE_RATE) -> np.ndarray:
    """First or second part of a recording, split at its quietest point in the middle third."""
    dur = len(x) / sr
    cut = quietest_cut(x, sr, dur / 3, 2 * dur / 3)
    return x[:cut] if part == "first" else x[cut:]


def cap_length(x: np.ndarray, sr: int = SAMPLE_RATE, max_s: float = EVENT_MAX_S) -> np.ndarray:
    """At most max_s seconds, cut at the quietest point after EVENT_CUT_FROM_S."""
    if len(x) <= max_s * sr:
        return x
    return x[: quietest_cut(x, sr, min(EVENT_CUT_FROM_S, max_s / 2), max_s)]


def sequence(clips: list[np.ndarray], every: float, sr: int = SAMPLE_RATE) -> np.ndarray:
    """Play the clips in turn every `every` seconds (footsteps, chops, drips) for ~3 s."""
    n = int(STEPS_SPAN_S / every) + 1
    hop = int(every * sr)
    out = np.zeros(hop * (n - 1) + max(len(c) for c in clips), dtype=np.float32)
    for i in range(n):
        c = clips[i % len(clips)]
        out[i * hop: i * hop + len(c)] += c
    return out


def level(x: np.ndarray, sr: int = SAMPLE_RATE) -> np.ndarray:
    """Scale to TARGET_RMS over the active part, never above PEAK_MAX."""
    gain = TARGET_RMS / active_rms(x, sr)
    gain = min(gain, PEAK_MAX / float(np.abs(x).max()))
    return (x * gain).astype(np.float32)


def tile(x: np.ndarray, n: int, sr: int = SAMPLE_RATE, xfade_s: float = 0.1) -> np.ndarray:
    """Loop `x` to exactly n samples with short crossfades (for lasting sounds)."""
    if len(x) >= n:
        return fade(x[:n], sr)
    k = min(int(xfade_s * sr), len(x) // 4)
    out = x.astype(np.float32).copy()
    ramp = np.linspace(0.0, 1.0, k, dtype=np.float32)
    while len(out) < n:
        out[len(out) - k:] = out[len(out) - k:] * ramp[::-1] + x[:k] * ramp
        out = np.concatenate([out, x[k:]])
    return fade(out[:n], sr)


def raw_clip(src: Source, root: Path) -> np.ndarray:
    """The source's recording(s) at 16 kHz mono, silence-trimmed, halved or sequenced."""
    where = f"{src.package} (corpus catalog, label {src.label!r})"
    parts = [trim_silence(load_audio(root / f, where=where)) for f in src.files]
    if src.steps_every:
        return sequence(parts, src.steps_every)
    x = parts[0]
    if src.part != "all":
        x = trim_silence(half(x, src.part))
    return x


def event_clip(src: Source, root: Path) -> np.ndarray:
    """A single-event clip: at most 5 s, faded, levelled."""
    return level(fade(cap_length(raw_clip(src, root))))


def bed_clip(src: Source, root: Path, n: int) -> np.ndarray:
    """A lasting sound looped to the base length, levelled."""
    return level(tile(raw_clip(src, root), n))
