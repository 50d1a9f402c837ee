"""User-prompt pools (paper appendix H): one pool per tier plus position captioning (first,
second and both audios, the release's three prompt lists).

Training samples a paraphrase per row so the model follows free-form requests; the canonical
inputs of the released ACD/CLD files are the first entry of each pool and always map back.
Each pool is its hand-written entries followed by composed ones (every lead phrase of
`compose.<task>` with every request), about 100 per tier as the paper describes.
"""
from __future__ import annotations

import random
from functools import lru_cache
from importlib import resources

import yaml

PROMPT_KINDS = ("tier1", "tier2", "tier3", "caption1", "caption2", "caption_both")
TIERS = {1: "tier1", 2: "tier2", 3: "tier3"}
# The released CSVs name the tier in the file and in `input`; these are its spellings.
FILE_TIER = {"fewwords": "tier1", "sentence": "tier2", "detail": "tier3"}


@lru_cache(maxsize=1)
def pools() -> dict[str, tuple[str, ...]]:
    text = resources.files("adcacc.adiff_small").joinpath("prompts.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    out = {}
    for task in PROMPT_KINDS:
        parts = data["compose"][task]
        composed = [f"{lead}, {r}." for r in parts["requests"] for lead in parts["leads"]]
        seen: dict[str, str] = {}
        for p in [*data[task], *composed]:
            seen.setdefault(" ".join(p.lower().split()), p)
        out[task] = tuple(seen.values())
    return out


def canonical(task: str) -> str:
    """The released data's own input for `task` (used at evaluation for comparability)."""
    return pools()[task][0]


def sample(task: str, rng: random.Random) -> str:
    return rng.choice(pools()[task])


def task_of_input(text: str) -> str | None:
    """Map a prompt found in data (canonical or any pooled paraphrase) to its task."""
    key = " ".join(text.lower().split())
    for task, pool in pools().items():
        if any(key == " ".join(p.lower().split()) for p in pool):
            return task
    return None
