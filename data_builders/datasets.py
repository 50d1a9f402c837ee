"""`build_datasets`: the library entry of `adcacc build` (the CLI, the quickstart and the
experiment runner call it): check the settings, read the inputs, build, return the report."""
from __future__ import annotations

import math
import os
from pathlib import Path

from adcacc.common.errors import InputError
from adcacc.data_builders.build import BuildConfig, run_build
from adcacc.data_builders.inputs import Problems, load_inputs
from adcacc.data_builders.rewrite import RewriteConfig

RATIO_DB_RANGE = (-30.0, 30.0)  # our choice: past 30 dB one sound masks the other entirely
MAX_DURATION_S = 30.0  # Qwen2-Audio's feature extractor keeps the first 30 s of a clip
DEFAULT_WORKERS = min(2, os.cpu_count() or 1)
MAX_SEED = 2**32 - 1  # numpy's and torch's seed range
OPTIONS = {"seed": "--seed", "duration_s": "--duration", "ratio_db": "--ratio-db", "splits": "--splits",
           "max_bases": "--max-bases", "workers": "--workers"}  # what the CLI calls each setting


def build_datasets(
    out: Path,
    *,
    bases_csv: Path | None = None,
    events_csv: Path | None = None,
    audiocaps: Path | None = None,
    subset: str = "train",
    event_dir: Path | None = None,
    seed: int = 0,
    duration_s: float = 10.0,
    ratio_db: tuple[float, float] = (0.0, 10.0),
    splits: tuple[float, float, float] = (0.8, 0.1, 0.1),
    max_bases: int | None = None,
    workers: int | None = None,
    skip_bad: bool = False,
    relative_paths: bool = False,
    rewrite_backend: str | None = None,
    rewrite_model: str | None = None,
    rewrite_url: str | None = None,
) -> dict:
    """Build the AC/ADC/ACC datasets into `out` from bases (a CSV or AudioCaps) and events
    (a CSV or an event folder); returns the report also written as build_report.json.

    `workers` defaults to DEFAULT_WORKERS. `max_bases` takes a seeded random sample of that
    many bases (ids in the report); `splits` are the train/val/test fractions of the bases
    that build. `rewrite_backend` ("openai" with `rewrite_url`, or "transformers") has
    `rewrite_model` reword the post-edit captions and instructions (data_builders/rewrite.py).
    Every setting is checked first (`check_settings`, which experiment files share)."""
    if (bases_csv is None) == (audiocaps is None):
        raise ValueError("give exactly one of bases_csv and audiocaps")
    if (events_csv is None) == (event_dir is None):
        raise ValueError("give exactly one of events_csv and event_dir")
    rewrite = None
    if rewrite_backend is not None:
        rewrite = RewriteConfig(rewrite_backend, rewrite_model or "", rewrite_url)
        rewrite.check()
    settings = check_settings(seed=seed, duration_s=duration_s, ratio_db=ratio_db, splits=splits,
                              max_bases=max_bases, workers=workers)
    cfg = BuildConfig(out=Path(out), **settings, skip_bad=skip_bad, relative_paths=relative_paths,
                      rewrite=rewrite)
    problems = Problems(skip_bad=skip_bad)
    bases, events = load_inputs(problems, bases_csv, events_csv, audiocaps, subset, event_dir)
    return run_build(bases, events, cfg, problems)


def check_settings(*, seed: int = 0, duration_s: float = 10.0, ratio_db=(0.0, 10.0),
                   splits=(0.8, 0.1, 0.1), max_bases: int | None = None, workers: int | None = None,
                   names: dict[str, str] = OPTIONS) -> dict:
    """The build settings as BuildConfig fields, each checked; an InputError names the
    setting as `names` calls it (the CLI's `--splits`, an experiment's `data.build.splits`)."""
    return {"seed": check_seed(seed, names["seed"]), "duration_s": check_duration(duration_s, names["duration_s"]),
            "ratio_db": check_ratio_db(ratio_db, names["ratio_db"]),
            "split_fractions": check_splits(splits, names["splits"]),
            "max_bases": check_max_bases(max_bases, names["max_bases"]),
            "workers": check_workers(DEFAULT_WORKERS if workers is None else workers, names["workers"])}


def _numbers(values, count: int, name: str, expected: str) -> tuple[float, ...]:
    """`count` numbers (a YAML list may hold anything), as floats."""
    if (not isinstance(values, (list, tuple)) or len(values) != count
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)):
        raise InputError(name, f"needs {expected}; got {values!r}")
    return tuple(float(v) for v in values)


def _integer(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(name, f"must be an integer, got {value!r}")
    return value


def check_seed(seed: int, name: str = "--seed") -> int:
    if not 0 <= _integer(seed, name) <= MAX_SEED:
        raise InputError(name, f"must be an integer from 0 to {MAX_SEED} (2**32 - 1), got {seed}")
    return seed


def check_duration(duration_s: float, name: str = "--duration") -> float:
    (value,) = _numbers([duration_s], 1, name, "a number of seconds")
    if not (math.isfinite(value) and 0 < value <= MAX_DURATION_S):
        raise InputError(name, f"must be a number of seconds above 0 and at most {MAX_DURATION_S:g} "
                               f"(Qwen2-Audio hears the first 30 s of a clip), got {duration_s}")
    return value


def check_max_bases(max_bases: int | None, name: str = "--max-bases") -> int | None:
    if max_bases is not None and _integer(max_bases, name) < 1:
        raise InputError(name, f"must be at least 1, got {max_bases}")
    return max_bases


def check_workers(workers: int, name: str = "--workers") -> int:
    cpus = os.cpu_count() or 1
    if not 1 <= _integer(workers, name) <= cpus:
        raise InputError(name, f"must be from 1 to {cpus} (the CPU count of this machine; each worker "
                               f"holds its own audio buffers), got {workers}")
    return workers


def check_ratio_db(ratio_db: tuple[float, float], name: str = "--ratio-db") -> tuple[float, float]:
    lo, hi = _numbers(ratio_db, 2, name, "two numbers MIN MAX in dB")
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo > hi:
        raise InputError(name, f"needs MIN MAX with MIN <= MAX, got {lo:g} {hi:g}")
    if lo < RATIO_DB_RANGE[0] or hi > RATIO_DB_RANGE[1]:
        raise InputError(name, f"{lo:g} {hi:g} is outside {RATIO_DB_RANGE[0]:g}.."
                               f"{RATIO_DB_RANGE[1]:g} dB, where both sounds stay audible")
    return lo, hi


def check_splits(splits: tuple[float, ...], name: str = "--splits") -> tuple[float, float, float]:
    values = _numbers(splits, 3, name, "three fractions train,val,test")
    if (not all(math.isfinite(v) and v >= 0 for v in values)
            or values[0] <= 0 or abs(sum(values) - 1) > 1e-6):
        raise InputError(name, f"needs three fractions train,val,test that are >= 0, "
                               f"train > 0, summing to 1 (e.g. 0.98,0.02,0); got {splits}")
    return values
