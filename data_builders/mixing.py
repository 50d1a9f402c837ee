"""Mixing one event into a base clip at a drawn onset and event-to-base loudness ratio.

Loudness is the RMS of the *active* part of each signal (50 ms frames within 40 dB of
the loudest frame), so a short door knock padded with silence is not judged quiet.
pyloudnorm's gated loudness needs at least 400 ms and misjudges clicks, so RMS it is.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from adcacc.common.errors import InputError

FRAME_S = 0.05
ACTIVE_RANGE_DB = 40.0
PEAK_LIMIT = 0.99  # headroom under full scale so 16-bit rounding never clips
MAX_INPUT_PEAK = 4.0  # our choice: +12 dBFS; real float masters stay far below it


@dataclass(frozen=True)
class MixParams:
    """Everything needed to redo a mixture: where, how loud, and the gains applied."""

    onset_s: float
    ratio_db: float
    event_gain: float
    mix_gain: float


def active_rms(x: np.ndarray, sr: int) -> float:
    """RMS over the frames within ACTIVE_RANGE_DB of the loudest frame."""
    frame = max(1, int(FRAME_S * sr))
    n = max(1, len(x) // frame)
    frames = x[: n * frame].reshape(n, frame) if len(x) >= frame else x[None, :]
    power = (frames.astype(np.float64) ** 2).mean(axis=1)
    floor = power.max() * 10 ** (-ACTIVE_RANGE_DB / 10)
    active = power[power >= floor]
    return float(np.sqrt(active.mean()))


def draw_onset(rng: np.random.Generator, base_len: int, event_len: int) -> int:
    """Uniform onset (in samples) such that the whole event fits in the base."""
    if event_len > base_len:
        raise ValueError(f"event ({event_len} samples) longer than base ({base_len})")
    return int(rng.integers(0, base_len - event_len + 1))


def event_gain(base: np.ndarray, event: np.ndarray, ratio_db: float, sr: int) -> float:
    """The gain that puts active_rms(event) `ratio_db` above active_rms(base)."""
    return 10 ** (ratio_db / 20) * active_rms(base, sr) / active_rms(event, sr)


def add_event(base: np.ndarray, event: np.ndarray, onset: int, gain: float) -> np.ndarray:
    """base + gain * event placed at sample `onset`, in float64 (not yet peak-limited)."""
    out = base.astype(np.float64)
    out[onset : onset + len(event)] += gain * event
    return out


def limit_gain(*signals: np.ndarray) -> float:
    """One gain for all `signals` that brings the loudest under PEAK_LIMIT (1.0 if none is
    over): applied to every file of a pair, A stays exactly A+B minus the event."""
    peak = max(float(np.abs(x).max()) for x in signals)
    return PEAK_LIMIT / peak if peak > PEAK_LIMIT else 1.0


def check_level(x: np.ndarray, where: str) -> None:
    """Float audio a little over full scale is levelled by `limit_gain`; far over it the file
    is broken (one 1e30 sample would scale the rest of the clip to silence): refuse it."""
    peak = float(np.abs(x).max())
    if peak > MAX_INPUT_PEAK:
        raise InputError(where, f"samples reach {peak:.3g}, far above full scale (1.0); the "
                                f"file is corrupt or unnormalised: rescale it under "
                                f"{MAX_INPUT_PEAK:g} or leave it out")


def mix(
    base: np.ndarray, event: np.ndarray, onset: int, ratio_db: float, sr: int
) -> tuple[np.ndarray, MixParams]:
    """Add `event` at sample `onset`, scaled to `ratio_db` above the base, never clipping.

    The event is scaled so active_rms(event) / active_rms(base) equals ratio_db; if the sum
    peaks over PEAK_LIMIT the whole mixture is scaled down (which keeps the ratio) and that
    gain is returned in MixParams.mix_gain.
    """
    gain = event_gain(base, event, ratio_db, sr)
    out = add_event(base, event, onset, gain)
    mix_gain = limit_gain(out)
    params = MixParams(
        onset_s=round(onset / sr, 6),
        ratio_db=float(ratio_db),
        event_gain=float(gain),
        mix_gain=float(mix_gain),
    )
    return (out * mix_gain).astype(np.float32), params
