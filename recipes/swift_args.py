"""ms-swift's own `SftArguments` parser, run in the environment of the family a recipe is for.

Each environment has its own ms-swift and transformers (common/model_families.py), and a recipe is
valid or not by the parser of the swift that will run it. The toolkit's own environment parses
in this process; another is asked through its Python (`python -m adcacc.recipes.swift_args`,
recipes as JSON on stdin, their problems as JSON on stdout), one call for all its recipes.
"""
from __future__ import annotations

import contextlib
import functools
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from adcacc.common.errors import InputError


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
    """Problems this environment's ms-swift parser finds (unknown keys, invalid values)."""
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


def problems_in(python: Path, recipes: list[dict[str, Any]]) -> list[list[str]]:
    """`swift_problems` of each recipe by the ms-swift of `python`'s environment."""
    if python == Path(sys.executable):
        return [swift_problems(r) for r in recipes]
    done = subprocess.run([str(python), "-m", "adcacc.recipes.swift_args"], input=json.dumps(recipes),
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise InputError(python, f"its ms-swift parser did not run ({tail}); rebuild it with `bash scripts/setup.sh`")
    return json.loads(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":  # in another family's environment: recipes on stdin, problems on stdout
    print(json.dumps([swift_problems(r) for r in json.load(sys.stdin)]))
