"""`adcacc recipes check`: catch a broken recipe or dataset before a GPU-hour is spent.

Each recipe is parsed by ms-swift's own `SftArguments` parser, that of its family's environment
(unknown keys and invalid values are reported as swift itself would), checked against the spec (paper
hyperparameters, effective batch 16, the hardware's quantization / DeepSpeed settings),
compared with what the generator writes, and, with `--data DIR`, every JSONL row it
trains on is verified: file present, `<audio>` tags matching `audios`, audio files present.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from adcacc.common.errors import InputError
from adcacc.common.model_families import FAMILIES, family
from adcacc.common.vocabulary import ARMS
from adcacc.common.yaml_files import read_yaml
from adcacc.recipes.generate import recipe_dir, render
from adcacc.recipes.spec import DEFAULT_DATA_DIR, EFFECTIVE_BATCH, HARDWARE, SHARED, effective_batch
from adcacc.recipes.swift_args import problems_in

PAPER_KEYS = ("lora_rank", "lora_alpha", "lora_dropout", "learning_rate",
              "weight_decay", "lr_scheduler_type", "per_device_train_batch_size", "max_length")


def hardware_problems(recipe: dict[str, Any], hw: str) -> list[str]:
    """Settings that contradict the paper or the recipe's hardware."""
    problems = []
    paper = {k: v for k, v, _ in SHARED if k in PAPER_KEYS}
    problems += [f"{k}={recipe.get(k)!r}, paper says {v!r}" for k, v in paper.items()
                 if recipe.get(k) != v]
    if effective_batch(recipe) != EFFECTIVE_BATCH:
        problems.append(f"effective batch {effective_batch(recipe)} != {EFFECTIVE_BATCH}")
    quantized = recipe.get("quant_method") == "bnb" and recipe.get("quant_bits") == 4
    if quantized != hw.endswith("qlora"):
        problems.append("4-bit bnb quantization must be set exactly for the qlora machine")
    if bool(recipe.get("deepspeed")) != HARDWARE[hw].deepspeed:
        problems.append(f"deepspeed {'belongs to' if HARDWARE[hw].deepspeed else 'is not used on'} the {hw} machine")
    if recipe.get("torch_dtype") != "bfloat16":
        problems.append("torch_dtype must be bfloat16 on these GPUs")
    return problems


def dataset_files(recipe: dict[str, Any], data_dir: Path | None) -> list[Path]:
    """The train/val JSONL paths of a recipe, re-rooted at `data_dir` when given."""
    paths = []
    for key in ("dataset", "val_dataset"):
        values = recipe.get(key, [])
        for value in values if isinstance(values, list) else [values]:
            path = Path(value)
            if data_dir is not None and value.startswith(DEFAULT_DATA_DIR + "/"):
                path = data_dir / path.name
            paths.append(path)
    return paths


def verify_dataset(path: Path) -> int:
    """Check every row of one ms-swift JSONL; return the row count or raise InputError."""
    if not path.is_file():
        raise InputError(path, "dataset file not found; build it with `adcacc build --out "
                               f"{path.parent}` or pass --dataset")
    from tqdm import tqdm

    rows = 0
    with path.open(encoding="utf-8") as f:
        lines = tqdm(f, desc=path.name, unit=" rows", disable=None, leave=False)
        for rows, line in enumerate(lines, start=1):
            _verify_row(path, rows, line)
    if rows == 0:
        raise InputError(path, "dataset is empty")
    return rows


def _verify_row(path: Path, row: int, line: str) -> None:
    try:
        record = json.loads(line)
    except (json.JSONDecodeError, RecursionError) as err:
        why = err.msg if isinstance(err, json.JSONDecodeError) else "nested too deeply"
        raise InputError(path, f"not valid JSON ({why})", row) from None
    if not isinstance(record, dict):
        raise InputError(path, "a row must be a JSON object", row)
    messages, audios = record.get("messages"), record.get("audios")
    if not isinstance(messages, list) or not isinstance(audios, list):
        raise InputError(path, "needs a 'messages' list and an 'audios' list", row)
    roles = [m.get("role") if isinstance(m, dict) else None for m in messages]
    if "user" not in roles or roles[-1] != "assistant":
        raise InputError(path, f"messages must contain a user turn and end with the "
                               f"assistant's target, got roles {roles}", row)
    tags = sum(str(m.get("content", "")).count("<audio>") for m in messages)
    if tags != len(audios):
        raise InputError(path, f"{tags} <audio> tag(s) but {len(audios)} audio path(s)", row)
    for audio in audios:
        if not _audio_found(str(audio)):
            hint = ""
            if (path.parent / audio).is_file():
                hint = (f" (it is relative to the dataset folder: set ROOT_IMAGE_DIR="
                        f"{path.parent}, which ms-swift also reads)")
            raise InputError(path, f"audio file not found: {audio}{hint}", row)


def _audio_path(audio: str) -> Path:
    """As ms-swift resolves a media path: as given (cwd), else under $ROOT_IMAGE_DIR."""
    root = os.environ.get("ROOT_IMAGE_DIR")
    if Path(audio).is_file() or root is None:
        return Path(audio)
    return Path(root) / audio


def _audio_found(audio: str) -> bool:
    return _audio_path(audio).is_file()


def check_recipe(path: Path, data_dir: Path | None, fam: str = "qwen2_audio",
                 swift: list[str] | None = None, recipe: dict[str, Any] | None = None) -> dict[str, str]:
    """One table row: each column 'ok' or the first problem found. `swift`: the family's ms-swift
    parser's problems with it, when already asked (`problems_in`, one call per environment);
    `recipe`: the file as `load_recipe` read it, when already read."""
    arm, hw = _split_name(path, fam)
    recipe = load_recipe(path) if recipe is None else recipe
    if swift is None:
        swift = problems_in(FAMILIES[fam].require_env(), [recipe])[0]
    try:
        hardware = hardware_problems(recipe, hw)
    except (TypeError, ValueError, AttributeError) as err:  # e.g. gradient_accumulation_steps: null
        hardware = [f"a batch or hardware setting has the wrong type ({err})"]
    current = path.read_text(encoding="utf-8") == render(arm, hw, fam)
    files = dataset_files(recipe, data_dir)
    missing = [str(p) for p in files if not p.is_file()]
    data = "ok" if not missing else f"missing {missing[0]}"
    return {"recipe": path.name, "swift args": swift[0] if swift else "ok",
            "hardware": hardware[0] if hardware else "ok",
            "generated": "ok" if current else "stale: run `adcacc recipes generate`",
            "data": data}


def load_recipe(path: Path) -> dict[str, Any]:
    """A recipe YAML as the mapping ms-swift expects, or a one-line InputError."""
    recipe = read_yaml(path)
    if not isinstance(recipe, dict):
        raise InputError(path, "a recipe must be a mapping of ms-swift arguments")
    env = recipe.get("ENV", {})
    if not isinstance(env, dict) or not all(isinstance(v, (str, int, float)) for v in env.values()):
        raise InputError(path, f"ENV must map variable names to plain values, got {env!r}")
    for key in ("dataset", "val_dataset"):
        values = recipe.get(key, [])
        if not all(isinstance(v, str) for v in (values if isinstance(values, list) else [values])):
            raise InputError(path, f"{key} must be a path or a list of paths, got {values!r}")
    return recipe


def _split_name(path: Path, fam: str) -> tuple[str, str]:
    machines = FAMILIES[fam].hardware
    for hw in sorted(machines, key=len, reverse=True):
        arm = path.stem.removesuffix("_" + hw)
        if path.stem.endswith("_" + hw) and arm in ARMS:
            return arm, hw
    raise InputError(path, f"recipe name must be <arm>_<hardware>.yaml with arm in "
                           f"{sorted(ARMS)} and hardware in {sorted(machines)} (the {fam} family's machines)")


def print_table(rows: list[dict[str, str]]) -> None:
    cols = list(rows[0])
    widths = {c: max(len(c), *(len(r[c]) for r in rows)) for c in cols}
    print("  ".join(c.ljust(widths[c]) for c in cols))
    for r in rows:
        print("  ".join(r[c].ljust(widths[c]) for c in cols))


def recipe_files(fam: str, folder: Path | None = None) -> list[Path]:
    """A family's recipe files (its folder, or `folder`), each named for one of its machines."""
    folder = folder or recipe_dir(fam)
    paths = sorted(folder.glob("*.yaml"))
    if not paths:
        raise InputError(folder, "no recipe YAMLs here")
    for p in paths:
        _split_name(p, fam)  # a misnamed file is one line before any parser starts
    return paths


def parse_all(found: dict[str, list[Path]], recipes: dict[Path, dict[str, Any]]) -> dict[Path, list[str]]:
    """Each recipe's problems by its family's ms-swift parser: one call per environment."""
    by_python: dict[Path, list[Path]] = {}
    for fam, paths in found.items():
        by_python.setdefault(family(fam).require_env(), []).extend(paths)
    problems: dict[Path, list[str]] = {}
    for python, paths in by_python.items():
        problems.update(zip(paths, problems_in(python, [recipes[p] for p in paths])))
    return problems


def run_check(families: list[str], data_dir: Path | None, folder: Path | None = None) -> int:
    """Print each family's table (`folder`: one family's recipes kept elsewhere); with
    `data_dir`, verify every row of every dataset used."""
    found = {fam: recipe_files(fam, folder) for fam in families}
    recipes = {p: load_recipe(p) for ps in found.values() for p in ps}
    swift = parse_all(found, recipes)
    rows = []
    for fam, files in found.items():
        table = [check_recipe(p, data_dir, fam, swift[p], recipes[p]) for p in files]
        print(f"{fam} ({FAMILIES[fam].env}'s ms-swift parser): {folder or recipe_dir(fam)}")
        print_table(table)
        rows += table
    bad = [r for r in rows if any(v != "ok" for k, v in r.items()
                                  if k not in ("recipe", "data"))]
    if data_dir is not None:
        _check_datasets(list(recipes.values()), data_dir)
    elif any(r["data"] != "ok" for r in rows):
        print(f"datasets not built yet: run `adcacc build --out {DEFAULT_DATA_DIR}`, then "
              f"`adcacc recipes check --data {DEFAULT_DATA_DIR}`")
    if bad:
        print(f"{len(bad)} recipe(s) have problems (see table)")
    return 1 if bad else 0


def _check_datasets(recipes: list[dict[str, Any]], data_dir: Path) -> None:
    """Verify every row of each dataset the recipes train on, and print its true token lengths
    against the smallest max_length that reads it."""
    from adcacc.recipes.lengths import file_lengths

    limits: dict[Path, int] = {}
    for recipe in recipes:
        for f in dataset_files(recipe, data_dir):
            limits[f] = min(limits.get(f, 10**9), int(recipe.get("max_length", 10**9)))
    for f in sorted(limits):
        count = verify_dataset(f)
        lengths = file_lengths(f, _audio_path)
        over = sum(n > limits[f] for n in lengths)
        print(f"{f}: {count} rows ok; true length (audio expanded) max {max(lengths)} tokens, "
              f"{over} rows over max_length {limits[f]}")
