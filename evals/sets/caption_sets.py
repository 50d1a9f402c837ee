"""Captioning eval sets read from each dataset's own release layout: (id, audio, references).

AudioCaps test (aac-datasets layout), Clotho v2.1 evaluation (aac-datasets layout) and any
`id,path,caption_1..caption_N` CSV (the embedded corpus's `captions.csv`).
"""
from __future__ import annotations

from pathlib import Path

from adcacc.common import audiocaps
from adcacc.common.errors import InputError
from adcacc.common.files import csv_records
from adcacc.common.paths import inside
from adcacc.common.swift_rows import read_swift_rows
from adcacc.evals.sets.eval_items import EvalItem, EvalSet, finish
from adcacc.evals.sets.tasks import CAPTION


def audiocaps_test(root: Path) -> EvalSet:
    """AudioCaps test as aac-datasets lays it out (`adcacc.common.audiocaps`): five references a clip."""
    clips = audiocaps.read_subset(root, "test")
    items = [EvalItem(c.id, c.audio, tuple(x for x in c.captions if x)) for c in clips]
    return finish("audiocaps_test", CAPTION, audiocaps.csv_file(root, "test"), items)


def clotho_eval(root: Path, version: str = "v2.1") -> EvalSet:
    """`<root>/CLOTHO_v2.1/clotho_csv_files/clotho_captions_evaluation.csv` (file_name,
    caption_1..caption_5) and `<root>/CLOTHO_v2.1/clotho_audio_files/evaluation/`."""
    base = root / f"CLOTHO_{version}"
    csv_path = base / "clotho_csv_files" / "clotho_captions_evaluation.csv"
    rows = csv_records(csv_path, ("file_name", "caption_1"))
    audio_dir = base / "clotho_audio_files" / "evaluation"
    items = [EvalItem(r["file_name"], inside(audio_dir, r["file_name"], csv_path, i), _captions(r, csv_path, i))
             for i, r in rows]
    return finish("clotho_eval", CAPTION, csv_path, items)


def _captions(row: dict[str, str], path: Path, line: int) -> tuple[str, ...]:
    caps = tuple(v.strip() for k, v in row.items() if k and k.startswith("caption_") and v and v.strip())
    if not caps:
        raise InputError(path, "no non-empty caption_N column", row=line)
    return caps


def captions_csv(path: Path) -> EvalSet:
    """Any `id,path,caption_1..caption_N` CSV (paths relative to the CSV), e.g. the corpus's."""
    rows = csv_records(path, ("id", "path", "caption_1"))
    items = [EvalItem(r["id"], inside(path.parent, r["path"], path, i), _captions(r, path, i))
             for i, r in rows]
    return finish(f"csv:{path.stem}", CAPTION, path, items)


def swift_rows(path: Path, name: str) -> EvalSet:
    """Held-out rows of an ms-swift JSONL (a build's `adc_val.jsonl`, say): each row is an item
    with all its audios, its own instruction as the prompt and its answer as the reference, so
    an arm is scored on its own task as it was trained (evals/README.md, "Own-task sets")."""
    path = Path(path)
    items = []
    for n, row in read_swift_rows(path):
        audios = [inside(path.parent, a, path, n) if not Path(a).is_absolute() else Path(a) for a in row.audios]
        items.append(EvalItem(f"{path.stem}#{n}", audios[0], (row.answer,), more_audio=tuple(audios[1:]),
                              prompt=row.prompt))
    return finish(name, CAPTION, path, items)
