"""`adcacc run EXP --emit-slurm DIR [--nodes N]`: the plan as sbatch scripts, for clusters.

One script per stage kind in plan order (data preparation, training, inference, comparison);
training and inference are job arrays over arms x seeds. Every array element calls the same
stage command the local runner uses (`adcacc run EXP --out OUT --stage ID`), with the Python
that emitted the scripts (by absolute path: a job's PATH may hold another `adcacc` or none), so
a cluster resumes exactly as a local run does: finished stages are skipped by their fingerprints.
`submit.sh` chains the scripts with `--dependency=afterok`.

With `--nodes N` each training runs on N nodes, launched as ms-swift documents (its
examples/train/multi-node): one srun task per node sets NNODES, NODE_RANK, MASTER_ADDR,
MASTER_PORT and NPROC_PER_NODE and runs the same stage command; node 0 manages the stage, the
others only run swift (`adcacc.runner`), and the accumulation is shared out so the optimizer
step stays the recipe's (`adcacc.recipes.launch.spread_over`). The run folder and the model
cache must be on storage every node shares.
"""
from __future__ import annotations

import math
import shlex
import sys
from pathlib import Path

from adcacc.common.owned_dir import Owned, owned
from adcacc.dry_run import stage_cost
from adcacc.experiment import Experiment
from adcacc.nodes import Nodes, node_count
from adcacc.plan import build_plan
from adcacc.recipes.spec import Hardware
from adcacc.stage import Stage
from adcacc.stage_kinds import KINDS

# step -> the stage kinds it runs, in plan order (each kind names its step)
STEPS = tuple((step, tuple(k for k, m in KINDS.items() if m.STEP == step))
              for step in dict.fromkeys(m.STEP for m in KINDS.values()))


PYTHON = sys.executable  # the interpreter every script calls: the one that emitted it
# NODE_RANK is the srun task's own: set inside the task, from its node's id in the job
NODE_TASK = shlex.quote('NODE_RANK="$SLURM_NODEID" exec "$@"')
UNKNOWN_HOURS = 4.0  # our choice where no measurement exists (e.g. 7B inference): generous


def _hours(stages: list[Stage], exp: Experiment, slack: float = 1.5) -> str:
    """Wall time of the longest element, with slack, as HH:MM:SS (at least 30 minutes)."""
    costs = [stage_cost(s, exp) for s in stages]
    if not any(costs):
        return f"{int(UNKNOWN_HOURS):02d}:00:00"
    worst = max((c.get("gpu_hours", c.get("cpu_min", 0) / 60) for c in costs), default=0.0)
    minutes = max(30, math.ceil(worst * 60 * slack))
    return f"{minutes // 60:02d}:{minutes % 60:02d}:00"


def stage_command(exp: Experiment) -> list[str]:
    """`adcacc run EXP --out OUT` (`--stage ID` follows) run by this very interpreter, which
    also finds this environment's `swift` beside it (`adcacc.recipes.launch.SWIFT`)."""
    return [PYTHON, "-m", "adcacc", "run", str(exp.path.resolve()), "--out", str(exp.out.resolve())]


def script(name: str, groups: list[list[str]], exp: Experiment, gpus: int, time: str,
           nodes: int = 1, env: list[str] | None = None) -> str:
    """One sbatch script; element i of the array runs the stages of groups[i] in order, each on
    `nodes` nodes (one srun task per node), after the lines of `env`.

    Every value from the experiment (its name, paths) is shell-quoted: sbatch reads `#SBATCH`
    lines with shell-like quoting, and bash runs the rest."""
    from adcacc.plan import ROOT

    q = shlex.quote
    cmd = shlex.join(stage_command(exp))
    if nodes > 1:  # --kill-on-bad-exit: a failed node stops the others instead of leaving them waiting
        cmd = f"srun --nodes={nodes} --ntasks-per-node=1 --kill-on-bad-exit=1 bash -c {NODE_TASK} node-task {cmd}"
    lines = ["#!/bin/bash", f"#SBATCH --job-name={q(f'adcacc-{exp.name}-{name}')}",
             f"#SBATCH --output={q(f'{exp.out.resolve()}/slurm/{name}-%A_%a.log')}", f"#SBATCH --time={time}",
             "#SBATCH --cpus-per-task=8"]
    if nodes > 1:
        lines += [f"#SBATCH --nodes={nodes}", "#SBATCH --ntasks-per-node=1"]
    if gpus:
        lines.append(f"#SBATCH --gres=gpu:{gpus}")
    if len(groups) > 1:
        lines.append(f"#SBATCH --array=0-{len(groups) - 1}")
    lines += ["set -euo pipefail", f"cd {q(str(ROOT))}", *(env or []),
              "GROUPS_=(" + " ".join(q(" ".join(g)) for g in groups) + ")",
              'for STAGE in ${GROUPS_[${SLURM_ARRAY_TASK_ID:-0}]}; do',
              f"  {cmd} --stage \"$STAGE\"", "done", ""]
    return "\n".join(lines)


def shared_cache(exp: Experiment) -> list[str]:
    """Script lines that put the model cache where every node reads it: ADCACC_SHARED_CACHE, which
    the user points at shared storage (default: inside the run folder, shared as well)."""
    return ["# The model cache every node and step reads: it must be on storage all nodes share, as the",
            "# run folder must. Set ADCACC_SHARED_CACHE before sbatch to put it elsewhere.",
            f"CACHE_DEFAULT={shlex.quote(str(exp.out.resolve() / 'model_cache'))}",
            'export ADCACC_SHARED_CACHE="${ADCACC_SHARED_CACHE:-$CACHE_DEFAULT}"',
            'export MODELSCOPE_CACHE="$ADCACC_SHARED_CACHE/modelscope" HF_HOME="$ADCACC_SHARED_CACHE/huggingface"']


def node_env(nodes: int, nproc: int) -> list[str]:
    """Script lines of ms-swift's multi-node variables but NODE_RANK (each task sets its own)."""
    return ["# ms-swift's multi-node launch: every node runs the stage command; node 0 (MASTER_ADDR, the",
            "# first host of the job) manages the stage, the others only run swift.",
            f"export NNODES={nodes} NPROC_PER_NODE={nproc}",
            'HOSTS="$(scontrol show hostnames "$SLURM_JOB_NODELIST")"',
            "export MASTER_ADDR=\"${HOSTS%%$'\\n'*}\"",
            "export MASTER_PORT=$((20000 + SLURM_JOB_ID % 40000))  # one per job: array elements may share a node"]


def emit_slurm(exp: Experiment, out_dir: Path, nodes: int | str = 1) -> list[Path]:
    """Write `NN_<step>.sbatch` per non-empty step and `submit.sh`; returns the paths. `nodes`
    (1..64) per training; a training whose step the nodes cannot share is refused first."""
    from adcacc.kinds.train import argv
    from adcacc.recipes.spec import HARDWARE

    count = node_count(nodes)
    stages = build_plan(exp)
    by_id = {s.id: s for s in stages}
    for s in (s for s in stages if s.kind == "train"):
        argv(s, exp, by_id, count=False, nodes=Nodes(count))
    with owned(out_dir, "adcacc run --emit-slurm", option="--emit-slurm") as folder:
        return _write_scripts(folder, stages, exp, HARDWARE[exp.hardware], count)


def _write_scripts(folder: Owned, stages: list[Stage], exp: Experiment, hardware: Hardware, nodes: int) -> list[Path]:
    """One sbatch script per non-empty step and submit.sh, into the claimed folder; a training
    asks for its recipe's GPUs (`hardware.gpus`) and starts its processes (`hardware.nproc`)."""
    out_dir = folder.root
    written, names = [], []
    for n, (name, kinds) in enumerate(STEPS, start=1):
        chosen = [s for s in stages if s.kind in kinds]
        if not chosen:
            continue
        if name == "infer":  # one element per replicate: all its eval sets in one job
            keys = list(dict.fromkeys((s.arm, s.seed) for s in chosen))
            groups = [[s.id for s in chosen if (s.arm, s.seed) == k] for k in keys]
        elif name == "train":
            groups = [[s.id] for s in chosen]
        else:
            groups = [[s.id for s in chosen]]
        gpus = {"train": hardware.gpus, "infer": 1}.get(name, 0) if exp.device == "gpu" else 0
        on = nodes if name == "train" else 1  # only trainings span nodes; the cache serves every step
        env = (shared_cache(exp) if nodes > 1 else []) + (node_env(nodes, hardware.nproc) if on > 1 else [])
        text = script(name, groups, exp, gpus, _hours(chosen, exp), on, env)
        path = folder.write_text(f"{n:02d}_{name}.sbatch", text)
        written.append(path)
        names.append(path.name)
    chain = ["#!/bin/bash", "# Submit the experiment's stages in order; each waits for the previous one.",
             "set -euo pipefail", f"cd {shlex.quote(str(out_dir.resolve()))}", "dep=\"\""]
    for name in names:
        chain += [f"jid=$(sbatch --parsable ${{dep:+--dependency=afterok:$dep}} {shlex.quote(name)})",
                  f"echo {shlex.quote(name + ': job')} \"$jid\"", "dep=$jid"]
    folder.write_text("submit.sh", "\n".join(chain) + "\n")
    folder.keep_only({*names, "submit.sh"}, "")  # scripts of an earlier emit that this plan has no more
    return [*written, out_dir / "submit.sh"]
