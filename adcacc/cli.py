"""`adcacc <command>`: each library package contributes its own subcommands.

Every module in COMMAND_MODULES has `register(subparsers)`, which adds parsers whose
`func(args) -> int` does the work. Those modules import heavy libraries (torch,
swift) inside the functions, so `adcacc --help` stays fast.

Errors reach the user as one line, never a traceback (`--debug` shows it, for bug reports):
`adcacc: error: ...` exits 2 for a problem with the input (a file, a setting) and 1 for an
unexpected error, which the line asks to report. Ctrl-C at any moment from the start of
main() to the process's exit prints the one "interrupted" line and exits 130.
"""
from __future__ import annotations

import argparse
import atexit
import importlib
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

from adcacc.common.errors import InputError, StageFailed

INTERRUPTED = "adcacc: interrupted; rerun the same command to resume."
# Errors about what the user gave (exit 2; UnicodeDecodeError and JSONDecodeError are
# ValueErrors); any other is unexpected (exit 1).
INPUT_ERRORS = (InputError, OSError, ValueError, TypeError, KeyError)
# What an unexpected error means, for those whose message alone is no sentence.
_KINDS = {RecursionError: "data nested too deeply", ZeroDivisionError: "a division by zero",
          KeyError: "a missing key", IndexError: "an index out of range",
          AssertionError: "a failed internal check"}
COMMAND_MODULES = (
    "adcacc.quickstart", "adcacc.run_cli", "adcacc.data_builders.cli", "adcacc.recipes.cli", "adcacc.evals.cli",
    "adcacc.adiff_small.cli",
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


def describe(err: BaseException, command: str | None = None) -> str:
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
    kind = next((text for cls, text in _KINDS.items() if isinstance(err, cls)), None)
    message = (str(err).splitlines() or [""])[0][:300]
    detail = f"{kind} ({message})" if kind and message else kind or message or "an error without a message"
    during = f" in `adcacc {command}`" if command else ""
    if isinstance(err, MemoryError):
        return f"out of memory{during}; use smaller settings or free memory (rerun with --debug to see where)"
    if isinstance(err, INPUT_ERRORS):  # a value a check at the edges missed: likely the input's
        return f"{detail}{during}; check the input, or rerun with --debug and report the traceback"
    return f"unexpected error{during}: {detail}; rerun with --debug and report the traceback"


class _Interrupts:
    """Ctrl-C (SIGINT) during one main() call: always the one line and 130, never a traceback.

    During the work the first Ctrl-C raises KeyboardInterrupt, so `finally` blocks and worker
    pools clean up; later ones are ignored (they must not cut that cleanup short). Once the
    work is over, a program run (`owns_process`) answers a Ctrl-C, up to the process's exit
    (the console script's return, atexit, pool teardown), with the line and exit 130 at once:
    the user pressed Ctrl-C, even if the outputs were complete. Called in-process (argv
    given), main() puts the caller's handler back instead.
    """

    def __init__(self, owns_process: bool):
        self.owns_process = owns_process
        self.active = threading.current_thread() is threading.main_thread()  # signal() needs it
        self.seen = self.reported = False
        self.previous = signal.getsignal(signal.SIGINT) if self.active else None

    def start(self) -> None:
        if self.active:
            signal.signal(signal.SIGINT, self._during_work)

    def _during_work(self, signum, frame) -> None:
        if not self.seen:
            self.seen = True
            raise KeyboardInterrupt

    def _after_work(self, signum, frame) -> None:
        self.report()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a closed pipe or stream
                pass
        os._exit(130)

    def work_done(self) -> None:
        if not self.active:
            return
        if self.owns_process:
            signal.signal(signal.SIGINT, self._after_work)
        else:
            signal.signal(signal.SIGINT, self.previous if self.previous is not None else signal.SIG_DFL)

    def report(self) -> int:
        self.seen = True
        if not self.reported:
            self.reported = True
            try:
                print(INTERRUPTED, file=sys.stderr, flush=True)
            except (OSError, ValueError):  # stderr closed (the terminal gone): the status says it
                pass
        return 130


def _test_hold() -> None:
    """Test hook, for tests/adcacc/test_cli_signals.py only: with ADCACC_TEST_HOLD=<flag>, the
    process creates <flag> and waits until the test deletes it, at the moment ADCACC_TEST_HOLD_AT
    names: `exit` (while Python exits, main() having returned: an atexit callback) or a path
    component (`bases.csv`: the first open of such a file, here or in a worker forked from
    here). The test then sends Ctrl-C in a known phase instead of after a guessed delay."""
    flag, at = os.environ.get("ADCACC_TEST_HOLD"), os.environ.get("ADCACC_TEST_HOLD_AT")
    if not flag or not at:
        return
    if at == "exit":
        atexit.register(_hold, flag)
        return
    held = []

    def hold_on_open(event: str, args: tuple) -> None:
        if event == "open" and not held and isinstance(args[0], (str, os.PathLike)) \
                and at in Path(args[0]).parts:
            held.append(args[0])  # first: touching the flag opens a file too
            _hold(flag)

    sys.addaudithook(hold_on_open)


def _hold(flag: str) -> None:
    Path(flag).touch()
    while Path(flag).exists():
        time.sleep(0.01)


def _run(argv: list[str] | None) -> int:
    """Parse and run one command; an error that escapes it becomes one line and 2 or 1."""
    debug = "--debug" in (sys.argv[1:] if argv is None else argv)
    command = None
    try:
        args = build_parser().parse_args(argv)
        command = args.command
        return int(args.func(args) or 0)
    except Exception as err:  # noqa: BLE001 - the edge of the program: one line, not a traceback
        if debug:
            raise
        print(f"adcacc: error: {describe(err, command)}", file=sys.stderr)
        for line in getattr(err, "tail", []) if isinstance(err, StageFailed) else []:
            print(f"  | {line}", file=sys.stderr)
        return 2 if isinstance(err, INPUT_ERRORS) else 1


def main(argv: list[str] | None = None) -> int:
    """Run `adcacc` with `argv` (default: the command line); returns the exit status."""
    interrupts = _Interrupts(owns_process=argv is None)
    code = 130
    try:
        try:
            interrupts.start()
            _test_hold()
            code = _run(argv)
        finally:
            interrupts.work_done()
    except KeyboardInterrupt:  # also one raised inside the finally, before work_done() ran
        interrupts.work_done()
        code = interrupts.report()
    if interrupts.seen:  # caught and swallowed inside a command: still the user's Ctrl-C
        code = interrupts.report()
    return code
