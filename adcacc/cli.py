"""`adcacc <command>`: each library package contributes its own subcommands.

Every module in COMMAND_MODULES has `register(subparsers)`, which adds parsers whose
`func(args) -> int` does the work. Those modules import heavy libraries (torch,
swift) inside the functions, so `adcacc --help` stays fast.

Errors reach the user as one line (`adcacc: error: ...`, exit 2) and Ctrl-C as one
"interrupted" line (exit 130), never a traceback; `--debug` shows the traceback for bug reports.
"""
from __future__ import annotations

import argparse
import importlib
import json
import signal
import sys

from common.errors import InputError, StageFailed

COMMAND_MODULES = (
    "adcacc.quickstart", "adcacc.run_cli", "data_builders.cli", "recipes.cli", "evals.cli",
    "adiff_small.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="adcacc",
        description="Audio difference / commonality captioning toolkit.",
    )
    parser.add_argument("--debug", action="store_true",
                        help="show the full traceback of an error (for bug reports)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def describe(err: BaseException) -> str:
    """One line for an error that escaped the checks at the edges: what and where."""
    if isinstance(err, InputError):
        return str(err)
    where = getattr(err, "filename", None)
    if isinstance(err, UnicodeDecodeError):
        return f"a file is not valid UTF-8 ({err.reason} at byte {err.start}); save it as UTF-8"
    if isinstance(err, json.JSONDecodeError):
        return f"invalid JSON at line {err.lineno} column {err.colno} ({err.msg})"
    if isinstance(err, OSError):
        target = f"{where}: " if where else ""
        return f"{target}{err.strerror or err} (check the path and its permissions)"
    return f"{type(err).__name__}: {err} (rerun with --debug for the traceback and report it)"


def main(argv: list[str] | None = None) -> int:
    debug = "--debug" in (sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(argv)
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not print a traceback
        print("adcacc: interrupted; rerun the same command to resume.", file=sys.stderr)
        return 130
    except (InputError, OSError, ValueError, TypeError, KeyError) as err:
        if debug:
            raise
        print(f"adcacc: error: {describe(err)}", file=sys.stderr)
        for line in getattr(err, "tail", []) if isinstance(err, StageFailed) else []:
            print(f"  | {line}", file=sys.stderr)
        return 2
