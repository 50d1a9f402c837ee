"""`adcacc run EXP --emit-slurm DIR`: the plan as sbatch scripts, for clusters.

One script per stage kind in plan order (data preparation, training, inference, comparison);
training and inference are job arrays over arms x seeds. Every array element calls the same
stage command the local runner uses (`adcacc run EXP --out OUT --stage ID`), so a cluster
resumes exactly as a local run does: finished stages are skipped by their fingerprints.
`submit.sh` chains the scripts with `--dependency=afterok`.
"""
from __future__ import annotations

import math
import shlex
from pathlib import Path

from adcacc.common.owned_dir import Owned, owned
from adcacc.dry_run import stage_cost
from adcacc.experiment import Experiment
from adcacc.plan import build_plan
from adcacc.stage import Stage
from adcacc.stage_kinds import KINDS

# step -> the stage kinds it runs, in plan order (each kind names its step)
STEPS = tuple((step, tuple(k for k, m in KINDS.items() if m.STEP == step))
              for step in dict.fromkeys(m.STEP for m in KINDS.values()))


UNKNOWN_HOURS = 4.0  # our choice where no measurement exists (e.g. 7B inference): generous


def _hours(stages: list[Stage], exp: Experiment, slack: float = 1.5) -> str:
    """Wall time of the longest element, with slack, as HH:MM:SS (at least 30 minutes)."""
    costs = [stage_cost(s, exp) for s in stages]
    if not any(costs):
        return f"{int(UNKNOWN_HOURS):02d}:00:00"
    worst = max((c.get("gpu_hours", c.get("cpu_min", 0) / 60) for c in costs), default=0.0)
    minutes = max(30, math.ceil(worst * 60 * slack))
    return f"{minutes // 60:02d}:{minutes % 60:02d}:00"


def script(name: str, groups: list[list[str]], exp: Experiment, gpus: int, time: str) -> str:
    """One sbatch script; element i of the array runs the stages of groups[i] in order.

    Every value from the experiment (its name, paths) is shell-quoted: sbatch reads `#SBATCH`
    lines with shell-like quoting, and bash runs the rest."""
    from adcacc.plan import ROOT

    q = shlex.quote
    cmd = shlex.join(["adcacc", "run", str(exp.path.resolve()), "--out", str(exp.out.resolve())])
    lines = ["#!/bin/bash", f"#SBATCH --job-name={q(f'adcacc-{exp.name}-{name}')}",
             f"#SBATCH --output={q(f'{exp.out.resolve()}/slurm/{name}-%A_%a.log')}", f"#SBATCH --time={time}",
             "#SBATCH --cpus-per-task=8"]
    if gpus:
        lines.append(f"#SBATCH --gres=gpu:{gpus}")
    if len(groups) > 1:
        lines.append(f"#SBATCH --array=0-{len(groups) - 1}")
    lines += ["set -euo pipefail", f"cd {q(str(ROOT))}",
              "GROUPS_=(" + " ".join(q(" ".join(g)) for g in groups) + ")",
              'for STAGE in ${GROUPS_[${SLURM_ARRAY_TASK_ID:-0}]}; do',
              f"  {cmd} --stage \"$STAGE\"", "done", ""]
    return "\n".join(lines)


def emit_slurm(exp: Experiment, out_dir: Path) -> list[Path]:
    """Write `NN_<step>.sbatch` per non-empty step and `submit.sh`; returns the paths."""
    from adcacc.recipes.spec import HARDWARE

    stages = build_plan(exp)
    with owned(out_dir, "adcacc run --emit-slurm", option="--emit-slurm") as folder:
        return _write_scripts(folder, stages, exp, HARDWARE[exp.hardware].nproc)


def _write_scripts(folder: Owned, stages: list[Stage], exp: Experiment, nproc: int) -> list[Path]:
    """One sbatch script per non-empty step and submit.sh, into the claimed folder."""
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
        gpus = {"train": nproc, "infer": 1}.get(name, 0) if exp.device == "gpu" else 0
        path = folder.write_text(f"{n:02d}_{name}.sbatch", script(name, groups, exp, gpus, _hours(chosen, exp)))
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
