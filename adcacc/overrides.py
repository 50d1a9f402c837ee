"""The `overrides:` of an experiment file: `swift sft` flags an arm's recipe takes on top.

The runner owns some flags (paths, seeds, what is resumed); the rest are checked for a flag
name's shape, values swift cannot misread as flags, and sizes in range."""
from __future__ import annotations

import math
import re
from typing import Any

from adcacc.config_reader import Reader

# `swift sft` flags the runner sets itself; an override of one would write outside --out, train
# on other data, or break resuming, so it is refused with the reason.
RUNNER_OWNS = {
    **dict.fromkeys(("output_dir", "logging_dir"), "set by adcacc run (each stage writes inside --out)"),
    **dict.fromkeys(("model", "model_type", "adapters", "ckpt_dir"),
                    "set by adcacc run from model.id or model.tiny"),
    **dict.fromkeys(("dataset", "val_dataset", "cached_dataset"),
                    "set by adcacc run (the experiment's own build)"),
    **dict.fromkeys(("seed", "data_seed"), "set by adcacc run from seeds (one training per seed)"),
    **dict.fromkeys(("resume_from_checkpoint", "resume_only_model"),
                    "adcacc run resumes from its own stage records"),
    **dict.fromkeys(("add_version", "deepspeed"), "set by the recipe of `hardware`"),
    **dict.fromkeys(("custom_register_path", "external_plugins"), "would import Python code from a path"),
    **dict.fromkeys(("push_to_hub", "hub_model_id", "hub_token", "hub_private_repo"),
                    "would upload the run; publish a finished checkpoint yourself"),
}
# (integer?, lowest, highest) of sizes swift is given; our bounds, wide enough for any real run
OVERRIDE_RANGES: dict[str, tuple[bool, float, float]] = {
    "max_steps": (True, 1, 10**7), "num_train_epochs": (False, 1e-3, 1e4),
    "learning_rate": (False, 1e-12, 1.0), "warmup_ratio": (False, 0.0, 1.0), "weight_decay": (False, 0.0, 1.0),
    **dict.fromkeys(("per_device_train_batch_size", "per_device_eval_batch_size", "gradient_accumulation_steps",
                     "lora_rank", "lora_alpha"), (True, 1, 1024)),
    **dict.fromkeys(("save_steps", "eval_steps", "logging_steps", "save_total_limit"), (True, 1, 10**7)),
    "max_length": (True, 1, 131072), "dataloader_num_workers": (True, 0, 64), "dataset_num_proc": (True, 1, 64),
}
FLAG = re.compile(r"[a-z][a-z0-9_]*")  # a swift flag name; `max_steps=1 --output_dir x` is not one


def check_overrides(r: Reader, key: str = "overrides") -> dict[str, Any]:
    """`swift sft` flags: refused if the runner owns them, if a value could be read as another
    flag, or if a size is out of range (OVERRIDE_RANGES)."""
    node = r.get(key, dict, {})
    for flag, value in node.items():
        if not isinstance(flag, str) or not FLAG.fullmatch(flag):
            r.fail(f"{flag!r} is not a swift flag name (lower-case letters, digits and _)", key)
        at = f"{key}.{flag}"
        if flag in RUNNER_OWNS:
            r.fail(f"{RUNNER_OWNS[flag]}; remove it", at)
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, bool) or (isinstance(v, (int, float)) and math.isfinite(v)):
                continue
            if not isinstance(v, str):
                r.fail(f"must be a number, true/false, a string or a list of them, got {v!r}", at)
            if v.startswith("-") or not v.isprintable():
                r.fail(f"{v!r}: a value may not start with '-' (swift would read it as a flag) "
                       "or hold control characters", at)
        if flag in OVERRIDE_RANGES and _size(value, *OVERRIDE_RANGES[flag]) is None:
            integer, low, high = OVERRIDE_RANGES[flag]
            r.fail(f"must be {'an integer' if integer else 'a number'} from {_number(low)} to "
                   f"{_number(high)}, got {value!r}", at)
    return node


def _number(value: float) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"


def _size(value: Any, integer: bool, low: float, high: float) -> float | None:
    """`value` as swift will parse it (a YAML string such as "1e-4" included), if in range."""
    try:
        number = (int(value) if integer else float(value)) if isinstance(value, str) else value
    except ValueError:
        return None
    valid = isinstance(number, int) if integer else isinstance(number, (int, float))
    if isinstance(number, bool) or not valid or not math.isfinite(number) or not low <= number <= high:
        return None
    return number
