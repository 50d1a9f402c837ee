"""Claims about arms, and their verdicts from an effect's bootstrap interval.

A claim compares two arms on one metric: effect = metric(a) - metric(b), averaged over
seeds, with the 95% hierarchical-bootstrap interval (adcacc.evals.comparison.bootstrap). The verdict reads
only the interval, so no claim is worded beyond what the numbers show:
  greater      holds if the interval is above 0, fails if below 0, else inconclusive
  less         the mirror image
  equivalent   holds if the interval lies inside [-margin, margin], fails if it lies
               entirely outside it, else inconclusive
`eval_set` names one eval set or a group: "retention" (the mean over all retention eval
sets compared, per seed and per resample) or "captioning" (the same over captioning sets).
A claim's `role` is "claim" (a finding) or "control" (a positive or negative control: a check
of the instrument, like the preconditions, reported and plotted apart from the findings).

Several claims are read together, so beside each verdict stands a family-wise one: Holm's
step-down adjustment of bootstrap p-values over the findings (role "claim"). Holm rather
than simultaneous intervals because it needs no model of how the claims' effects co-vary
(they mix metrics, eval sets and equivalence tests), controls the family-wise error at 5%
under any dependence, and is never less powerful than Bonferroni. Preconditions and controls
are not in the family: the findings are read only if every one of them holds, and requiring
all of several tests to pass (an intersection-union test) needs no adjustment.

Where a verdict is inconclusive, `detectable` says how large an effect this design could
have detected: (1.96 + 0.84) x the bootstrap standard error of the effect (80% power, 5%
two-sided) for greater/less; for an equivalence claim, (1.96 + 1.28) x the standard error is
the smallest margin within which equivalence could be shown when the true effect is 0 (80%
power, each side tested at 2.5% as the 95% interval does).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from adcacc.common.errors import InputError

Direction = Literal["greater", "less", "equivalent"]
Role = Literal["claim", "control"]
ALPHA = 0.05
DETECTABLE_FORMULA = ("(1.96 + 0.84) x bootstrap SE of the effect (80% power, 5% two-sided); equivalence: "
                      "(1.96 + 1.28) x SE, the smallest margin showable when the true effect is 0")
POWER_Z = {"greater": 1.96 + 0.84, "less": 1.96 + 0.84, "equivalent": 1.96 + 1.28}
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
    role: Role = "claim"


def twice_chance(gate: Claim, task: str) -> tuple[Claim, float]:
    """The check beside a base-vs-majority-class gate on a retention proxy: the base's strict
    accuracy is at least twice chance (2 / the number of labels; experiment_design.md), since a
    base near chance has nothing to lose and a weak majority class can be beaten while still near
    it. Returns the check and its floor."""
    from adcacc.evals.sets.tasks import TASK_LABELS

    floor = 2.0 / len(TASK_LABELS[task])
    return Claim(f"{gate.a}_twice_chance_{gate.eval_set}",
                 f"The base model is at least twice chance ({floor:.3f}) on {gate.eval_set}",
                 "accuracy_strict", gate.eval_set, gate.a, "twice chance", "greater"), floor


def check_claim(claim: Claim, arms: list[str], tasks: dict[str, str]) -> list[str]:
    """The eval sets the claim averages over; InputError if it names what was not compared."""
    where = f"claim {claim.id!r}"
    for arm in (claim.a, claim.b):
        if arm not in arms:
            raise InputError(None, f"{where}: arm {arm!r} is not compared (arms: {', '.join(arms)})")
    if claim.direction not in ("greater", "less", "equivalent"):
        raise InputError(None, f"{where}: direction must be greater, less or equivalent, not {claim.direction!r}")
    if claim.role not in ("claim", "control"):
        raise InputError(None, f"{where}: role must be claim or control, not {claim.role!r}")
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


def p_value(direction: Direction, effects: np.ndarray, margin: float = 0.0) -> tuple[float, str]:
    """(bootstrap p-value, the verdict it decides: "holds" or "fails") from resampled effects.

    The p-value is the smallest alpha at which the (alpha/2, 1 - alpha/2) percentile interval
    would give that decisive verdict, so p < 0.05 matches the 95% interval's verdict. For
    "greater": holds at 2 x the share of resamples with effect <= 0, fails at 2 x the share
    >= 0 ("less" mirrored). For "equivalent" (two one-sided tests): holds at 2 x the larger of
    the shares <= -margin and >= margin, fails at 2 x the smaller of the shares <= margin and
    >= -margin. Shares count (k + 1) / (n + 1), so no p-value is 0."""
    n = len(effects)

    def share(mask: np.ndarray) -> float:
        return (int(np.count_nonzero(mask)) + 1) / (n + 1)

    if direction == "equivalent":
        holds = 2 * max(share(effects <= -margin), share(effects >= margin))
        fails = 2 * min(share(effects <= margin), share(effects >= -margin))
    else:
        sign = 1.0 if direction == "greater" else -1.0
        holds, fails = 2 * share(sign * effects <= 0), 2 * share(sign * effects >= 0)
    return (min(1.0, holds), "holds") if holds <= fails else (min(1.0, fails), "fails")


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the input order."""
    m, adjusted, running = len(p_values), [0.0] * len(p_values), 0.0
    for rank, i in enumerate(sorted(range(m), key=lambda j: p_values[j])):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def detectable(direction: Direction, effects: np.ndarray) -> float:
    """The smallest effect (for "equivalent": margin) this design detects with 80% power."""
    spread = float(np.std(effects, ddof=1)) if len(effects) > 1 else 0.0
    return POWER_Z[direction] * spread


def family_wise(records: list[dict]) -> dict:
    """Holm over the available findings; sets each one's "p_holm" and "verdict_holm"."""
    tested = [r for r in records if r.get("role", "claim") == "claim" and "p" in r]
    for rec, adjusted in zip(tested, holm([r["p"] for r in tested])):
        rec["p_holm"] = adjusted
        decided = adjusted < ALPHA and rec["p_decides"] == rec["verdict"]
        rec["verdict_holm"] = rec["verdict"] if decided else "inconclusive (not significant after Holm)"
    return {"method": "holm", "alpha": ALPHA, "n_tested": len(tested), "detectable": DETECTABLE_FORMULA,
            "decisive": sum(r["verdict_holm"] in ("holds", "fails") for r in tested),
            "not_tested": [r["id"] for r in records if r.get("role", "claim") == "claim" and "p" not in r]}
