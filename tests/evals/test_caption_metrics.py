"""The scorer's input checks and text normalisation, before any Java runs."""
from __future__ import annotations

import sys
import unicodedata

from adcacc.evals.caption_metrics import one_line


def test_one_line_turns_every_line_break_and_control_into_a_space():
    odd = [c for c in map(chr, range(sys.maxunicode + 1))
           if len(f"a{c}b".splitlines()) > 1 or unicodedata.category(c) in ("Cc", "Zl", "Zp")]
    assert {"\r", "\n", "\x0b", "\x0c", "\x85", "\u2028", "\u2029", "\x00", "\x80"} <= set(odd)
    assert one_line("".join(f"x{c}" for c in odd)) == " ".join("x" * len(odd)) + " "
    assert one_line("a dog barks, très fort — 犬") == "a dog barks, très fort — 犬"
