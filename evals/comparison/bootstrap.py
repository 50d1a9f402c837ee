"""Hierarchical bootstrap over training seeds and eval clips, paired on clips.

An arm trained with S seeds is S models; its value is the mean of their per-seed values.
Two sources of variation enter a comparison: which seeds were trained (a new seed gives a
new model) and which clips were evaluated. Each resample therefore draws S seeds with
replacement and then the clips with replacement, and scores every drawn seed's model on
the drawn clips. The clip draw of an eval set is shared by all arms and metrics (deltas are
paired on clips); an arm's seed draw is shared by all eval sets and metrics (a seed is one
model everywhere). With one seed per arm this is the paired clip bootstrap.

Paired seeds (`paired_seeds=True`, what adcacc.evals.comparison.compare uses): when seed k gives every arm the
same LoRA init and data order, arms are paired on seed indices as they are on clips, so all
arms with S seeds share one draw of seed indices and a contrast a - b resamples (seed index,
clip) jointly; an arm with one replicate (the base model, a trivial baseline) draws its only
run every time, so it pairs with every seed. Arms with different seed counts (S > 1) draw
independently. Unpaired (the default), each arm draws its own seeds, keyed on its name.

Clustered items (`Resampler.cluster`): when items share clips (the ADIFF demo's held-out
pairs are built from 21 clips, each in three pairs), drawing items as independent understates
the spread. Each resample then draws the clips with replacement and weighs an item by the
product of its clips' draw counts (for one clip per item, the usual cluster bootstrap; for a
pair of clips, the product weighting of crossed designs), so every pair of a clip that was not
drawn drops out together. Scores divide by the resample's total weight.

Scores are computed from summed per-clip statistics, so corpus-pooled metrics (BLEU,
METEOR) are rescored per resample rather than averaged (adcacc.evals.scoring.pooled_metrics).
"""
from __future__ import annotations

import hashlib
from math import comb
from typing import Callable, Hashable, Sequence

import numpy as np

Score = Callable[[np.ndarray, int | np.ndarray], np.ndarray]  # (summed statistics, n clips) -> score


def _key(*parts: str) -> list[int]:
    """Stable integers from names, so draws do not depend on the order things are computed in."""
    digest = hashlib.sha256("\0".join(parts).encode()).digest()
    return [int.from_bytes(digest[i:i + 4], "little") for i in range(0, 16, 4)]


def clip_counts(rng: np.random.Generator, n_boot: int, n: int) -> np.ndarray:
    """(n_boot, n): how often each clip is drawn in each resample of n clips."""
    draws = rng.integers(0, n, size=(n_boot, n))
    return np.stack([np.bincount(row, minlength=n) for row in draws]).astype(np.float64)


def cluster_counts(rng: np.random.Generator, n_boot: int, members: Sequence[Sequence[Hashable]]) -> np.ndarray:
    """(n_boot, items): each item's weight when the clusters (clips) are drawn with replacement:
    the product of the draw counts of the clusters it belongs to."""
    ids = sorted({c for m in members for c in m}, key=str)
    where = {c: i for i, c in enumerate(ids)}
    drawn = clip_counts(rng, n_boot, len(ids))
    weights = np.ones((n_boot, len(members)))
    for j, m in enumerate(members):
        for c in set(m):
            weights[:, j] *= drawn[:, where[c]]
    return weights


class Resampler:
    """The seeded draws of one comparison: clip counts per eval set, seed draws per arm."""

    def __init__(self, n_boot: int, seed: int, paired_seeds: bool = False):
        self.n_boot, self.seed, self.paired_seeds = n_boot, seed, paired_seeds
        self._clips: dict[tuple[str, int], np.ndarray] = {}
        self._seeds: dict[tuple[tuple[str, ...], int], np.ndarray] = {}
        self._members: dict[str, list[tuple[Hashable, ...]]] = {}

    def cluster(self, eval_set: str, members: Sequence[Sequence[Hashable]]) -> None:
        """Declare the clusters (e.g. source clips) each item of `eval_set` belongs to, in item
        order; its draws then resample clusters, not items."""
        self._members[eval_set] = [tuple(m) for m in members]

    def clips(self, eval_set: str, n: int) -> np.ndarray:
        if (eval_set, n) not in self._clips:
            rng = np.random.default_rng([self.seed, 0, *_key(eval_set)])
            members = self._members.get(eval_set)
            if members is not None and len(members) != n:
                raise ValueError(f"{eval_set}: {len(members)} items declared in clusters, {n} scored")
            self._clips[eval_set, n] = (clip_counts(rng, self.n_boot, n) if members is None
                                        else cluster_counts(rng, self.n_boot, members))
        return self._clips[eval_set, n]

    def seeds(self, arm: str, n_seeds: int) -> np.ndarray:
        """(n_boot, n_seeds) indices of the seeds drawn in each resample; with paired seeds the
        same for every arm with n_seeds seeds."""
        key = ("seed index", str(n_seeds)) if self.paired_seeds else (arm,)
        if (key, n_seeds) not in self._seeds:
            rng = np.random.default_rng([self.seed, 1, *_key(*key)])
            self._seeds[key, n_seeds] = rng.integers(0, n_seeds, size=(self.n_boot, n_seeds))
        return self._seeds[key, n_seeds]

    def values(self, eval_set: str, arm: str, per_seed_stats: list[np.ndarray], score: Score) -> np.ndarray:
        """(n_boot,) resampled values of the arm: mean over drawn seeds of each seed's score
        on the drawn clips. `per_seed_stats[s]` is (clips, k) statistics of seed s."""
        n = len(per_seed_stats[0])
        counts = self.clips(eval_set, n)
        if eval_set in self._members:  # the total weight varies; a draw without a whole item counts 0
            n = np.maximum(counts.sum(axis=1), 1e-12)
        by_seed = np.stack([score(counts @ x.reshape(len(x), -1), n) for x in per_seed_stats])  # (S, B)
        drawn = self.seeds(arm, len(per_seed_stats))
        return by_seed[drawn, np.arange(self.n_boot)[:, None]].mean(axis=1)


def interval(samples: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """The percentile interval of bootstrap samples (95% unless `level` says otherwise, e.g.
    1 - 0.05 / k for k simultaneous intervals, Bonferroni's family-wise view)."""
    tail = round(50.0 * (1.0 - level), 12)  # 2.5 exactly for 95%
    low, high = np.percentile(samples, [tail, 100.0 - tail])
    return float(low), float(high)


def distinct_multisets(n_seeds: int) -> int:
    """How many different draws of n seeds with replacement there are (order aside): with 3
    seeds only 10, so the seed part of an interval rests on very few distinct models."""
    return comb(2 * n_seeds - 1, n_seeds)
