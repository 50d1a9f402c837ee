"""`adcacc <command>`: each library package contributes its own subcommands.

Every module in COMMAND_MODULES has `register(subparsers)`, which adds parsers whose
`func(args) -> int` does the work. Those modules import heavy libraries (torch,
swift) inside the functions, so `adcacc --help` stays fast.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from common.errors import InputError

COMMAND_MODULES = (
    "adcacc.quickstart", "data_builders.cli", "recipes.cli", "evals.cli", "adiff_small.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="adcacc",
        description="Audio difference / commonality captioning toolkit.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except InputError as err:
        print(f"adcacc: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("adcacc: interrupted; rerun the same command to resume.", file=sys.stderr)
        return 130
