"""One stage of an experiment and the runner's record of it.

A stage is done when `OUT/.stages/<id>.json` records status "done" with the stage's current
fingerprint (`adcacc.plan`). Every stage kind (adcacc/kinds/) builds and runs these; this
module imports nothing of ours but the file helpers, so a kind's fingerprint does not follow
the runner's code."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adcacc.common.files import write_json

STATES = ".stages"  # OUT/.stages/<id>.json: the runner's record of each stage it ran
TRIVIAL = "trivial"  # the pseudo-arm of trivial baselines (most frequent caption, majority class)


@dataclass
class Stage:
    id: str  # e.g. "build", "train/acc/s1", "infer/acc/s1/captions-csv"
    kind: str
    needs: tuple[str, ...]
    params: dict[str, Any]
    out: Path
    arm: str | None = None
    seed: int | None = None
    fingerprint: str = ""
    gpus: int = 1  # GPUs one run of it takes (its recipe's processes)
    out_root: Path = Path(".")

    @property
    def state_file(self) -> Path:
        return self.out_root / STATES / (self.id.replace("/", "__") + ".json")


def state(stage: Stage) -> dict | None:
    try:
        return json.loads(stage.state_file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def is_done(stage: Stage) -> bool:
    st = state(stage)
    return bool(st) and st.get("status") == "done" and st.get("fingerprint") == stage.fingerprint


def mark(stage: Stage, status: str, **extra: Any) -> None:
    write_json(stage.state_file, {"id": stage.id, "status": status, "fingerprint": stage.fingerprint, **extra})
