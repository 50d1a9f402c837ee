"""Eval sets read from each dataset's own release layout, as (id, audio, references/label).

Captioning: AudioCaps test (aac-datasets layout), Clotho v2.1 evaluation (aac-datasets
layout) and any `id,path,caption_1..caption_N` CSV. Retention sets live in retention_sets.
Missing metadata is an InputError; a listed clip whose audio file is missing is a recorded
skip (AudioCaps releases always lack some YouTube clips), and a set with no audio at all is
an InputError.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from common.errors import InputError
from common import audiocaps
from common.files import csv_records
from common.paths import inside


@dataclass(frozen=True)
class EvalItem:
    id: str
    audio: Path
    references: tuple[str, ...] = ()
    label: str | None = None


@dataclass
class EvalSet:
    """One eval set: `task` is "caption" or a retention task (vsc, ser, mic, mgc)."""

    name: str
    task: str
    items: list[EvalItem]
    labels: tuple[str, ...] = ()
    proxy: bool = False  # a stand-in built from the embedded corpus, not the paper's set
    skipped: list[dict] = field(default_factory=list)  # {"id", "reason"} per skipped clip
    source: str = ""


def finish(name: str, task: str, source: Path, candidates: list[EvalItem], **kw) -> EvalSet:
    """Keep items whose audio exists, record the others as skips; reject empty or duplicate sets."""
    items, skipped, seen = [], [], set()
    for item in candidates:
        if item.id in seen:
            raise InputError(source, f"duplicate id {item.id!r}")
        seen.add(item.id)
        if item.audio.is_file():
            items.append(item)
        else:
            skipped.append({"id": item.id, "reason": f"audio file missing: {item.audio}"})
    if not items:
        raise InputError(source, f"no audio found for any of the {len(candidates)} listed clips"
                                 + (f" (first missing: {candidates[0].audio})" if candidates else ""))
    return EvalSet(name=name, task=task, items=items, skipped=skipped, source=str(source), **kw)


def audiocaps_test(root: Path) -> EvalSet:
    """AudioCaps test as aac-datasets lays it out (`common.audiocaps`): five references a clip."""
    clips = audiocaps.read_subset(root, "test")
    items = [EvalItem(c.id, c.audio, tuple(x for x in c.captions if x)) for c in clips]
    return finish("audiocaps_test", "caption", audiocaps.csv_file(root, "test"), items)


def clotho_eval(root: Path, version: str = "v2.1") -> EvalSet:
    """`<root>/CLOTHO_v2.1/clotho_csv_files/clotho_captions_evaluation.csv` (file_name,
    caption_1..caption_5) and `<root>/CLOTHO_v2.1/clotho_audio_files/evaluation/`."""
    base = root / f"CLOTHO_{version}"
    csv_path = base / "clotho_csv_files" / "clotho_captions_evaluation.csv"
    rows = csv_records(csv_path, ("file_name", "caption_1"))
    audio_dir = base / "clotho_audio_files" / "evaluation"
    items = [EvalItem(r["file_name"], inside(audio_dir, r["file_name"], csv_path, i), _captions(r, csv_path, i))
             for i, r in rows]
    return finish("clotho_eval", "caption", csv_path, items)


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
    return finish(f"csv:{path.stem}", "caption", path, items)


def labels_csv(path: Path, task: str, proxy: bool = True) -> EvalSet:
    """An `id,path,label` CSV (paths relative to the CSV): the corpus's proxy retention sets."""
    from evals.retention_sets import TASK_LABELS

    rows = list(csv_records(path, ("id", "path", "label")))
    labels = TASK_LABELS[task]
    for i, r in rows:
        if r["label"] not in labels:
            raise InputError(path, f"label {r['label']!r} is not one of {list(labels)}", row=i)
    items = [EvalItem(r["id"], inside(path.parent, r["path"], path, i), label=r["label"]) for i, r in rows]
    kind = "proxy" if proxy else "csv"
    name = path.stem if kind in path.stem else f"{task}_{kind}:{path.stem}"
    return finish(name, task, path, items,
                  labels=tuple(sorted({r["label"] for _, r in rows})), proxy=proxy)


def registry() -> dict[str, Callable[[Path], EvalSet]]:
    """Eval-set name -> loader taking the dataset root (or CSV path)."""
    from evals import retention_sets as rs

    return {
        "audiocaps": audiocaps_test,
        "clotho": clotho_eval,
        "captions-csv": captions_csv,
        "vocalsound": rs.vocalsound_test,
        "iemocap": rs.iemocap,
        "nsynth": rs.nsynth_test,
        "gtzan": rs.gtzan,
        "vsc-proxy": lambda p: labels_csv(p, "vsc"),
        "mic-proxy": lambda p: labels_csv(p, "mic"),
    }


def load_eval_set(name: str, path: Path, sessions: tuple[int, ...] | None = None) -> EvalSet:
    """Load by registry name; `sessions` picks IEMOCAP sessions (default: all five)."""
    loaders = registry()
    if name not in loaders:
        raise InputError(None, f"unknown eval set {name!r}; choose from {', '.join(loaders)}")
    if not path.exists():
        raise InputError(path, f"dataset path for {name} not found")
    if sessions and name == "iemocap":
        from evals.retention_sets import iemocap

        return iemocap(Path(path), tuple(sessions))
    return loaders[name](Path(path))
