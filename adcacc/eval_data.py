"""Where an experiment's eval data lives: a user path, or a file inside the experiment's own
corpus (`corpus:<file>`) or build (`data:<file>`), which the corpus and build stages make."""
from __future__ import annotations

from pathlib import Path

from adcacc.common.paths import inside

CORPUS_PREFIX = "corpus:"  # eval data inside the experiment's own corpus folder
DATA_PREFIX = "data:"  # eval data inside the experiment's own build folder (e.g. data:adc_val.jsonl)
OWN_FOLDERS = {CORPUS_PREFIX: "corpus", DATA_PREFIX: "data"}  # prefix -> the stage folder under out
OWN_STAGES = {CORPUS_PREFIX: "corpus", DATA_PREFIX: "build"}  # prefix -> the stage making it


def own_prefix(data: str) -> str | None:
    """The prefix of eval data the experiment makes itself (corpus: or data:), if any."""
    return next((p for p in OWN_FOLDERS if data.startswith(p)), None)


def eval_data(out: Path, data: str) -> Path:
    """The eval data's path: a user path, or a file inside the experiment's corpus or build
    under `out` (never outside it)."""
    prefix = own_prefix(data)
    if prefix:
        return inside(out / OWN_FOLDERS[prefix], data[len(prefix):], f"eval data {data!r}")
    return Path(data).expanduser()
