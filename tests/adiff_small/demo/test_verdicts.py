"""Seed-and-pair bootstrap estimates, paired differences and verdict wording."""
from __future__ import annotations

import numpy as np
import pytest

from adcacc.adiff_small.demo import verdicts
from adcacc.evals.comparison.bootstrap import Resampler


def test_estimate_is_the_mean_of_seed_means_inside_its_interval():
    rs = Resampler(2000, 0)
    a = [np.array([1, 1, 1, 0] * 10, float), np.array([1, 1, 0, 0] * 10, float)]
    r = verdicts.estimate(rs, "items", "full", a)
    assert r["value"] == pytest.approx(0.625) and r["per_seed"] == [0.75, 0.5] and r["n"] == 40
    assert r["ci95"][0] < 0.625 < r["ci95"][1]
    # two seeds that disagree widen the interval beyond what either seed alone gives
    alone = verdicts.estimate(Resampler(2000, 0), "items", "full", a[:1])
    assert r["ci95"][1] - r["ci95"][0] > alone["ci95"][1] - alone["ci95"][0]
    with pytest.raises(ValueError):
        verdicts.estimate(rs, "items", "full", [np.ones(3), np.ones(4)])
    assert "unavailable" in verdicts.estimate(rs, "none", "full", [np.zeros(0)])


def test_paired_difference_of_one_model_under_two_conditions():
    rs = Resampler(2000, 1)
    rng = np.random.default_rng(0)
    base = [rng.integers(0, 2, 60).astype(float) for _ in range(2)]
    better = [np.maximum(b, rng.integers(0, 2, 60)) for b in base]  # never worse on any pair
    d = verdicts.difference(rs, "items", ("full", better), ("full", base))
    assert d["value"] > 0 and d["ci95"][0] > 0  # paired on pairs and seeds: every resample gains
    same = verdicts.difference(rs, "items", ("full", base), ("full", base))
    assert same["value"] == 0 and same["ci95"] == [0.0, 0.0]


def test_verdict_says_shown_only_when_the_interval_clears_the_reference():
    assert verdicts.verdict({"ci95": [0.51, 0.7]}, 0.5, "chance") == "shown"
    assert verdicts.verdict({"ci95": [0.5, 0.7]}, 0.5, "chance") == "not shown (CI includes chance 0.5)"
    assert verdicts.verdict({"ci95": [0.1, 0.2]}, 0.5, "chance") == "not shown (CI lies below chance 0.5)"
    assert verdicts.verdict({"ci95": [-0.1, 0.2]}, 0.0, "zero") == "not shown (CI includes 0)"
    assert verdicts.verdict({"unavailable": "no pair"}, 0.5, "chance") == "unavailable (no pair)"
