"""The scheduler on a fake device list: one training per GPU at a time, needs respected,
a failure stops new work and lets running trainings finish."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from adcacc.plan import Stage
from adcacc.runner import schedule


def _plan(n_arms: int = 4) -> list[Stage]:
    stages = [Stage("build", "build", (), {}, Path("d"))]
    for i in range(n_arms):
        stages.append(Stage(f"train/a{i}", "train", ("build",), {}, Path(f"t{i}")))
        stages.append(Stage(f"infer/a{i}", "infer", (f"train/a{i}",), {}, Path(f"r{i}")))
    stages.append(Stage("compare", "compare", tuple(s.id for s in stages if s.kind == "infer"), {}, Path("c")))
    return stages


def test_trainings_run_concurrently_one_per_gpu():
    lock, events, busy, peak = threading.Lock(), [], {}, [0]

    def run_one(stage, gpu):
        with lock:
            events.append(("start", stage.id))
            if stage.kind == "train":
                assert gpu not in busy, f"GPU {gpu} given to two trainings"
                busy[gpu] = stage.id
                peak[0] = max(peak[0], len(busy))
        time.sleep(0.05 if stage.kind == "train" else 0.0)
        with lock:
            busy.pop(gpu, None) if stage.kind == "train" else None
            events.append(("end", stage.id))

    schedule(_plan(4), run_one, gpus=["0", "1"])
    assert peak[0] == 2
    order = [e for e in events]
    for i in range(4):  # inference starts only after its training ended
        assert order.index(("end", f"train/a{i}")) < order.index(("start", f"infer/a{i}"))
    assert order[-1] == ("end", "compare") and order[0] == ("start", "build")


def test_without_gpus_everything_runs_in_plan_order():
    seen = []
    schedule(_plan(2), lambda s, g: seen.append((s.id, g)))
    assert [s for s, _ in seen] == [s.id for s in _plan(2)] and all(g is None for _, g in seen)


def test_a_failed_training_stops_new_work_but_running_ones_finish():
    finished = []

    def run_one(stage, gpu):
        if stage.id == "train/a0":
            raise RuntimeError("swift sft failed")
        time.sleep(0.05)
        finished.append(stage.id)

    with pytest.raises(RuntimeError, match="swift sft failed"):
        schedule(_plan(3), run_one, gpus=["0", "1"])
    assert "train/a1" in finished  # started beside a0 on the other GPU, allowed to finish
    assert "compare" not in finished and not any(s.startswith("infer") for s in finished)


def test_a_multi_gpu_recipe_takes_as_many_gpus_as_its_processes():
    stages = [Stage("build", "build", (), {}, Path("d"))]
    stages += [Stage(f"train/a{i}", "train", ("build",), {}, Path(f"t{i}"), gpus=2) for i in range(3)]
    lock, held, seen = threading.Lock(), set(), []

    def run_one(stage, gpu):
        if stage.kind != "train":
            return
        mine = set(gpu.split(","))
        with lock:
            assert len(mine) == 2 and not mine & held, f"{stage.id} got {gpu} while {held} busy"
            held.update(mine)
            seen.append(gpu)
        time.sleep(0.05)
        with lock:
            held.difference_update(mine)

    schedule(stages, run_one, gpus=["0", "1", "2", "3"])
    assert len(seen) == 3 and set(seen[:2]) == {"0,1", "2,3"}
