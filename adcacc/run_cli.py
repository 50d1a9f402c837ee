"""`adcacc run EXPERIMENT.yaml`: the AC/ADC/ACC comparison as one resumable command."""
from __future__ import annotations

import argparse
from pathlib import Path

from adcacc.common.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run an experiment file: build, train every arm x seed, infer, compare",
                       description="Resumable: finished stages whose inputs did not change are skipped.")
    p.add_argument("experiment", type=Path, help="experiment YAML (see experiments/)")
    p.add_argument("--out", type=Path, default=None, help="run folder (default: the file's `out`)")
    p.add_argument("--dry-run", action="store_true", help="print the plan, skips and costs; run nothing")
    p.add_argument("--gpus", default=None,
                   help="comma-separated GPU ids: trainings run concurrently, each on as many GPUs as its recipe has processes")
    p.add_argument("--emit-slurm", type=Path, default=None, metavar="DIR",
                   help="write sbatch scripts (one per stage kind, arrays over arms x seeds) and submit.sh")
    p.add_argument("--nodes", default=None, metavar="N",
                   help="with --emit-slurm: each training on N nodes (1-64); the run folder and the model "
                        "cache must be on storage every node shares")
    p.add_argument("--stage", action="append", default=None, metavar="ID",
                   help="run only this stage (repeatable; its upstream stages must be done)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from adcacc.experiment import load_experiment

    if args.nodes is not None and args.emit_slurm is None:
        raise InputError(None, "--nodes goes with --emit-slurm (a run on this machine is one node)")
    exp = load_experiment(args.experiment, args.out, check_paths=not (args.dry_run or args.emit_slurm))
    if args.dry_run:
        from adcacc.dry_run import plan_text

        print(plan_text(exp))
        return 0
    if args.emit_slurm is not None:
        from adcacc.slurm import emit_slurm

        for path in emit_slurm(exp, args.emit_slurm, args.nodes or 1):
            print(f"wrote {path}")
        print(f"submit with: bash {args.emit_slurm / 'submit.sh'}")
        return 0
    from adcacc.runner import run_experiment

    gpus = [g.strip() for g in args.gpus.split(",") if g.strip()] if args.gpus else None
    run_experiment(exp, gpus=gpus, only=args.stage)
    report = exp.out / "report" / "report.html"
    if report.is_file() and not args.stage:
        print(f"done: open {report}")
    return 0
