"""The one launcher of `swift`: `run_swift` runs the real ms-swift CLI as a subprocess, as users
run it. Every swift argv is built from one flag dict (`recipes/swift_flags.py`): the experiment runner
(`adcacc/kinds/train.py`) builds a recipe's with `train_argv` (the toy pretraining's with
`adcacc.pretraining.pretrain_argv`) and runs it through `run_swift`, which adds `--output_dir`;
the quickstart and the tests train a recipe through `run_sft` (`train_argv` + `run_swift`).

A run writes into a temporary sibling folder and is renamed into place only when swift
exited 0 and left a checkpoint, so a killed or failed run never looks finished. The command
line (`command.txt`) and the full log (`sft.log`) are kept beside the checkpoints.
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

from adcacc.common.errors import StageFailed
from adcacc.common.vocabulary import ARMS, balanced
from adcacc.data_builders.layout import dataset_file
from adcacc.recipes.generate import RECIPE_DIR
from adcacc.recipes.spec import CPU_OVERRIDES
from adcacc.recipes.swift_flags import flag_argv

SWIFT = Path(sys.executable).parent / "swift"


def sft_argv(arm: str, hw: str, model: Path, data_dir: Path, flags: Mapping[str, Any] = MappingProxyType({}),
             samples: dict[str, int] | None = None) -> list[str]:
    """Arguments of `swift sft <recipe> ...` but `--output_dir` (`run_swift` adds it): the recipe,
    the paths, then `flags` (swift lets a flag override the recipe's value). `samples`: training
    rows drawn per dataset (swift's `path#N`: the file repeated whole, then a seeded sample)."""
    names = ARMS[arm].datasets
    train = [str(data_dir / dataset_file(s, "train")) + (f"#{samples[s]}" if samples else "") for s in names]
    return ["sft", str(RECIPE_DIR / f"{arm}_{hw}.yaml"), "--model", str(model), "--dataset", *train,
            "--val_dataset", *[str(data_dir / dataset_file(s, "val")) for s in names], *flag_argv(flags)]


def balanced_samples(arm: str, data_dir: Path) -> dict[str, int]:
    """Training rows per dataset of a joint recipe, balanced (`vocabulary.balanced`) over the
    rows `data_dir` holds."""
    return balanced({s: _count_rows(data_dir / dataset_file(s, "train")) for s in ARMS[arm].datasets})


def _count_rows(path: Path) -> int:
    with path.open("rb") as f:
        return sum(1 for line in f if line.strip())


def train_argv(arm: str, hw: str, model: Path, data_dir: Path, flags: Mapping[str, Any] = MappingProxyType({}),
               cpu: bool = True, samples: dict[str, int] | None = None) -> list[str]:
    """`sft_argv` with `flags` over the CPU overrides when `cpu` (no bf16, a few steps, no
    worker processes): one dict, so each flag appears once, the caller's value winning."""
    return sft_argv(arm, hw, model, data_dir, {**(CPU_OVERRIDES if cpu else {}), **flags}, samples)


def last_checkpoint(out: Path) -> Path | None:
    """The highest `checkpoint-N` folder holding weights (LoRA adapter or full model)."""
    found = [p for p in out.glob("checkpoint-*") if p.name.split("-")[-1].isdigit()
             and any((p / f).is_file() for f in ("adapter_model.safetensors", "model.safetensors"))]
    return max(found, key=lambda p: int(p.name.split("-")[-1]), default=None)


def run_swift(argv: list[str], out: Path, env: dict[str, str] | None = None,
              log_name: str = "sft.log") -> Path:
    """Run `swift <argv> --output_dir <out>`, writing into `out`'s temporary sibling and renaming
    it into place on success; returns `out`. Raises StageFailed with the log's tail."""
    tmp = out.with_name(out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)  # a killed earlier attempt: start it over
    tmp.mkdir(parents=True)
    argv = [*argv, "--output_dir", str(tmp)]
    (tmp / "command.txt").write_text(shlex.join([str(SWIFT), *argv]) + "\n", encoding="utf-8")
    log = tmp / log_name
    with log.open("w", encoding="utf-8") as f:
        code = subprocess.run([str(SWIFT), *argv], stdout=f, stderr=subprocess.STDOUT,
                              env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}).returncode
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


def _point_inside(tmp: Path, out: Path) -> None:
    """Checkpoints record their output folder (args.json, adapter_config.json stay usable)."""
    for path in tmp.rglob("*.json"):
        text = path.read_text(encoding="utf-8")
        if str(tmp) in text:
            path.write_text(text.replace(str(tmp), str(out)), encoding="utf-8")


def run_sft(arm: str, hw: str, model: Path, data_dir: Path, out: Path, *,
            flags: Mapping[str, Any] = MappingProxyType({}), cpu: bool = True,
            env: dict[str, str] | None = None) -> Path:
    """Train one recipe with the real `swift sft`; returns its last checkpoint.

    `cpu` adds `CPU_OVERRIDES` (the only flags a CPU run changes); `flags` win over them."""
    return last_checkpoint(run_swift(train_argv(arm, hw, model, data_dir, flags, cpu), out, env))
