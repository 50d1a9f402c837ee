"""Multi-node trainings: the topology read from ms-swift's variables, the accumulation shared out
over the processes, and the runner's split of a training's nodes into node 0, which manages the
stage (lock, folders, records), and workers, which only run swift (a stub swift here; the real
one on two local "nodes": tests/recipes/test_swift_multinode.py)."""
from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from adcacc.cli import main
from adcacc.common.errors import InputError
from adcacc.common.owned_dir import owned
from adcacc.nodes import Nodes, this_node
from adcacc.plan import build_plan
from adcacc.recipes import launch
from adcacc.recipes.launch import spread_over
from adcacc.runner import run_experiment
from adcacc.stage import STATES
from tests.adcacc.node_run import TRAIN, ready_experiment


def test_the_topology_is_swifts_own_variables():
    assert this_node({}) == Nodes(1, 0, None) and not this_node({}).worker
    node = this_node({"NNODES": "4", "NODE_RANK": "3", "NPROC_PER_NODE": "8"})
    assert node == Nodes(4, 3, 8) and node.worker and node.processes(1) == 32
    assert Nodes(2).processes(8) == 16  # NPROC_PER_NODE unset: the recipe's
    for env, problem in [({"NNODES": "65"}, "NNODES: must be a whole number from 1 to 64"),
                         ({"NNODES": "2", "NODE_RANK": "2"}, r"NODE_RANK: must be a whole number from 0 to NNODES-1 \(1\), got .2."),
                         ({"NODE_RANK": "-1"}, "NODE_RANK"), ({"NPROC_PER_NODE": "0"}, "NPROC_PER_NODE")]:
        with pytest.raises(InputError, match=problem):
            this_node(env)


def test_the_optimizer_step_stays_the_recipes_on_any_number_of_processes():
    assert spread_over("rtx4090", {}, 1, cpu=False) == {}  # the recipe's own: nothing changes
    assert spread_over("rtx4090", {}, 2, cpu=False)["gradient_accumulation_steps"] == 8  # --nodes 2
    assert spread_over("rtx4090", {}, 4, cpu=False) == {  # 1 x 16 -> 4 x 4 rows per step
        "gradient_accumulation_steps": 4, "average_tokens_across_devices": True}
    assert spread_over("rtx4090", {"gradient_accumulation_steps": 2}, 2, cpu=True) == {
        "use_cpu": True, "gradient_accumulation_steps": 1, "average_tokens_across_devices": True}
    assert spread_over("a100x8", {}, 8, cpu=False) == {}  # 2 x 8
    assert spread_over("a100x8", {}, 16, cpu=False)["gradient_accumulation_steps"] == 1  # two 8-GPU nodes
    assert spread_over("a100x8", {}, 4, cpu=False)["gradient_accumulation_steps"] == 4  # NPROC_PER_NODE=4
    with pytest.raises(InputError, match=r"\(gradient_accumulation_steps 2 x its 8 processes\), which 32 "):
        spread_over("a100x8", {}, 32, cpu=False)


@pytest.fixture
def exp(tmp_path, monkeypatch):
    """The ready experiment, with a stub swift that records each call (NODE_RANK and argv) and,
    on node 0 only, saves a checkpoint into its --output_dir, as swift's rank 0 does."""
    data = tmp_path / "data"
    data.mkdir()
    for name in ("adc_train.jsonl", "adc_val.jsonl"):
        (data / name).write_text("")
    stub = tmp_path / "swift"
    stub.write_text(f'#!/bin/bash\necho "${{NODE_RANK-}}|$*" >> {shlex.quote(str(tmp_path / "calls"))}\n'
                    'if [[ ${NODE_RANK:-0} == 0 ]]; then mkdir -p "${@: -1}/checkpoint-1"; '
                    'touch "${@: -1}/checkpoint-1/adapter_model.safetensors"; fi\nexit "${STUB_EXIT:-0}"\n')
    stub.chmod(0o755)
    monkeypatch.setattr(launch, "SWIFT", stub)
    for name in ("NNODES", "NODE_RANK", "NPROC_PER_NODE"):
        monkeypatch.delenv(name, raising=False)
    return ready_experiment(tmp_path, data, tmp_path / "model", {"max_steps": 2})


def _calls(exp) -> list[tuple[str, list[str]]]:
    path = exp.path.parent / "calls"
    lines = path.read_text().splitlines() if path.exists() else []
    return [(rank, args.split(" ")) for rank, args in (line.split("|", 1) for line in lines)]


def _flag(argv: list[str], name: str) -> str:
    """The value swift reads: the last occurrence of --name."""
    return argv[len(argv) - 1 - argv[::-1].index(f"--{name}") + 1]


def _files(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in sorted(folder.rglob("*"))}


def test_a_worker_node_runs_swift_into_node_0s_folder_and_nothing_else(exp, monkeypatch):
    """Node 0 holds the run folder's lock and has made `<out>.partial`: a worker neither waits on
    the lock nor deletes, writes or records anything; it runs node 0's swift command."""
    train = next(s for s in build_plan(exp) if s.id == TRAIN)
    partial = train.out.with_name(train.out.name + ".partial")
    partial.mkdir(parents=True)
    (partial / "command.txt").write_text("node 0's")
    monkeypatch.setenv("NNODES", "2")
    monkeypatch.setenv("NODE_RANK", "1")
    before = _files(exp.out)
    with owned(exp.out, "adcacc run"):  # node 0's claim, held while the worker runs
        run_experiment(exp, only=[TRAIN], log=lambda line: None)
    [(rank, argv)] = _calls(exp)
    assert rank == "1" and argv[0] == "sft" and argv[-2:] == ["--output_dir", str(partial)]
    assert (_flag(argv, "gradient_accumulation_steps"), _flag(argv, "average_tokens_across_devices"),
            _flag(argv, "use_cpu")) == ("1", "true", "true")  # CPU's 2 per step, shared by 2 processes
    assert _files(exp.out) == before and not train.out.exists()  # no record, no folder touched


def test_node_0_manages_the_stage_and_a_finished_one_is_skipped_on_every_node(exp, monkeypatch):
    """Node 0 runs as on one node: a killed job's `<out>.partial` is started over, the result
    renamed into place and recorded. Resubmitted, every node skips it."""
    train = next(s for s in build_plan(exp) if s.id == TRAIN)
    partial = train.out.with_name(train.out.name + ".partial")
    partial.mkdir(parents=True)
    (partial / "killed").write_text("")
    monkeypatch.setenv("NNODES", "2")
    for rank in ("0", "1"):
        monkeypatch.setenv("NODE_RANK", rank)
        run_experiment(exp, only=[TRAIN], log=lambda line: None)
    assert [rank for rank, _ in _calls(exp)] == ["0"]  # node 1 found it done
    assert not partial.exists() and (train.out / "checkpoint-1").is_dir() and (train.out / "command.txt").is_file()
    record = json.loads((exp.out / STATES / "train__adc__s0.json").read_text())
    assert record["status"] == "done" and record["checkpoint"] == str(train.out / "checkpoint-1")


def test_a_failed_worker_is_one_line_and_deletes_nothing(exp, monkeypatch, capsys):
    monkeypatch.setenv("NNODES", "2")
    monkeypatch.setenv("NODE_RANK", "1")
    monkeypatch.setenv("STUB_EXIT", "3")
    train = next(s for s in build_plan(exp) if s.id == TRAIN)
    partial = train.out.with_name(train.out.name + ".partial")
    partial.mkdir(parents=True)
    assert main(["run", str(exp.path), "--out", str(exp.out), "--stage", TRAIN]) == 2
    err = capsys.readouterr().err
    assert "swift sft failed on this worker node (exit 3)" in err and partial.is_dir()


@pytest.mark.parametrize("env, argv, problem", [
    ({"NNODES": "2", "NODE_RANK": "1"}, [], "NNODES=2: every node runs the trainings --stage names"),
    ({"NNODES": "2", "NODE_RANK": "0"}, [], "NNODES=2: every node runs the trainings --stage names"),
    ({"NNODES": "2", "NODE_RANK": "1"}, ["--stage", "build"], "stage build runs on one node"),
    ({"NNODES": "2", "NODE_RANK": "2"}, ["--stage", TRAIN], "NODE_RANK: must be a whole number from 0 to"),
])
def test_a_multi_node_run_takes_trainings_named_by_stage(exp, monkeypatch, capsys, env, argv, problem):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["run", str(exp.path), "--out", str(exp.out), *argv]) == 2
    err = capsys.readouterr().err
    assert problem in err and err.count("\n") == 1 and not _calls(exp)
