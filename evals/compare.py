"""`adcacc compare`: a base-model run against AC/ADC/ACC(/AC+ADC/AC+ACC) runs.

Each RUN is an arm: a folder holding one run folder per eval set (or being one); folders
of the same name are paired. Paired runs must be of the same eval set with the same ids
(else an error names the folder). Deltas come with paired bootstrap 95% CIs: the same resampled clips for base and
arm, 1000 resamples by default, percentile intervals. Mean-over-clips metrics (CIDEr-D,
ROUGE-L, SPICE/SPIDEr/FENSE when present, accuracy) resample clip scores; BLEU-1..4 and
METEOR resample per-clip counts (n-grams and lengths; Meteor's alignment statistics) and
rescore the sums (evals.pooled_metrics).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Callable

import numpy as np

from common.files import csv_text, write_bytes, write_text
from common.errors import InputError
from evals.pooled_metrics import mean_score, pooled_score
from evals.predictions import PREDICTIONS, Run, check_same_eval_set, read_predictions


@dataclass
class Row:
    eval_set: str
    kind: str  # "caption" | retention task (vsc, ser, mic, mgc)
    metric: str
    arm: str
    value: float | None
    base: float | None
    delta: float | None
    ci_low: float | None
    ci_high: float | None
    paper: float | None
    proxy: bool = False


def discover(arm_dir: Path) -> dict[str, Run]:
    """Sub-folder name -> Run for an arm folder of run folders ("." if it is a run itself)."""
    arm_dir = Path(arm_dir)
    if not arm_dir.is_dir():
        raise InputError(arm_dir, "run folder not found")
    if (arm_dir / PREDICTIONS).is_file():
        return {".": read_predictions(arm_dir)}
    runs = {p.name: read_predictions(p) for p in sorted(arm_dir.iterdir()) if (p / PREDICTIONS).is_file()}
    if not runs:
        raise InputError(arm_dir, f"no {PREDICTIONS} in it or in its sub-folders (run `adcacc infer`)")
    return runs


def paired_bootstrap(base: np.ndarray, arm: np.ndarray, n_boot: int, seed: int,
                     score: Callable[[np.ndarray, int], np.ndarray] = mean_score) -> tuple[float, float]:
    """95% percentile interval of score(arm) - score(base) over clips resampled with replacement.

    `base`/`arm` hold one value per clip, or one row of statistics per clip (clips, k);
    `score(sums, n_clips)` turns each resample's summed rows into its corpus score
    (default: the mean of the values).
    """
    rng = np.random.default_rng(seed)
    base, arm = (np.asarray(x, dtype=np.float64).reshape(len(x), -1) for x in (base, arm))
    n = len(base)
    counts = np.stack([np.bincount(row, minlength=n) for row in rng.integers(0, n, size=(n_boot, n))])
    deltas = score(counts @ arm, n) - score(counts @ base, n)
    low, high = np.percentile(deltas, [2.5, 97.5])
    return float(low), float(high)


def _aligned(base: Run, other: Run) -> list[dict]:
    check_same_eval_set(base, other)
    by_id = {r["id"]: r for r in other.rows}
    return [by_id[i] for i in base.ids]


def _caption_rows(name: str, arms: dict[str, list[dict]], n_boot: int, seed: int) -> tuple[list[Row], dict]:
    from tqdm import tqdm

    from evals.captioning import score_captions_detailed
    from evals.paper_numbers import caption_value

    scores = {arm: score_captions_detailed([r["prediction"] for r in rows], [r["references"] for r in rows],
                                           with_stats=True)
              for arm, rows in tqdm(arms.items(), desc=f"scoring {name}", unit="arm")}
    base_arm = next(iter(arms))
    base = scores[base_arm]
    out = []
    for arm, sc in scores.items():
        for metric, value in sc.corpus.items():
            delta = ci = None
            if arm != base_arm:
                delta = value - base.corpus[metric]
                if metric in sc.stats:
                    ci = paired_bootstrap(base.stats[metric], sc.stats[metric], n_boot, seed,
                                          partial(pooled_score, metric))
            out.append(Row(name, "caption", metric, arm, value, base.corpus[metric], delta,
                           *(ci or (None, None)), caption_value(arm, name, metric)))
    return out, base.unavailable


def _retention_rows(name: str, task: str, proxy: bool, arms: dict[str, list[dict]],
                    n_boot: int, seed: int) -> list[Row]:
    from evals.paper_numbers import retention_value
    from evals.retention import score_retention

    results = {arm: score_retention(rows, task, name) for arm, rows in arms.items()}
    base_arm = next(iter(arms))
    base_correct = np.array([p["correct"] for p in results[base_arm]["predictions"]], dtype=float)
    out = []
    for arm, res in results.items():
        correct = np.array([p["correct"] for p in res["predictions"]], dtype=float)
        ci = paired_bootstrap(base_correct, correct, n_boot, seed) if arm != base_arm else (None, None)
        delta = res["accuracy"] - results[base_arm]["accuracy"] if arm != base_arm else None
        out.append(Row(name, task, "accuracy", arm, res["accuracy"], results[base_arm]["accuracy"],
                       delta, *ci, retention_value(arm, name, task), proxy))
        out.append(Row(name, task, "fallback share", arm, res["fallback_share"], None, None, None, None,
                       None, proxy))
    return out


def collect(arm_dirs: list[Path], names: list[str], n_boot: int, seed: int) -> tuple[list[Row], dict]:
    """All comparison rows, and unavailable caption metrics per eval set."""
    arms = {name: discover(d) for name, d in zip(names, arm_dirs)}
    base_name = names[0]
    rows, unavailable = [], {}
    for folder, base_run in arms[base_name].items():
        set_name = base_run.eval_set
        present = {a: runs[folder] for a, runs in arms.items() if folder in runs}
        aligned = {a: _aligned(base_run, run) for a, run in present.items()}
        if base_run.task == "caption":
            got, unavailable[set_name] = _caption_rows(set_name, aligned, n_boot, seed)
            rows += got
        else:
            from evals.retention import run_task

            proxy = bool(base_run.meta.get("eval_set", {}).get("proxy"))
            rows += _retention_rows(set_name, run_task(base_run), proxy, aligned, n_boot, seed)
    for name, runs in arms.items():
        extra = set(runs) - set(arms[base_name])
        if extra:
            print(f"[compare] {name}: run folder(s) {sorted(extra)} have no base run; not compared")
        absent = set(arms[base_name]) - set(runs)
        if absent:
            print(f"[compare] {name}: no run folder(s) {sorted(absent)}; those cells stay empty")
    return rows, unavailable


def rows_csv(rows: list[Row]) -> str:
    return csv_text(list(Row.__dataclass_fields__),
                    [["" if v is None else f"{v:.6f}" if isinstance(v, float) else v
                      for v in asdict(row).values()] for row in rows])


def compare_runs(arm_dirs: list[Path], out: Path, names: list[str] | None = None,
                 n_boot: int = 1000, seed: int = 0) -> int:
    from evals.report_html import comparison_markdown, render_report

    names = names or [Path(d).name for d in arm_dirs]
    if len(names) != len(arm_dirs) or len(set(names)) != len(names):
        raise InputError(None, f"--names needs {len(arm_dirs)} distinct names, got {names}")
    if len(arm_dirs) < 2:
        raise InputError(None, "compare needs a base run and at least one arm")
    rows, unavailable = collect(arm_dirs, names, n_boot, seed)
    md = comparison_markdown(rows, unavailable, names, n_boot)
    html, figures = render_report(rows, unavailable, names, n_boot)  # everything computed first
    out = Path(out)
    for fname, png in figures.items():
        write_bytes(out / "figures" / fname, png)
    write_text(out / "comparison.csv", rows_csv(rows))
    write_text(out / "comparison.json", json.dumps({"arms": names, "bootstrap": n_boot, "seed": seed,
                                                    "unavailable": unavailable,
                                                    "rows": [asdict(r) for r in rows]}, indent=2) + "\n")
    write_text(out / "comparison.md", md)
    write_text(out / "report.html", html)
    print(md)
    print(f"[compare] wrote {out}/comparison.md, comparison.csv, comparison.json, report.html, figures/")
    return 0


