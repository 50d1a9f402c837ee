"""Captions for the base scenes, written by templates from the labels of their sounds.

A scene is a lasting background sound (the bed) and 1-3 foreground sounds in onset order.
Five templates give five paraphrases (captions.csv, an AudioCaps-like 5-reference eval set);
the first is the scene's caption in bases.csv. They are templated, not human-written like
AudioCaps', and the data card says so.
"""
from __future__ import annotations

from adcacc.data_builders.corpus.catalog import LABELS


def join(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _cap(text: str) -> str:
    return text[0].upper() + text[1:] + "."


def scene_captions(bed: str, foreground: list[str]) -> list[str]:
    """Five paraphrases for a scene; `foreground` labels are in onset order."""
    if not foreground:
        raise ValueError("a scene needs at least one foreground sound")
    b = LABELS[bed]
    fg = [LABELS[name] for name in foreground]
    clauses = [f.clause for f in fg]
    nps = [f.np for f in fg]
    then = clauses[0] + "".join(f", then {c}" for c in clauses[1:])
    return [
        _cap(f"{b.clause} while {join(clauses)}"),
        _cap(f"{join(nps)} can be heard over {b.np}"),
        _cap(f"{then}, with {b.np} in the background"),
        _cap(f"against a background of {b.np}, {join(clauses)}"),
        _cap(f"the sound of {b.np}, with {join(nps)}"),
    ]
