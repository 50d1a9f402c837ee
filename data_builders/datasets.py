"""`build_datasets`: the library entry of `adcacc build` (the CLI, the quickstart and the
experiment runner call it): check the settings, read the inputs, build, return the report."""
from __future__ import annotations

import math
from dataclasses import dataclass, fields
from pathlib import Path

from common.errors import InputError
from data_builders.build import BuildConfig, run_build
from data_builders.inputs import Problems, load_inputs
from data_builders.rewrite import RewriteConfig

RATIO_DB_RANGE = (-30.0, 30.0)  # our choice: past 30 dB one sound masks the other entirely


@dataclass(frozen=True)
class SettingNames:
    """What an error calls each setting: the CLI's option (default), or, for settings read
    from an experiment file, that file and its key, so the hint names what the user wrote."""

    file: Path | None = None
    splits: str = "--splits"
    ratio_db: str = "--ratio-db"
    duration_s: str = "--duration"
    max_bases: str = "--max-bases"
    workers: str = "--workers"

    @classmethod
    def keys_of(cls, file: Path, section: str) -> SettingNames:
        """The names of the settings under `section` (e.g. "data.build") of a YAML `file`."""
        return cls(file, **{f.name: f"{section}.{f.name}" for f in fields(cls) if f.name != "file"})

    def error(self, setting: str, problem: str) -> InputError:
        return InputError(self.file, f"{getattr(self, setting)}: {problem}")


CLI_NAMES = SettingNames()


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
    workers: int = 2,
    skip_bad: bool = False,
    relative_paths: bool = False,
    rewrite_backend: str | None = None,
    rewrite_model: str | None = None,
    rewrite_url: str | None = None,
    names: SettingNames = CLI_NAMES,
) -> dict:
    """Build the AC/ADC/ACC datasets into `out` from bases (a CSV or AudioCaps) and events
    (a CSV or an event folder); returns the report also written as build_report.json.

    `max_bases` takes a seeded random sample of that many bases (ids in the report);
    `splits` are the train/val/test fractions of the bases that build. `rewrite_backend`
    ("openai" with `rewrite_url`, or "transformers") has `rewrite_model` reword the post-edit
    captions and instructions (data_builders/rewrite.py). `names` is how errors name the
    settings (an experiment file's keys when the runner calls)."""
    if (bases_csv is None) == (audiocaps is None):
        raise ValueError("give exactly one of bases_csv and audiocaps")
    if (events_csv is None) == (event_dir is None):
        raise ValueError("give exactly one of events_csv and event_dir")
    rewrite = None
    if rewrite_backend is not None:
        rewrite = RewriteConfig(rewrite_backend, rewrite_model or "", rewrite_url)
        rewrite.check()
    cfg = BuildConfig(out=Path(out), seed=seed, duration_s=float(duration_s),
                      ratio_db=check_ratio_db(ratio_db, names), split_fractions=check_splits(splits, names),
                      max_bases=max_bases, workers=workers, skip_bad=skip_bad,
                      relative_paths=relative_paths, rewrite=rewrite)
    check_counts(cfg, names)
    problems = Problems(skip_bad=skip_bad)
    bases, events = load_inputs(problems, bases_csv, events_csv, audiocaps, subset, event_dir)
    return run_build(bases, events, cfg, problems)


def check_ratio_db(ratio_db: tuple[float, float], names: SettingNames = CLI_NAMES) -> tuple[float, float]:
    lo, hi = (float(v) for v in ratio_db)
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo > hi:
        raise names.error("ratio_db", f"needs MIN MAX with MIN <= MAX, got {lo:g} {hi:g}")
    if lo < RATIO_DB_RANGE[0] or hi > RATIO_DB_RANGE[1]:
        raise names.error("ratio_db", f"{lo:g} {hi:g} is outside {RATIO_DB_RANGE[0]:g}.."
                                      f"{RATIO_DB_RANGE[1]:g} dB, where both sounds stay audible")
    return lo, hi


def check_splits(splits: tuple[float, ...], names: SettingNames = CLI_NAMES) -> tuple[float, float, float]:
    values = tuple(float(v) for v in splits)
    if (len(values) != 3 or not all(math.isfinite(v) and v >= 0 for v in values)
            or values[0] <= 0 or abs(sum(values) - 1) > 1e-6):
        raise names.error("splits", f"needs three fractions train,val,test that are >= 0, "
                                    f"train > 0, summing to 1 (e.g. 0.98,0.02,0); got {splits}")
    return values


def check_counts(cfg: BuildConfig, names: SettingNames = CLI_NAMES) -> None:
    if not (math.isfinite(cfg.duration_s) and cfg.duration_s > 0):
        raise names.error("duration_s", f"must be a positive number of seconds, got {cfg.duration_s}")
    if cfg.max_bases is not None and cfg.max_bases < 1:
        raise names.error("max_bases", f"must be at least 1, got {cfg.max_bases}")
    if cfg.workers < 1:
        raise names.error("workers", f"must be at least 1, got {cfg.workers}")
