import numpy as np
import pytest

from adcacc.evals.comparison.bootstrap import Resampler, interval
from adcacc.evals.scoring.pooled_metrics import mean_score


def _clips(rng, n=300):
    return rng.normal(0.5, 0.2, n).reshape(n, 1)


def test_one_seed_per_arm_is_the_paired_clip_bootstrap():
    rng = np.random.default_rng(1)
    base, arm = _clips(rng), _clips(rng)
    res = Resampler(400, seed=3)
    delta = res.values("set", "arm", [arm], mean_score) - res.values("set", "base", [base], mean_score)
    counts = res.clips("set", len(base))
    by_hand = (counts @ arm)[:, 0] / len(arm) - (counts @ base)[:, 0] / len(base)
    assert np.array_equal(delta, by_hand)
    shift = res.values("set", "arm", [base + 0.1], mean_score) - res.values("set", "base", [base], mean_score)
    assert interval(shift) == pytest.approx((0.1, 0.1))  # a constant paired shift has no clip noise


def test_seed_variation_widens_the_interval_and_draws_are_seeded():
    rng = np.random.default_rng(2)
    clips = _clips(rng)
    same = [clips, clips, clips]
    spread = [clips - 0.05, clips, clips + 0.05]
    res = Resampler(500, seed=0)
    lo1, hi1 = interval(res.values("set", "same", same, mean_score))
    lo2, hi2 = interval(res.values("set", "spread", spread, mean_score))
    assert hi2 - lo2 > 1.5 * (hi1 - lo1)
    again = Resampler(500, seed=0)
    assert interval(again.values("set", "spread", spread, mean_score)) == (lo2, hi2)
    assert interval(Resampler(500, seed=1).values("set", "spread", spread, mean_score)) != (lo2, hi2)


def test_arms_sharing_seed_indices_share_the_seed_draw():
    """Issue 22 case 5: seed k gives every arm the same init and data order, so a contrast
    resamples seed indices jointly; two arms that differ by a constant per seed (and per clip)
    get a CI of width ~0, where independent per-arm seed draws gave a wide one."""
    rng = np.random.default_rng(4)
    clips = _clips(rng)
    a = [clips - 0.1, clips, clips + 0.1]
    b = [x + 0.02 for x in a]
    paired = Resampler(500, seed=0, paired_seeds=True)
    lo, hi = interval(paired.values("set", "b", b, mean_score) - paired.values("set", "a", a, mean_score))
    assert hi - lo < 1e-9 and lo == pytest.approx(0.02)
    base = paired.values("set", "base", [clips], mean_score)  # one replicate pairs with every seed
    assert np.array_equal(paired.seeds("base", 1), np.zeros((500, 1), dtype=int))
    assert interval(paired.values("set", "a", a, mean_score) - base)[1] > 0.05  # the seed spread remains
    unpaired = Resampler(500, seed=0)
    lo, hi = interval(unpaired.values("set", "b", b, mean_score) - unpaired.values("set", "a", a, mean_score))
    assert hi - lo > 0.05
    assert interval(Resampler(500, seed=0, paired_seeds=True).values("set", "a", a, mean_score)) == \
        interval(paired.values("set", "a", a, mean_score))  # seeded: the same draws again


def test_clustered_draws_widen_the_interval_when_hits_share_clips():
    """Issue 24 item 9: 9 hits among 63 pairs that all involve 3 of 21 clips are far less
    certain than 9 independent hits; resampling clips shows it."""
    pairs = [(f"c{i}", f"c{(i + 7 * k + 1) % 21}") for i in range(21) for k in range(3)]
    hits = np.array([1.0 if a in ("c0", "c1", "c2") else 0.0 for a, _ in pairs]).reshape(-1, 1)
    assert hits.sum() == 9 and len(pairs) == 63
    flat = Resampler(2000, seed=0)
    clustered = Resampler(2000, seed=0)
    clustered.cluster("pairs", pairs)
    low_flat, high_flat = interval(flat.values("pairs", "full", [hits], mean_score))
    low, high = interval(clustered.values("pairs", "full", [hits], mean_score))
    assert high - low > 1.5 * (high_flat - low_flat) and low < low_flat
    # a pair drops out with either of its clips: weights are products of clip draw counts
    counts = clustered.clips("pairs", 63)
    assert counts.shape == (2000, 63) and np.all(counts >= 0) and np.allclose(counts.mean(), 1.0, atol=0.1)


def test_one_clip_per_item_is_the_cluster_bootstrap_of_clip_means():
    """Items that all belong to one clip each, three per clip with equal values: drawing clips
    gives the same distribution as bootstrapping the clip means."""
    rng = np.random.default_rng(0)
    per_clip = rng.normal(0.5, 0.2, 40)
    values = np.repeat(per_clip, 3).reshape(-1, 1)
    res = Resampler(4000, seed=1)
    res.cluster("s", [(f"clip{i // 3}",) for i in range(120)])
    clustered = res.values("s", "arm", [values], mean_score)
    by_clip = Resampler(4000, seed=1).values("clip means", "arm", [per_clip.reshape(-1, 1)], mean_score)
    assert np.std(clustered) == pytest.approx(np.std(by_clip), rel=0.1)
    with pytest.raises(ValueError, match="120 items declared in clusters, 7 scored"):
        res.values("s", "arm", [values[:7]], mean_score)
