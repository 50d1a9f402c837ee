"""Swift flags as one dict, turned into arguments in one place.

Every argv we give `swift` (a recipe's run, the toy pretraining, the quickstart) merges its
flags into one dict first (later sources win), so a flag never appears twice on a command line
and a dry run prints what swift will use."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def flag_argv(flags: Mapping[str, Any]) -> list[str]:
    """The one way our swift flags become arguments: `{"max_steps": 20, "bf16": False,
    "lora_target_modules": ["a", "b"]}` -> `--max_steps 20 --bf16 false --lora_target_modules a b`.
    Callers merge their flags into one dict first, so a flag set twice appears once."""
    argv: list[str] = []
    for key, value in flags.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        argv += [f"--{key}", *[str(v).lower() if isinstance(v, bool) else str(v) for v in values]]
    return argv
