"""The six edit pairs of one base clip A with events B and C, and their training rows.

From A, A+B and A+C the ACC paper (after Audit / AuditEval) forms: add A->A+B, A->A+C;
delete A+B->A, A+C->A; replace A+B->A+C, A+C->A+B.  Audio is named by key ("A", "AB",
"AC") so this module stays pure text and is tested without any audio.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from adcacc.common.swift_rows import SwiftRow
from adcacc.data_builders import targets
from adcacc.data_builders.prompts import draw_prompt


@dataclass(frozen=True)
class Pair:
    op: str
    src: str  # audio key of the first (pre-edit) clip
    tgt: str  # audio key of the second (post-edit) clip
    pre_caption: str
    post_caption: str
    instruction: str  # the ADC target
    commonality: str  # the ACC target


def six_pairs(
    caption_a: str,
    label_b: str,
    label_c: str,
    connector_b: str,
    connector_c: str,
    rng: np.random.Generator,
    context_b: str = "",
    context_c: str = "",
) -> list[Pair]:
    """All six pairs, in the paper's order; `rng` draws the instruction templates and the
    contexts say where each event sits ("at the beginning", ...; none if empty)."""
    captions = {
        "A": caption_a.strip(),
        "AB": targets.post_caption(caption_a, label_b, connector_b, context_b),
        "AC": targets.post_caption(caption_a, label_c, connector_c, context_c),
    }
    event = {"AB": (label_b, context_b), "AC": (label_c, context_c)}
    pairs = []
    for op, src, tgt in (
        ("add", "A", "AB"), ("add", "A", "AC"),
        ("delete", "AB", "A"), ("delete", "AC", "A"),
        ("replace", "AB", "AC"), ("replace", "AC", "AB"),
    ):
        if op == "add":
            label, context = event[tgt]
            instr = targets.instruction("add", rng, label, context=context)
        elif op == "delete":
            label, context = event[src]
            instr = targets.instruction("delete", rng, label, context=context)
        else:
            (old, old_ctx), (new, new_ctx) = event[src], event[tgt]
            instr = targets.instruction("replace", rng, old, new, old_ctx, new_ctx)
        pre, post = captions[src], captions[tgt]
        pairs.append(Pair(op, src, tgt, pre, post, instr, targets.commonality(op, pre, post)))
    return pairs


def chat_row(task: str, audios: list[str], target: str, rng: np.random.Generator) -> dict:
    """One ms-swift row: a user turn with one <audio> tag per audio plus a drawn prompt."""
    return SwiftRow(draw_prompt(task, rng), target, tuple(audios)).to_dict()
