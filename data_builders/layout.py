"""The dataset layout `adcacc build` writes and every later stage reads: task names, split
names and the `{task}_{split}.jsonl` file names. Spelled out here once."""
from __future__ import annotations

TASKS = ("ac", "adc", "acc")  # captioning, difference captioning, commonality captioning
SPLITS = ("train", "val", "test")
PAIRS_CSV = "pairs.csv"
REPORT_JSON = "build_report.json"


def dataset_file(task: str, split: str) -> str:
    """The JSONL file name of one task's split, e.g. `acc_train.jsonl`."""
    return f"{task}_{split}.jsonl"


def dataset_files() -> list[str]:
    """Every JSONL file a build writes, task by task, split by split."""
    return [dataset_file(t, s) for t in TASKS for s in SPLITS]
