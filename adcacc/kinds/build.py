"""build: the AC / ADC / ACC datasets (`data.build`), from the experiment's corpus or from the
user's AudioCaps and event folders (whose content is part of the stage's fingerprint)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from adcacc.kinds.shared import call_text
from adcacc.stage import Stage

if TYPE_CHECKING:
    from adcacc.dry_run import Estimates
    from adcacc.experiment import Experiment

STEP = "prepare"
SOURCES = ("audiocaps", "subset", "event_dir")  # where the audio comes from, without a corpus


def plan(exp: Experiment, stages: list[Stage]) -> list[Stage]:
    d = exp.data
    params = {**d.build, "audiocaps": _s(d.audiocaps), "subset": d.subset, "event_dir": _s(d.event_dir)}
    needs = ("corpus",) if d.corpus is not None else ()
    return [Stage("build", "build", needs, params, exp.out / "data")]


def _s(path: Path | None) -> str | None:
    return str(path) if path is not None else None


def inputs(stage: Stage, cache: Path, save: bool, memo: dict) -> str | None:
    """The content digest of the user folders the build reads (none with a corpus)."""
    from adcacc.common.content_hash import content_digests

    roots = [r for r in (stage.params["audiocaps"], stage.params["event_dir"]) if r is not None]
    return json.dumps(content_digests(roots, cache, save=save), sort_keys=True)


def run(stage: Stage, exp: Experiment, by_id: dict[str, Stage], gpu: str | None) -> dict:
    from adcacc.data_builders.datasets import build_datasets

    p = dict(stage.params)  # the build options, then where the audio comes from
    sources = {k: p.pop(k) for k in SOURCES}
    for key in ("splits", "ratio_db"):
        if key in p:
            p[key] = tuple(p[key])
    if "corpus" in by_id:
        corpus = by_id["corpus"].out
        src = {"bases_csv": corpus / "bases.csv", "events_csv": corpus / "events.csv"}
    else:
        src = {k: Path(v) if v is not None and k != "subset" else v for k, v in sources.items()}
    report = build_datasets(stage.out, **src, **p)
    return {"rows": report["rows"]}


def describe(stage: Stage, exp: Experiment, by_id: dict[str, Stage]) -> str:
    return call_text("build_datasets", stage)


def cost(stage: Stage, exp: Experiment, est: Estimates) -> dict[str, float]:
    return {"cpu_min": est.bases / 0.8 * est.rates["build_base_s"] / 60} if est.bases is not None else {}
