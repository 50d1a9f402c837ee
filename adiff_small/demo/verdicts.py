"""Estimates with 95% CIs over training seeds and held-out pairs, and verdicts worded by them.

Every demo measurement is a 0/1 outcome per held-out pair per trained seed. Intervals come
from `adcacc.evals.comparison.bootstrap.Resampler` (seeds drawn with replacement, then pairs; pairs drawn the
same way for every arm and condition of one item set, so differences are paired on pairs;
one model under two conditions shares its seed draw, so those differences are paired on
seeds too). A claim is "shown" only when its interval lies above the reference (chance, a
baseline, or zero for a difference).
"""
from __future__ import annotations

import numpy as np

from adcacc.evals.comparison.bootstrap import Resampler, interval


def _mean(summed: np.ndarray, n: int) -> np.ndarray:
    return summed[:, 0] / n


def _check(per_seed: list[np.ndarray]) -> int:
    sizes = {len(x) for x in per_seed}
    if len(sizes) != 1:
        raise ValueError(f"every seed must score the same items (got sizes {sorted(sizes)})")
    return sizes.pop()


def _intervals(samples: np.ndarray, family: int) -> dict:
    """The 95% interval, and the simultaneous one of a family of `family` intervals
    (Bonferroni: each at 1 - 0.05 / family), so all of them cover together 95% of the time."""
    low, high = interval(samples)
    out = {"ci95": [round(low, 3), round(high, 3)]}
    if family > 1:
        low, high = interval(samples, 1 - 0.05 / family)
        out["ci_family"] = [round(low, 3), round(high, 3)]
    return out


def estimate(rs: Resampler, items: str, arm: str, per_seed: list[np.ndarray], family: int = 1) -> dict:
    """Mean over seeds of each seed's mean outcome, with its 95% interval (and its
    simultaneous one among `family` intervals)."""
    n = _check(per_seed)
    if n == 0:
        return {"n": 0, "unavailable": "no held-out pair qualifies"}
    return {"n": n, "value": round(float(np.mean([x.mean() for x in per_seed])), 3),
            **_intervals(rs.values(items, arm, per_seed, _mean), family),
            "per_seed": [round(float(x.mean()), 3) for x in per_seed]}


def difference(rs: Resampler, items: str, a: tuple[str, list[np.ndarray]],
               b: tuple[str, list[np.ndarray]], family: int = 1) -> dict:
    """a - b as (arm, per-seed outcomes) on the same items; the same arm name means the same
    models (paired on seeds), different names different models (independent seed draws)."""
    n = _check(a[1] + b[1])
    if n == 0:
        return {"n": 0, "unavailable": "no held-out pair qualifies"}
    samples = rs.values(items, a[0], a[1], _mean) - rs.values(items, b[0], b[1], _mean)
    value = np.mean([x.mean() for x in a[1]]) - np.mean([x.mean() for x in b[1]])
    return {"n": n, "value": round(float(value), 3), **_intervals(samples, family)}


def verdict(result: dict, reference: float, what: str, key: str = "ci95") -> str:
    """'shown' only when the whole interval (`key`: ci95, or ci_family) lies above
    `reference`; otherwise why not."""
    if "unavailable" in result:
        return f"unavailable ({result['unavailable']})"
    low, high = result[key]
    if low > reference:
        return "shown"
    ref = "0" if what == "zero" else f"{what} {reference:.3g}"
    return f"not shown (CI {'lies below' if high < reference else 'includes'} {ref})"
