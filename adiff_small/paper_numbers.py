"""Published ADIFF numbers (Deshmukh et al., "ADIFF: Explaining audio difference using natural
language", ICLR 2025).

Table 2 prints BLEU-4, METEOR and SPIDEr of ADIFF (GPT-2 base, trained on the ACD and CLD
train splits) on the ACD test and CLD evaluation splits, per tier; its appendix Table 15
(bottom block) gives all metrics of the same runs, and Table 25 repeats them (top block,
"top-k and top-p decoding") next to greedy decoding (bottom block). So:
- protocol "paper" (top-k 3, top-p 0.8): Table 15 bottom = Table 25 top; BLEU-4, METEOR and
  SPIDEr equal Table 2's ADIFF rows.
- protocol "greedy": Table 25 bottom.
- training "wavcaps" (the release's `adiff_base_wavcaps.ckpt`: ADIFF trained on WavCaps
  Difference as well, appendix P): Table 21 (bottom block), whose top block equals Table 15
  (bottom), so its protocol is "paper"; the paper gives no greedy numbers for it.
The paper's column is named "CIDEr"; its SPIDEr equals (CIDEr + SPICE) / 2 in every row,
SPIDEr's definition with CIDEr-D, so it is compared with our CIDEr-D.
"""
from __future__ import annotations

from pathlib import Path

COLUMNS = ("BLEU-1", "BLEU-2", "BLEU-3", "BLEU-4", "METEOR", "ROUGE-L", "CIDEr-D", "SPICE", "SPIDEr")
# (dataset, split) of the released files -> the paper's task name
PAPER_SPLITS = {("acd", "test"): "ACD", ("cld", "evaluation"): "CLD"}
SOURCE = {"paper": "ADIFF paper, Table 15 (bottom) = Table 25 (top); BLEU-4/METEOR/SPIDEr as Table 2",
          "greedy": "ADIFF paper, Table 25 (bottom, greedy decoding)",
          "wavcaps": "ADIFF paper, Table 21 (bottom: ADIFF + WCD, the release's adiff_base_wavcaps.ckpt)"}
# Table 21, bottom block: ADIFF + WCD, top-k/top-p decoding
_WAVCAPS = {
    ("ACD", 1): (0.346, 0.226, 0.155, 0.105, 0.189, 0.323, 0.292, 0.104, 0.198),
    ("ACD", 2): (0.472, 0.342, 0.257, 0.197, 0.205, 0.399, 0.338, 0.179, 0.259),
    ("ACD", 3): (0.463, 0.284, 0.198, 0.152, 0.197, 0.304, 0.161, 0.142, 0.152),
    ("CLD", 1): (0.368, 0.269, 0.196, 0.126, 0.246, 0.401, 0.461, 0.096, 0.278),
    ("CLD", 2): (0.599, 0.467, 0.387, 0.322, 0.290, 0.546, 1.73, 0.318, 1.022),
    ("CLD", 3): (0.505, 0.328, 0.235, 0.180, 0.211, 0.348, 0.564, 0.170, 0.367),
}
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
TABLES = {p: {key: dict(zip(COLUMNS, row)) for key, row in rows.items()}
          for p, rows in {**_ROWS, "wavcaps": _WAVCAPS}.items()}


def training_of(state: dict) -> str:
    """What a checkpoint was trained on, from its state.json: an import of the release's
    WavCaps checkpoint (its file name says so) is "wavcaps"; anything else is compared with
    the ACD+CLD rows."""
    imported = Path(str(state.get("imported_from", ""))).name.lower()
    return "wavcaps" if "wavcaps" in imported else "acd_cld"


def table_key(protocol: str, training: str) -> str | None:
    """The TABLES / SOURCE key of a protocol and training, or None (no such numbers)."""
    if training == "wavcaps":
        return "wavcaps" if protocol == "paper" else None
    return protocol


def paper_scores(protocol: str, dataset: str, split: str, tier: int,
                 training: str = "acd_cld") -> dict[str, float] | None:
    """The paper's metrics for this released file's dataset/split and tier and the
    checkpoint's training, or None when the paper has no number for it (other splits, our
    own data, greedy decoding of the WavCaps model)."""
    task, key = PAPER_SPLITS.get((dataset, split)), table_key(protocol, training)
    return TABLES.get(key, {}).get((task, tier)) if task and key else None
