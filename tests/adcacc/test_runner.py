"""The scheduler on a fake device list: one training per GPU at a time, needs respected,
a failure stops new work and lets running trainings finish."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from adcacc.runner import schedule
from adcacc.stage import Stage


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


SMOKE = Path(__file__).resolve().parents[2] / "experiments" / "smoke.yaml"


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_run_refuses_a_folder_it_did_not_make(tmp_path, capsys):
    """Issue 21 case 2: `adcacc run --out u` deleted u/data, which held a user's file."""
    from adcacc.cli import main

    user = tmp_path / "u"
    (user / "data").mkdir(parents=True)
    (user / "data" / "s").write_text("x")
    for stage in ("corpus", "build"):
        assert main(["run", str(SMOKE), "--out", str(user), "--stage", stage]) == 2
        err = capsys.readouterr().err
        assert "not empty and was not made by adcacc run" in err and "Traceback" not in err
    assert _tree(user) == {"data/s": b"x"}


def test_a_stage_folder_without_a_record_is_refused_not_deleted(tmp_path):
    """In a run folder of ours, a stage folder the runner has no state file for is not ours."""
    from adcacc.common.errors import InputError
    from adcacc.experiment import load_experiment
    from adcacc.plan import build_plan
    from adcacc.runner import prepare
    from adcacc.stage import mark

    exp = load_experiment(SMOKE, tmp_path / "run")
    build = next(s for s in build_plan(exp) if s.id == "build")
    build.out.mkdir(parents=True)
    (build.out / "s").write_text("x")
    with pytest.raises(InputError, match="no record says `adcacc run` wrote it"):
        prepare(build)
    assert (build.out / "s").read_text() == "x"
    mark(build, "done")  # now the runner's record says it is ours, of this fingerprint: kept
    prepare(build)
    assert (build.out / "s").is_file()
    build.fingerprint = "an edited experiment"
    prepare(build)  # ours, of another fingerprint: removed
    assert not build.out.exists()


def test_a_second_run_on_the_same_folder_is_refused(tmp_path, capsys):
    """Issue 21 case 4: a second run on the same --out deleted the first run's build while it ran."""
    import fcntl
    import os

    from adcacc.cli import main
    from adcacc.common.owned_dir import LOCK, owned

    out = tmp_path / "run"
    with owned(out, "adcacc run"):  # the first run, holding the folder
        assert main(["run", str(SMOKE), "--out", str(out), "--stage", "corpus"]) == 2
        assert "another adcacc command is writing into this folder" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == [".adcacc-owner.json", LOCK]
    fd = os.open(out / LOCK, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released when the first run ended
    os.close(fd)
