"""The dataset layout `adcacc build` writes and every later stage reads: split names and the
`{kind}_{split}.jsonl` file names of each dataset kind (adcacc.common.vocabulary.DATASETS).
Spelled out here once."""
from __future__ import annotations

from adcacc.common.vocabulary import DATASETS

SPLITS = ("train", "val", "test")
PAIRS_CSV = "pairs.csv"
REPORT_JSON = "build_report.json"


def dataset_file(kind: str, split: str) -> str:
    """The JSONL file name of one dataset kind's split, e.g. `acc_train.jsonl`."""
    return f"{kind}_{split}.jsonl"


def dataset_files() -> list[str]:
    """Every JSONL file a build writes, kind by kind, split by split."""
    return [dataset_file(t, s) for t in DATASETS for s in SPLITS]
