"""Claims about arms, and their verdicts from an effect's bootstrap interval.

A claim compares two arms on one metric: effect = metric(a) - metric(b), averaged over
seeds, with the 95% hierarchical-bootstrap interval (evals.bootstrap). The verdict reads
only the interval, so no claim is worded beyond what the numbers show:
  greater      holds if the interval is above 0, fails if below 0, else inconclusive
  less         the mirror image
  equivalent   holds if the interval lies inside [-margin, margin], fails if it lies
               entirely outside it, else inconclusive
`eval_set` names one eval set or a group: "retention" (the mean over all retention eval
sets compared, per seed and per resample) or "captioning" (the same over captioning sets).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from common.errors import InputError

Direction = Literal["greater", "less", "equivalent"]
GROUPS = {"retention": lambda task: task != "caption", "captioning": lambda task: task == "caption"}


@dataclass(frozen=True)
class Claim:
    id: str
    text: str
    metric: str
    eval_set: str  # an eval set name, or a group in GROUPS
    a: str
    b: str
    direction: Direction
    margin: float = 0.0


def check_claim(claim: Claim, arms: list[str], tasks: dict[str, str]) -> list[str]:
    """The eval sets the claim averages over; InputError if it names what was not compared."""
    where = f"claim {claim.id!r}"
    for arm in (claim.a, claim.b):
        if arm not in arms:
            raise InputError(None, f"{where}: arm {arm!r} is not compared (arms: {', '.join(arms)})")
    if claim.direction not in ("greater", "less", "equivalent"):
        raise InputError(None, f"{where}: direction must be greater, less or equivalent, not {claim.direction!r}")
    if claim.a == claim.b:
        raise InputError(None, f"{where}: compares arm {claim.a!r} with itself; name two different arms")
    if not (math.isfinite(claim.margin) and claim.margin >= 0):
        raise InputError(None, f"{where}: margin must be a finite number >= 0, got {claim.margin}")
    if claim.direction == "equivalent" and claim.margin == 0:
        raise InputError(None, f"{where}: an equivalence claim needs a margin > 0")
    if claim.eval_set in GROUPS:
        sets = sorted(s for s, task in tasks.items() if GROUPS[claim.eval_set](task))
    else:
        sets = [claim.eval_set] if claim.eval_set in tasks else []
    if not sets:
        raise InputError(None, f"{where}: no eval set {claim.eval_set!r} among those compared "
                               f"({', '.join(sorted(tasks))}; groups: {', '.join(GROUPS)})")
    return sets


def verdict(direction: Direction, low: float, high: float, margin: float = 0.0) -> str:
    """'holds', 'fails' or 'inconclusive (...)' from the effect's 95% interval."""
    if direction == "equivalent":
        if -margin <= low and high <= margin:
            return "holds"
        if high < -margin or low > margin:
            return "fails"
        return f"inconclusive (CI overlaps ±{margin:g} but is not inside it)"
    if direction == "less":
        low, high = -high, -low
    if low > 0:
        return "holds"
    if high < 0:
        return "fails"
    return "inconclusive (CI includes 0)"
