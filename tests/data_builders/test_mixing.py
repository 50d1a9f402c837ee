import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adcacc.data_builders.mixing import PEAK_LIMIT, active_rms, draw_onset, mix

SR = 16000


def signal(seed: int, seconds: float, amp: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (amp * rng.standard_normal(int(seconds * SR))).astype(np.float32)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 1000), st.floats(-5, 20), st.floats(0.01, 0.9))
def test_mix_keeps_length_never_clips_and_hits_the_ratio(seed, ratio_db, base_amp):
    base = signal(seed, 2.0, base_amp)
    event = signal(seed + 1, 0.4, 0.5)
    event[:1600] = 0  # leading silence must not count as quiet
    onset = draw_onset(np.random.default_rng(seed), len(base), len(event))
    out, p = mix(base, event, onset, ratio_db, SR)
    assert out.shape == base.shape and out.dtype == np.float32
    assert np.abs(out).max() <= PEAK_LIMIT + 1e-6
    # undo the recorded gains and measure the event-to-base ratio on the mixture itself
    event_part = out / p.mix_gain - base
    seg = event_part[onset:onset + len(event)]
    measured = 20 * np.log10(active_rms(seg, SR) / active_rms(base, SR))
    assert abs(measured - ratio_db) < 1.0
    assert p.onset_s == pytest.approx(onset / SR, abs=1e-6)


def test_peak_normalisation_is_recorded():
    base = signal(0, 1.0, 0.5)
    out, p = mix(base, signal(1, 0.2, 0.5), 100, 20.0, SR)
    assert p.mix_gain < 1.0 and np.abs(out).max() == pytest.approx(PEAK_LIMIT, rel=1e-4)


def test_onset_fits_the_event():
    rng = np.random.default_rng(0)
    onsets = [draw_onset(rng, 100, 30) for _ in range(500)]
    assert min(onsets) >= 0 and max(onsets) <= 70
    with pytest.raises(ValueError):
        draw_onset(rng, 10, 30)
