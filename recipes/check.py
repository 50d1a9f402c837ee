"""`adcacc recipes check`: catch a broken recipe or dataset before a GPU-hour is spent.

Each recipe is parsed by ms-swift's own `SftArguments` parser (unknown keys and invalid
values are reported as swift itself would), checked against the spec (paper
hyperparameters, effective batch 16, the hardware's quantization / DeepSpeed settings),
compared with what the generator writes, and, with `--data DIR`, every JSONL row it
trains on is verified: file present, `<audio>` tags matching `audios`, audio files present.
"""
from __future__ import annotations

import contextlib
import functools
import io
import json
import os
from pathlib import Path
from typing import Any

from adcacc.common.errors import InputError
from adcacc.common.vocabulary import ARMS
from adcacc.common.yaml_files import read_yaml
from adcacc.recipes.generate import render
from adcacc.recipes.spec import DEFAULT_DATA_DIR, EFFECTIVE_BATCH, HARDWARE, SHARED, effective_batch

PAPER_KEYS = ("lora_rank", "lora_alpha", "lora_dropout", "learning_rate",
              "weight_decay", "lr_scheduler_type", "per_device_train_batch_size", "max_length")


def recipe_argv(recipe: dict[str, Any]) -> list[str]:
    """The argv `swift sft recipe.yaml` builds from a recipe (its ENV block aside)."""
    argv: list[str] = []
    for key, value in recipe.items():
        if key == "ENV":
            continue
        argv.append(f"--{key}")
        if isinstance(value, list):
            argv += [str(v) for v in value]
        else:
            argv.append(json.dumps(value) if isinstance(value, dict) else str(value))
    return argv


@functools.lru_cache(maxsize=1)
def _sft_parser():
    from swift.arguments import SftArguments
    from transformers import HfArgumentParser

    return HfArgumentParser(SftArguments)


def swift_problems(recipe: dict[str, Any]) -> list[str]:
    """Problems ms-swift's SftArguments parser finds (unknown keys, invalid values)."""
    parser = _sft_parser()
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            _, unknown = parser.parse_known_args(recipe_argv(recipe))
    except SystemExit:
        return [err.getvalue().strip().splitlines()[-1]]
    # a leftover value (a list given to a one-value flag: `num_train_epochs: [1, 2]`) is
    # refused by `swift sft`, so it is a problem here too; values of an unknown flag are not
    problems, after_unknown_flag = [], False
    for u in unknown:
        if u.startswith("--"):
            problems.append(f"unknown ms-swift argument {u}")
            after_unknown_flag = True
        elif not after_unknown_flag:
            problems.append(f"value {u!r} left over: a key holds more values than ms-swift takes")
    return problems


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
        problems.append("4-bit bnb quantization must be set exactly for the qloran arm")
    distributed = HARDWARE[hw].nproc > 1
    if bool(recipe.get("deepspeed")) != distributed:
        problems.append("deepspeed belongs to the multi-GPU arm only")
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


def check_recipe(path: Path, data_dir: Path | None) -> dict[str, str]:
    """One table row: each column 'ok' or the first problem found."""
    arm, hw = _split_name(path)
    recipe = load_recipe(path)
    swift = swift_problems(recipe)
    try:
        hardware = hardware_problems(recipe, hw)
    except (TypeError, ValueError, AttributeError) as err:  # e.g. gradient_accumulation_steps: null
        hardware = [f"a batch or hardware setting has the wrong type ({err})"]
    current = path.read_text(encoding="utf-8") == render(arm, hw)
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


def _split_name(path: Path) -> tuple[str, str]:
    for hw in sorted(HARDWARE, key=len, reverse=True):
        arm = path.stem.removesuffix("_" + hw)
        if path.stem.endswith("_" + hw) and arm in ARMS:
            return arm, hw
    raise InputError(path, f"recipe name must be <arm>_<hardware>.yaml with arm in "
                           f"{sorted(ARMS)} and hardware in {sorted(HARDWARE)}")


def print_table(rows: list[dict[str, str]]) -> None:
    cols = list(rows[0])
    widths = {c: max(len(c), *(len(r[c]) for r in rows)) for c in cols}
    print("  ".join(c.ljust(widths[c]) for c in cols))
    for r in rows:
        print("  ".join(r[c].ljust(widths[c]) for c in cols))


def run_check(recipe_dir: Path, data_dir: Path | None) -> int:
    """Print the table; with `data_dir`, verify every row of every dataset used."""
    paths = sorted(recipe_dir.glob("*.yaml"))
    if not paths:
        raise InputError(recipe_dir, "no recipe YAMLs here")
    rows = [check_recipe(p, data_dir) for p in paths]
    print_table(rows)
    bad = [r for r in rows if any(v != "ok" for k, v in r.items()
                                  if k not in ("recipe", "data"))]
    if data_dir is not None:
        from adcacc.recipes.lengths import file_lengths

        limits: dict[Path, int] = {}
        for p in paths:
            recipe = load_recipe(p)
            for f in dataset_files(recipe, data_dir):
                limits[f] = min(limits.get(f, 10**9), int(recipe.get("max_length", 10**9)))
        for f in sorted(limits):
            rows = verify_dataset(f)
            lengths = file_lengths(f, _audio_path)
            over = sum(n > limits[f] for n in lengths)
            print(f"{f}: {rows} rows ok; true length (audio expanded) max {max(lengths)} tokens, "
                  f"{over} rows over max_length {limits[f]}")
    elif any(r["data"] != "ok" for r in rows):
        print(f"datasets not built yet: run `adcacc build --out {DEFAULT_DATA_DIR}`, then "
              f"`adcacc recipes check --data {DEFAULT_DATA_DIR}`")
    if bad:
        print(f"{len(bad)} recipe(s) have problems (see table)")
    return 1 if bad else 0
