"""Two "nodes" on this machine train as one: an experiment's training stage, run by the command
the emitted SLURM script runs on each node (`adcacc.slurm.stage_command` + `--stage ID`), as node
0 and node 1 on 127.0.0.1 (NNODES=2, NPROC_PER_NODE=1, a free MASTER_PORT; on CPU accelerate
takes gloo once the runner adds `use_cpu`), through the real `swift sft` on the tiny Qwen2-Audio,
logs the losses of the same stage on one node.

Why they can be equal. One node accumulates 2 rows per optimizer step (CPU_OVERRIDES); on two
processes the runner gives each an accumulation of 1 (`adcacc.recipes.launch.spread_over`).
ms-swift's sampler (BatchSamplerShard, not torch's DistributedSampler) draws one permutation
from data_seed over 2 x (rows // 2) rows and gives process r its elements r, r+2, ...: with an
even row count (12 here) that is the permutation one process draws, so every step trains on the
same two rows, one per node (checked once by logging the sampler's batches). Two things would
still differ and are held equal for what they are:
- LoRA dropout: ms-swift seeds process r with seed + r (swift/pipelines/base.py), so node 1
  draws other masks than one process draws for its second row; both runs use lora_dropout 0.
- the loss' divisor: the runner's `average_tokens_across_devices` divides by both nodes' target
  tokens, as one process does.
Then both compute the same float32 sums up to exact scalings by 2 (each node's loss is doubled,
gloo halves the sum of two gradients): the losses came out identical to 8 digits (11.97460365,
11.73038101, 12.1516943). The tolerance, 1e-5, allows a changed reduction order and is 500 times
below what the test must catch, measured by removing each flag from `spread_over`: without
`average_tokens_across_devices` the losses were off by 6e-3 to 3e-2 (each node divides by its
own tokens), without `use_cpu` by up to 0.46 (each node trained alone; the log was node 0's).
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
from pathlib import Path

import pytest

from adcacc.experiment import Experiment
from adcacc.slurm import stage_command
from tests.adcacc.node_run import TRAIN, ready_experiment

pytestmark = pytest.mark.slow
# 3 steps at lr 5e-2 (no warmup), so each update visibly moves the next step's loss; no eval
FLAGS = {"learning_rate": 5e-2, "warmup_ratio": 0, "max_steps": 3, "save_steps": 3, "lora_dropout": 0,
         "eval_strategy": "no"}
TOPOLOGY = ("NNODES", "NODE_RANK", "NPROC_PER_NODE", "MASTER_ADDR", "MASTER_PORT")


def _node(exp: Experiment, log: Path, topology: dict[str, str]) -> subprocess.Popen:
    """One node's stage command, as the SLURM script runs it."""
    env = {k: v for k, v in os.environ.items() if k not in TOPOLOGY}
    return subprocess.Popen([*stage_command(exp), "--stage", TRAIN], env={**env, **topology},
                            stdout=log.open("w"), stderr=subprocess.STDOUT)


def _finish(nodes: dict[Path, subprocess.Popen]) -> None:
    try:
        codes = {log: proc.wait(timeout=300) for log, proc in nodes.items()}
    finally:
        for proc in nodes.values():
            proc.kill()
    for log, code in codes.items():
        assert code == 0, f"{log.name} exited {code}:\n" + "\n".join(log.read_text().splitlines()[-30:])


def _losses(exp: Experiment) -> list[float]:
    rows = [json.loads(line) for line in (exp.out / "train" / "adc" / "s0" / "logging.jsonl").open()]
    return [r["loss"] for r in rows if isinstance(r.get("loss"), float)]


def test_two_nodes_log_the_losses_of_one(tiny_model, dataset_dir, tmp_path):
    one = ready_experiment(tmp_path / "one", dataset_dir, tiny_model, FLAGS)
    _finish({tmp_path / "one.log": _node(one, tmp_path / "one.log", {})})
    two = ready_experiment(tmp_path / "two", dataset_dir, tiny_model, FLAGS)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = str(s.getsockname()[1])
    topology = {"NNODES": "2", "NPROC_PER_NODE": "1", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": port}
    _finish({tmp_path / f"node{rank}.log": _node(two, tmp_path / f"node{rank}.log", {**topology, "NODE_RANK": rank})
             for rank in ("1", "0")})
    assert f"[run]  {TRAIN} as worker node 1 of 2" in (tmp_path / "node1.log").read_text()
    sft = (two.out / "train" / "adc" / "s0" / "sft.log").read_text()
    assert "world_size: 2" in sft and "--gradient_accumulation_steps 1 " in sft  # node 0's log, as kept
    single, double = _losses(one), _losses(two)
    print(f"one node: {single}\ntwo nodes: {double}")
    assert len(single) == 3 and double == pytest.approx(single, abs=1e-5)
    for exp in (one, two):  # node 0 recorded the stage; the worker left no other trace
        assert json.loads((exp.out / ".stages" / "train__adc__s0.json").read_text())["status"] == "done"
        assert not list(exp.out.glob("train/adc/s0.*"))
