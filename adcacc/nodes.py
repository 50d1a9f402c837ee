"""Which node of a multi-node training this process is.

ms-swift reads the topology from the environment (NNODES, NODE_RANK, NPROC_PER_NODE: its
`swift/cli/main.py` hands them to torchrun), and the SLURM script of `adcacc run --emit-slurm
--nodes N` sets them on each node. The runner reads the same variables, so the accumulation it
plans (`adcacc.recipes.launch.spread_over`) and the manager/worker split (`adcacc.runner`)
follow exactly what swift launches.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping

from adcacc.common.errors import InputError

MAX_NODES = 64  # our bound: far past any run of these recipes (16 rows per step), and a typo's guard


@dataclass(frozen=True)
class Nodes:
    """The training's nodes, this node's rank, and NPROC_PER_NODE when the environment sets it."""

    count: int = 1
    rank: int = 0
    nproc: int | None = None  # None: the recipe's own (its ENV), as swift does

    @property
    def worker(self) -> bool:
        """Rank > 0: runs swift only; rank 0 manages the stage (lock, folders, records)."""
        return self.rank > 0

    def processes(self, recipe_nproc: int) -> int:
        """The training's processes on all nodes."""
        return self.count * (self.nproc or recipe_nproc)


def node_count(value: object, where: str = "--nodes") -> int:
    """`value` as a node count, 1..MAX_NODES, or one line naming `where`."""
    count = _whole(value)
    if count is None or not 1 <= count <= MAX_NODES:
        raise InputError(None, f"{where}: must be a whole number from 1 to {MAX_NODES}, got {value!r}")
    return count


def this_node(env: Mapping[str, str] = os.environ) -> Nodes:
    """The topology the environment gives swift; a value swift would misread is one line."""
    count = node_count(env.get("NNODES") or "1", "NNODES")
    rank = _whole(env.get("NODE_RANK") or "0")
    if rank is None or rank >= count:
        raise InputError(None, f"NODE_RANK: must be a whole number from 0 to NNODES-1 ({count - 1}), "
                               f"got {env.get('NODE_RANK')!r}")
    nproc = env.get("NPROC_PER_NODE")
    if nproc is not None and not _whole(nproc):
        raise InputError(None, f"NPROC_PER_NODE: must be a whole number from 1, got {nproc!r}")
    return Nodes(count, rank, _whole(nproc) if nproc is not None else None)


def _whole(value: object) -> int | None:
    """A whole number written in ASCII digits (what torchrun reads), else None."""
    text = str(value).strip()
    return int(text) if text.isascii() and text.isdecimal() else None
