"""Command lines that run a recipe on CPU with a local model and `adcacc build` data.

Used by the quickstart and the swift end-to-end tests, so both launch recipes the same
way: the recipe file, then only the paths and `CPU_OVERRIDES` (later flags win).
"""
from __future__ import annotations

from pathlib import Path

from data_builders.layout import dataset_file
from recipes.generate import RECIPE_DIR
from recipes.spec import CPU_OVERRIDES, TASKS


def sft_argv(task: str, hw: str, model: Path, data_dir: Path, out: Path) -> list[str]:
    """Arguments of `swift sft <recipe> ...` for one task and hardware recipe."""
    splits = TASKS[task]["splits"]
    return ["sft", str(RECIPE_DIR / f"{task}_{hw}.yaml"), "--model", str(model),
            "--dataset", *[str(data_dir / dataset_file(s, "train")) for s in splits],
            "--val_dataset", *[str(data_dir / dataset_file(s, "val")) for s in splits],
            "--output_dir", str(out), *CPU_OVERRIDES]
