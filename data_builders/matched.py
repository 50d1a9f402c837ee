"""The step-matched control arm: AC rows repeated to match the ACC arm's optimizer steps and
target tokens.

ACC sees every base six times (six pairs) and AC once, so "ACC beats AC" could mean
"commonality targets help" or just "six times the steps on caption-like targets". The
control `ac_matched` trains on exactly as many rows as ACC (same steps under the same
recipe) drawn from the AC rows, with the repeats chosen so its target tokens are within
`tolerance` of ACC's. Our control: no published setup has one.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

from adcacc.common.errors import InputError
from adcacc.common.files import write_text
from adcacc.common.swift_rows import SwiftRow, read_swift_rows
from adcacc.data_builders.layout import dataset_file


def _rows(path: Path) -> list[SwiftRow]:
    """The rows of one ms-swift JSONL written by `adcacc build`."""
    if not path.is_file():
        raise InputError(path, "dataset file not found; run `adcacc build` first")
    return [row for _, row in read_swift_rows(path)]


def matched_counts(ac_tokens: list[int], n_rows: int, goal: int) -> list[int]:
    """How often to repeat each AC row: `n_rows` repeats in all, total tokens near `goal`.

    Starts from an even round-robin, then moves single repeats from the shortest rows to the
    longest (or the reverse, when over the goal) while each move brings the total closer."""
    n = len(ac_tokens)
    counts = [n_rows // n + (i < n_rows % n) for i in range(n)]
    total = sum(c * t for c, t in zip(counts, ac_tokens))
    order = sorted(range(n), key=lambda i: (ac_tokens[i], i))
    if total > goal:
        order.reverse()
    dst = order[-1]
    for src in order:
        while counts[src] > 0:
            new = total + ac_tokens[dst] - ac_tokens[src]
            if abs(new - goal) >= abs(total - goal):
                return counts
            counts[src] -= 1
            counts[dst] += 1
            total = new
    return counts


def write_matched(data_dir: Path, out: Path, count_tokens: Callable[[str], int],
                  tolerance: float = 0.05) -> dict:
    """Write `ac_matched_{train,val}.jsonl` from `data_dir`'s build into `out`; returns the report.

    Train: len(acc_train) rows of AC rows (equal steps), target tokens within `tolerance` of
    ACC's. Val: the AC val rows as they are. Raises InputError when the tokens cannot match."""
    ac, acc = _rows(data_dir / dataset_file("ac", "train")), _rows(data_dir / dataset_file("acc", "train"))
    ac_tokens = [count_tokens(r.answer) for r in ac]
    goal = sum(count_tokens(r.answer) for r in acc)
    counts = matched_counts(ac_tokens, len(acc), goal)
    rows = [r for r, c in zip(ac, counts) for _ in range(c)]
    got = sum(c * t for c, t in zip(counts, ac_tokens))
    report = {"rows": len(rows), "acc_rows": len(acc), "target_tokens": got, "acc_target_tokens": goal,
              "token_ratio": round(got / goal, 4), "tolerance": tolerance}
    if abs(got / goal - 1) > tolerance:
        raise InputError(data_dir / dataset_file("ac", "train"), f"AC targets cannot match ACC's target tokens "
                         f"within {tolerance:.0%} at equal steps ({got} vs {goal})")
    write_text(out / dataset_file("ac_matched", "train"), "".join(r.to_line() for r in rows))
    write_text(out / dataset_file("ac_matched", "val"), (data_dir / dataset_file("ac", "val")).read_text(encoding="utf-8"))
    write_text(out / "ac_matched_report.json", json.dumps(report, indent=1) + "\n")
    return report
