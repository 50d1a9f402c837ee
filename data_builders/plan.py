"""What each base gets before any audio is touched: its two events and its folder name, and
after the audio is built, its split. Every draw comes from a generator keyed by (seed, base
id), never by order or worker, so the same seed and inputs plan the same build."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import numpy as np

from adcacc.common.errors import InputError
from adcacc.data_builders.inputs import Clip
from adcacc.data_builders.layout import SPLITS

_HASHED = re.compile(r".*-[0-9a-f]{8}")  # the form file_stem gives ids it had to change


@dataclass(frozen=True)
class BaseJob:
    """One unit of work: a base clip, its two events and its audio folder's name."""

    base: Clip
    b: Clip
    c: Clip
    stem: str  # file-name-safe, unique form of the base id


def rng_for(seed: int, *keys: str) -> np.random.Generator:
    """A generator that depends only on the seed and the keys (e.g. a base id)."""
    digest = hashlib.sha256(repr((seed, *keys)).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def sample_bases(bases: list[Clip], n: int | None, seed: int) -> list[Clip]:
    """A seeded random sample of `n` bases (all if `n` is None), kept in input order."""
    if n is None or n >= len(bases):
        return bases
    keep = np.sort(rng_for(seed, "max-bases").choice(len(bases), size=n, replace=False))
    return [bases[i] for i in keep]


def assign_splits(ids: list[str], seed: int, fractions: tuple[float, ...]) -> dict[str, str]:
    """Split by base id (no base in two splits): a seeded shuffle cut by the fractions.

    With three or more bases, a split whose fraction is above 0 gets at least one base."""
    order = [ids[i] for i in rng_for(seed, "splits").permutation(len(ids))]
    n = len(ids)
    small = n >= 3
    n_val = max(int(small and fractions[1] > 0), round(fractions[1] * n))
    n_test = max(int(small and fractions[2] > 0), round(fractions[2] * n))
    n_train = n - n_val - n_test
    return {
        bid: SPLITS[0] if i < n_train else SPLITS[1] if i < n_train + n_val else SPLITS[2]
        for i, bid in enumerate(order)
    }


def choose_events(base_id: str, events: list[Clip], seed: int) -> tuple[Clip, Clip]:
    """Two distinct event clips for a base, with distinct labels whenever there are two."""
    rng = rng_for(seed, "events", base_id)
    b = events[int(rng.integers(len(events)))]
    others = [e for e in events if e.text != b.text] or [e for e in events if e.id != b.id]
    return b, others[int(rng.integers(len(others)))]


def file_stem(clip_id: str) -> str:
    """A safe folder name for an id, one-to-one: an id that is already safe (and does not look
    like a changed one) is its own name; any other id gets its safe form plus a hash of it."""
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in clip_id).strip(".")
    if safe == clip_id and not _HASHED.fullmatch(clip_id):
        return safe
    return f"{safe[:80]}-{hashlib.sha256(clip_id.encode()).hexdigest()[:8]}"


def plan(bases: list[Clip], events: list[Clip], seed: int) -> list[BaseJob]:
    """One job per base; refuses two ids whose folders would be one on a case-insensitive disk."""
    jobs, owner = [], {}
    for base in bases:
        stem = file_stem(base.id)
        other = owner.setdefault(stem.casefold(), base)
        if other is not base:
            raise InputError(base.source, f"ids {other.id!r} and {base.id!r} name the same audio "
                                          "folder on case-insensitive disks; rename one", row=base.row)
        jobs.append(BaseJob(base, *choose_events(base.id, events, seed), stem))
    return jobs
