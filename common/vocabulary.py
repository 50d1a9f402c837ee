"""The project's words, one per thing, so "task" never means two of them:

- a **dataset kind** is what `data_builders` writes, one JSONL per kind and split
  (`adc_train.jsonl`): AC, ADC or ACC rows, and the matched stage's `ac_matched`;
- an **arm** is what is fine-tuned: one recipe (`recipes/qwen2_audio/<arm>_<hardware>.yaml`)
  trained on one or more dataset kinds; experiments add the untuned `base`;
- an **eval task** is what a model is asked at evaluation: captioning or one classification
  (its labels and prompts are in `adcacc.evals.sets.tasks`).

ADIFF's prompt kinds (tiers and position captions) are `adcacc.adiff_small.prompts.PROMPT_KINDS`.
"""
from __future__ import annotations

from dataclasses import dataclass

DATASETS = ("ac", "adc", "acc")  # the kinds the builder writes from every base clip
# dataset kind -> rows one base clip gives: AC its caption; ADC and ACC the six pairs (add,
# delete, replace, each both ways); the matched AC repeats AC rows to ACC's count
ROWS_PER_BASE = {"ac": 1, "adc": 6, "acc": 6, "ac_matched": 6}


@dataclass(frozen=True)
class Arm:
    datasets: tuple[str, ...]  # the dataset kinds its recipe trains on
    what: str  # the paper's row it reproduces, or why we added it


ARMS: dict[str, Arm] = {
    "ac": Arm(("ac",), "AC: single-audio captioning baseline (Table 1, AC row)"),
    "adc": Arm(("adc",), "ADC: audio difference captioning (Table 1, ADC row)"),
    "acc": Arm(("acc",), "ACC: audio commonality captioning (Table 1, ACC row)"),
    "ac_adc": Arm(("ac", "adc"), "AC + ADC trained jointly on both datasets (Table 2, AC + ADC row)"),
    "ac_acc": Arm(("ac", "acc"), "AC + ACC trained jointly on both datasets (Table 2, AC + ACC row)"),
    "ac_matched": Arm(("ac_matched",), "AC-matched control (our addition, not in the paper): AC rows "
                                       "repeated to the ACC arm's steps and target tokens (within 5%), "
                                       "written by the matched stage of `adcacc run`"),
}
BASE = "base"  # the untuned model: an arm of every experiment, trained by no recipe
CAPTION = "caption"
EVAL_TASKS = (CAPTION, "vsc", "ser", "mic", "mgc")  # captioning, then the retention classifications


def balanced(rows: dict[str, int]) -> dict[str, int]:
    """Rows per dataset that draw each of a joint arm's datasets equally often: every dataset as
    many rows as the largest has (the smaller ones repeated)."""
    return dict.fromkeys(rows, max(rows.values()))


def arm_rows_per_base(arm: str) -> int:
    """Training rows one base clip gives an arm: the sum over its dataset kinds."""
    return sum(ROWS_PER_BASE[d] for d in ARMS[arm].datasets)
