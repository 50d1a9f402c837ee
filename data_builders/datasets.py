"""`build_datasets`: the library entry of `adcacc build` (the CLI, the quickstart and the
experiment runner call it): check the settings, read the inputs, build, return the report."""
from __future__ import annotations

from pathlib import Path

from data_builders.build import BuildConfig, run_build
from data_builders.inputs import Problems, load_inputs


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
) -> dict:
    """Build the AC/ADC/ACC datasets into `out` from bases (a CSV or AudioCaps) and events
    (a CSV or an event folder); returns the report also written as build_report.json."""
    if (bases_csv is None) == (audiocaps is None):
        raise ValueError("give exactly one of bases_csv and audiocaps")
    if (events_csv is None) == (event_dir is None):
        raise ValueError("give exactly one of events_csv and event_dir")
    cfg = BuildConfig(out=Path(out), seed=seed, duration_s=duration_s, ratio_db=tuple(ratio_db),
                      split_fractions=tuple(splits), workers=workers, skip_bad=skip_bad,
                      relative_paths=relative_paths)
    problems = Problems(skip_bad=skip_bad)
    bases, events = load_inputs(problems, bases_csv, events_csv, audiocaps, subset, event_dir)
    return run_build(bases[:max_bases], events, cfg, problems)
