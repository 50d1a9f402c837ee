"""`adcacc` main(): any error that escapes a command is one sentence on one line, exit 2 for
the input's problems and 1 for unexpected ones; --debug shows the traceback."""
from __future__ import annotations

import argparse

import pytest

from adcacc import cli
from adcacc.common.errors import InputError


def _parser_raising(err: BaseException):
    def build_parser() -> argparse.ArgumentParser:
        parser = argparse.ArgumentParser(prog="adcacc")
        parser.add_argument("--debug", action="store_true")
        sub = parser.add_subparsers(dest="command", required=True)

        def boom(args):
            raise err

        sub.add_parser("boom").set_defaults(func=boom)
        return parser
    return build_parser


@pytest.mark.parametrize("err, code, words", [
    (RecursionError("maximum recursion depth exceeded"), 1, "data nested too deeply"),
    (RuntimeError("PTB tokenize error: expected 4 lines"), 1, "PTB tokenize error"),
    (ZeroDivisionError("float division by zero"), 1, "a division by zero"),
    (MemoryError(), 1, "out of memory in `adcacc boom`; use smaller settings"),
    (AssertionError(), 1, "a failed internal check"),
    (KeyError("split"), 2, "a missing key ('split')"),
    (InputError("x.csv", "bad row", row=3), 2, "x.csv row 3: bad row"),
])
def test_an_escaped_error_is_one_sentence_and_an_exit_code(monkeypatch, capsys, err, code, words):
    monkeypatch.setattr(cli, "build_parser", _parser_raising(err))
    assert cli.main(["boom"]) == code
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("adcacc: error: ") and words in lines[0], lines
    assert type(err).__name__ not in lines[0]  # a sentence, not a raw exception name
    if code == 1:
        assert "unexpected error in `adcacc boom`" in lines[0] or "out of memory" in lines[0]
        assert "--debug" in lines[0]


def test_debug_shows_the_traceback(monkeypatch):
    monkeypatch.setattr(cli, "build_parser", _parser_raising(ZeroDivisionError("x")))
    with pytest.raises(ZeroDivisionError):
        cli.main(["--debug", "boom"])


def test_ctrl_c_inside_a_command_is_the_one_line(monkeypatch, capsys):
    import signal

    before = signal.getsignal(signal.SIGINT)
    monkeypatch.setattr(cli, "build_parser", _parser_raising(KeyboardInterrupt()))
    assert cli.main(["boom"]) == 130
    assert capsys.readouterr().err.splitlines() == [cli.INTERRUPTED]
    assert signal.getsignal(signal.SIGINT) is before  # called in-process: the caller's handler is back
