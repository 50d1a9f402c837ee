"""What every eval-set loader returns: clips with references or a label, and recorded skips.

Missing metadata is an InputError; a listed clip whose audio file is missing is a recorded
skip (AudioCaps releases always lack some YouTube clips), and a set with no audio at all is
an InputError.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from adcacc.common.errors import InputError


@dataclass(frozen=True)
class EvalItem:
    """One clip, or several (a pair of an ADC/ACC row); `prompt` when the item brings its own
    instruction (held-out training rows), else the run's prompt applies."""

    id: str
    audio: Path
    references: tuple[str, ...] = ()
    label: str | None = None
    more_audio: tuple[Path, ...] = ()
    prompt: str | None = None

    @property
    def audios(self) -> tuple[Path, ...]:
        return (self.audio, *self.more_audio)


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
    notes: list[str] = field(default_factory=list)  # protocol choices, recorded in run.json


def finish(name: str, task: str, source: Path, candidates: list[EvalItem], **kw) -> EvalSet:
    """Keep items whose audio exists, record the others as skips; reject empty or duplicate sets."""
    items, skipped, seen = [], [], set()
    for item in candidates:
        if not item.id.strip():
            raise InputError(source, f"a clip has an empty id (audio {item.audio})")
        if item.id in seen:
            raise InputError(source, f"duplicate id {item.id!r}")
        seen.add(item.id)
        missing = [a for a in item.audios if not a.is_file()]
        if missing:
            skipped.append({"id": item.id, "reason": f"audio file missing: {missing[0]}"})
        else:
            items.append(item)
    if not items:
        raise InputError(source, f"no audio found for any of the {len(candidates)} listed clips"
                                 + (f" (first missing: {candidates[0].audio})" if candidates else ""))
    return EvalSet(name=name, task=task, items=items, skipped=skipped, source=str(source), **kw)
