"""argparse types for sizes a user sets: each refuses a value outside its range with a line
naming the limit (and why it is there), before anything runs."""
from __future__ import annotations

import argparse
import math
from typing import Callable


def int_in(low: int, high: int, why: str = "") -> Callable[[str], int]:
    """An integer from `low` to `high`; `why` says where the upper limit comes from."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low} to {high}{f' ({why})' if why else ''}, "
                                             f"got {value}")
        return value
    return parse


def float_in(low: float, high: float, why: str = "", low_open: bool = False) -> Callable[[str], float]:
    """A finite number from `low` (excluded if `low_open`) to `high`."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not (math.isfinite(value) and (low < value if low_open else low <= value) and value <= high):
            bound = f"above {low:g}" if low_open else f"from {low:g}"
            raise argparse.ArgumentTypeError(f"must be {bound} to {high:g}{f' ({why})' if why else ''}, "
                                             f"got {text}")
        return value
    return parse
