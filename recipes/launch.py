"""The one launcher of `swift`: `run_swift` runs the real ms-swift CLI as a subprocess, as users
run it. Every swift argv is built from one flag dict (`recipes/swift_flags.py`): the experiment runner
(`adcacc/kinds/train.py`) builds a recipe's with `train_argv` (the toy pretraining's with
`adcacc.pretraining.pretrain_argv`) and runs it through `run_swift`, which adds `--output_dir`;
the quickstart and the tests train a recipe through `run_sft` (`train_argv` + `run_swift`).

A run writes into a temporary sibling folder and is renamed into place only when swift
exited 0 and left a checkpoint, so a killed or failed run never looks finished. The command
line (`command.txt`) and the full log (`sft.log`) are kept beside the checkpoints. On several
nodes, rank 0 runs `run_swift` and every other node `run_swift_worker`: the same swift command,
writing nothing of its own.
"""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from adcacc.common.errors import InputError, StageFailed
from adcacc.common.model_families import FAMILIES, OWN_ENV
from adcacc.common.vocabulary import ARMS, balanced
from adcacc.data_builders.layout import dataset_file
from adcacc.recipes.generate import recipe_dir
from adcacc.recipes.spec import CPU_OVERRIDES, HARDWARE
from adcacc.recipes.swift_flags import flag_argv

SWIFT = Path(sys.executable).parent / "swift"
ACCUMULATION = "gradient_accumulation_steps"


def sft_argv(arm: str, hw: str, model: Path, data_dir: Path, flags: Mapping[str, Any] = MappingProxyType({}),
             samples: dict[str, int] | None = None, family: str = "qwen2_audio") -> list[str]:
    """Arguments of `swift sft <recipe> ...` but `--output_dir` (`run_swift` adds it): the family's
    recipe, the paths, then `flags` (swift lets a flag override the recipe's value). `samples`:
    training rows drawn per dataset (swift's `path#N`: the file repeated whole, then a seeded sample)."""
    names = ARMS[arm].datasets
    train = [str(data_dir / dataset_file(s, "train")) + (f"#{samples[s]}" if samples else "") for s in names]
    return ["sft", str(recipe_dir(family) / f"{arm}_{hw}.yaml"), "--model", str(model), "--dataset", *train,
            "--val_dataset", *[str(data_dir / dataset_file(s, "val")) for s in names], *flag_argv(flags)]


def balanced_samples(arm: str, data_dir: Path) -> dict[str, int]:
    """Training rows per dataset of a joint recipe, balanced (`vocabulary.balanced`) over the
    rows `data_dir` holds."""
    return balanced({s: _count_rows(data_dir / dataset_file(s, "train")) for s in ARMS[arm].datasets})


def _count_rows(path: Path) -> int:
    with path.open("rb") as f:
        return sum(1 for line in f if line.strip())


def train_argv(arm: str, hw: str, model: Path, data_dir: Path, flags: Mapping[str, Any] = MappingProxyType({}),
               cpu: bool = True, samples: dict[str, int] | None = None, processes: int | None = None,
               family: str = "qwen2_audio") -> list[str]:
    """`sft_argv` with `flags` over the CPU overrides when `cpu` (no bf16, a few steps, no
    worker processes): one dict, so each flag appears once, the caller's value winning.
    `processes`: the training's processes on all nodes (`spread_over` keeps the recipe's step)."""
    merged = {**(CPU_OVERRIDES if cpu else {}), **flags}
    if processes is not None:
        merged.update(spread_over(hw, merged, processes, cpu))
    return sft_argv(arm, hw, model, data_dir, merged, samples, family)


def spread_over(hw: str, flags: Mapping[str, Any], processes: int, cpu: bool) -> dict[str, Any]:
    """Flags that keep a recipe's optimizer step on `processes` processes in all (nodes x
    NPROC_PER_NODE). Where they are not the recipe's own: the accumulation (`flags`' or the
    recipe's) x the recipe's processes / `processes`, so the same rows make a step
    (`spec.effective_batch`), and the loss divided by the target tokens of all processes
    (`average_tokens_across_devices`), as one process accumulating those rows divides it; without
    it each process divides by its own and short answers weigh more. On CPU, `use_cpu`: without
    it accelerate finds no device to distribute over and every process trains alone (measured:
    DDP ran unsynchronised, DeepSpeed refused its batch size). Processes that cannot share the
    step evenly are one line: a quietly changed batch would make the arms incomparable."""
    hardware = HARDWARE[hw]
    spread: dict[str, Any] = {"use_cpu": True} if cpu and processes > 1 else {}
    if processes == hardware.nproc:
        return spread
    steps = int(flags.get(ACCUMULATION, hardware.accumulation))
    rows = steps * hardware.nproc
    if rows % processes:
        fits = ", ".join(str(n) for n in range(1, rows + 1) if rows % n == 0)
        raise InputError(None, f"the {hw} recipe accumulates {rows} per-device batches per optimizer step "
                               f"({ACCUMULATION} {steps} x its {hardware.nproc} processes), which {processes} "
                               f"processes (nodes x NPROC_PER_NODE) cannot share evenly; use a number of "
                               f"processes that divides {rows} ({fits})")
    return {**spread, ACCUMULATION: rows // processes,
            **({"average_tokens_across_devices": True} if processes > 1 else {})}


def last_checkpoint(out: Path) -> Path | None:
    """The highest `checkpoint-N` folder holding weights (LoRA adapter or full model)."""
    found = [p for p in out.glob("checkpoint-*") if p.name.split("-")[-1].isdigit()
             and any((p / f).is_file() for f in ("adapter_model.safetensors", "model.safetensors"))]
    return max(found, key=lambda p: int(p.name.split("-")[-1]), default=None)


def run_swift(argv: list[str], out: Path, env: dict[str, str] | None = None,
              log_name: str = "sft.log", swift: Path | None = None) -> Path:
    """Run `swift <argv> --output_dir <out>`, writing into `out`'s temporary sibling and renaming
    it into place on success; returns `out`. Raises StageFailed with the log's tail. `swift`: the
    CLI of the model family's environment (`.venv-omni/bin/swift` for Qwen-Omni); default `SWIFT`."""
    swift = swift or SWIFT
    tmp = partial_dir(out)
    shutil.rmtree(tmp, ignore_errors=True)  # a killed earlier attempt: start it over
    tmp.mkdir(parents=True)
    argv = [*argv, "--output_dir", str(tmp)]
    (tmp / "command.txt").write_text(shlex.join([str(swift), *argv]) + "\n", encoding="utf-8")
    log = tmp / log_name
    with log.open("w", encoding="utf-8") as f:
        code = subprocess.run([str(swift), *argv], stdout=f, stderr=subprocess.STDOUT, env=_swift_env(env)).returncode
    if code != 0 or last_checkpoint(tmp) is None:
        kept = out.with_name(out.name + ".failed")
        shutil.rmtree(kept, ignore_errors=True)
        tmp.rename(kept)
        tail = kept.joinpath(log_name).read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
        raise StageFailed(kept / log_name, f"swift {argv[0]} failed (exit {code})", tail)
    _point_inside(tmp, out)
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return out


def run_swift_worker(argv: list[str], out: Path, env: dict[str, str] | None = None, swift: Path | None = None) -> None:
    """On a node of rank > 0: rank 0's `run_swift` command (same argv, same `<out>.partial`) and
    nothing else; rank 0 alone deletes, renames and logs into that folder, and this node's output
    goes to its own stdout (the job's log). torchrun starts no training process on any node
    before every node has joined rank 0's rendezvous, which opens after rank 0 made the folder,
    so nothing here lands in a folder rank 0 is about to delete. `swift`: as `run_swift`'s."""
    tmp = partial_dir(out)
    code = subprocess.run([str(swift or SWIFT), *argv, "--output_dir", str(tmp)], env=_swift_env(env)).returncode
    if code != 0:
        raise StageFailed(tmp, f"swift {argv[0]} failed on this worker node (exit {code}); its output is "
                               "in this node's log, node 0's in sft.log")


def partial_dir(out: Path) -> Path:
    """Where swift writes until the run is renamed into `out`."""
    return out.with_name(out.name + ".partial")


def _swift_env(env: dict[str, str] | None) -> dict[str, str]:
    """Ours, unbuffered (a log shows where a killed run stopped), with `env` over it."""
    return {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}


def _point_inside(tmp: Path, out: Path) -> None:
    """Checkpoints record their output folder (args.json, adapter_config.json stay usable)."""
    for path in tmp.rglob("*.json"):
        text = path.read_text(encoding="utf-8")
        if str(tmp) in text:
            path.write_text(text.replace(str(tmp), str(out)), encoding="utf-8")


def run_sft(arm: str, hw: str, model: Path, data_dir: Path, out: Path, *,
            flags: Mapping[str, Any] = MappingProxyType({}), cpu: bool = True,
            env: dict[str, str] | None = None, family: str = "qwen2_audio", swift: Path | None = None) -> Path:
    """Train one of a family's recipes with the real `swift sft` of that family's environment
    (or `swift`); returns its last checkpoint. `cpu` adds `CPU_OVERRIDES` (the only flags a CPU
    run changes); `flags` win over them."""
    argv = train_argv(arm, hw, model, data_dir, flags, cpu, family=family)
    return last_checkpoint(run_swift(argv, out, env, swift=swift or family_swift(family)))


def family_swift(family: str) -> Path | None:
    """The swift of a family's own environment; None for the toolkit's (`run_swift` then runs
    `SWIFT`, read when called, so the tests' stub swift stands in for it)."""
    fam = FAMILIES[family]
    return None if fam.env == OWN_ENV else fam.require_env().parent / "swift"
