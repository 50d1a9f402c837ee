"""Published ADIFF numbers (Deshmukh et al., "ADIFF: Explaining audio difference using natural
language", ICLR 2025).

Table 2 prints BLEU-4, METEOR and SPIDEr of ADIFF (GPT-2 base, trained on the ACD and CLD
train splits) on the ACD test and CLD evaluation splits, per tier; its appendix Table 15
(bottom block) gives all metrics of the same runs, and Table 25 repeats them (top block,
"top-k and top-p decoding") next to greedy decoding (bottom block). So:
- protocol "paper" (top-k 3, top-p 0.8): Table 15 bottom = Table 25 top; BLEU-4, METEOR and
  SPIDEr equal Table 2's ADIFF rows.
- protocol "greedy": Table 25 bottom.
The paper's column is named "CIDEr"; its SPIDEr equals (CIDEr + SPICE) / 2 in every row,
SPIDEr's definition with CIDEr-D, so it is compared with our CIDEr-D.
"""
from __future__ import annotations

COLUMNS = ("BLEU-1", "BLEU-2", "BLEU-3", "BLEU-4", "METEOR", "ROUGE-L", "CIDEr-D", "SPICE", "SPIDEr")
# (dataset, split) of the released files -> the paper's task name
PAPER_SPLITS = {("acd", "test"): "ACD", ("cld", "evaluation"): "CLD"}
SOURCE = {"paper": "ADIFF paper, Table 15 (bottom) = Table 25 (top); BLEU-4/METEOR/SPIDEr as Table 2",
          "greedy": "ADIFF paper, Table 25 (bottom, greedy decoding)"}
_ROWS = {
    "paper": {
        ("ACD", 1): (0.405, 0.276, 0.192, 0.135, 0.221, 0.381, 0.469, 0.137, 0.303),
        ("ACD", 2): (0.440, 0.301, 0.232, 0.180, 0.197, 0.379, 0.518, 0.173, 0.345),
        ("ACD", 3): (0.486, 0.317, 0.225, 0.171, 0.208, 0.331, 0.204, 0.162, 0.183),
        ("CLD", 1): (0.433, 0.338, 0.265, 0.203, 0.302, 0.488, 1.093, 0.211, 0.652),
        ("CLD", 2): (0.519, 0.362, 0.274, 0.213, 0.235, 0.464, 1.124, 0.260, 0.692),
        ("CLD", 3): (0.522, 0.355, 0.255, 0.191, 0.220, 0.360, 0.634, 0.200, 0.417),
    },
    "greedy": {
        ("ACD", 1): (0.411, 0.287, 0.207, 0.148, 0.217, 0.388, 0.220, 0.127, 0.174),
        ("ACD", 2): (0.497, 0.365, 0.289, 0.234, 0.234, 0.437, 0.200, 0.222, 0.211),
        ("ACD", 3): (0.500, 0.321, 0.226, 0.169, 0.211, 0.340, 0.117, 0.171, 0.144),
        ("CLD", 1): (0.412, 0.295, 0.215, 0.152, 0.219, 0.402, 0.163, 0.119, 0.141),
        ("CLD", 2): (0.491, 0.368, 0.296, 0.245, 0.230, 0.445, 0.156, 0.231, 0.194),
        ("CLD", 3): (0.495, 0.320, 0.227, 0.171, 0.203, 0.337, 0.088, 0.167, 0.128),
    },
}
TABLES = {p: {key: dict(zip(COLUMNS, row)) for key, row in rows.items()} for p, rows in _ROWS.items()}


def paper_scores(protocol: str, dataset: str, split: str, tier: int) -> dict[str, float] | None:
    """The paper's metrics for this released file's dataset/split and tier, or None when the
    paper has no number for it (other splits, our own data)."""
    task = PAPER_SPLITS.get((dataset, split))
    return TABLES.get(protocol, {}).get((task, tier)) if task else None
