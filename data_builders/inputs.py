"""Where base clips and event clips come from: our CSVs, AudioCaps, or an event folder tree.

All loaders validate what can be checked without decoding audio (columns, ids, paths,
captions) and hand row problems to a `Problems` collector, which raises at once or, with
--skip-bad, records the skip for build_report.json.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from adcacc.common import audiocaps
from adcacc.common.errors import InputError
from adcacc.common.files import csv_records
from adcacc.common.paths import inside

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3")
# ms-swift reads these tags in a row's text as media slots; one inside a caption or label
# would add an audio slot with no audio, and `recipes check --data` rejects the dataset.
MEDIA_TAG = re.compile(r"<\s*(audio|image|video)\s*>", re.IGNORECASE)


@dataclass(frozen=True)
class Clip:
    """A base clip (text = caption) or an event clip (text = label)."""

    id: str
    path: Path
    text: str
    category: str = ""
    source: str = ""  # the file that declared the clip (a CSV, or the audio file itself)
    row: int | None = None  # its row in `source`, when that is a CSV

    @property
    def where(self) -> str:
        """"file row N": where the clip was declared, for error messages."""
        return f"{self.source} row {self.row}" if self.row is not None else self.source


@dataclass
class Problems:
    """Raise on the first bad row, or with skip_bad collect {file,row,reason} skips."""

    skip_bad: bool = False
    skips: list[dict] = field(default_factory=list)

    def report(self, err: InputError) -> None:
        if not self.skip_bad:
            raise err
        self.skips.append({"file": err.path, "row": err.row, "reason": err.problem})


def load_clip_csv(path: Path, text_column: str, problems: Problems) -> list[Clip]:
    """bases.csv (id,path,caption) or events.csv (id,path,label,category).

    Paths are relative to the CSV's folder and may not leave it.
    """
    path = Path(path)
    columns = ("id", "path", text_column) + (("category",) if text_column == "label" else ())
    root = path.parent.resolve()
    clips: list[Clip] = []
    seen: set[str] = set()
    for row_no, row in csv_records(path, columns):
        try:
            clips.append(_clip_from_row(row, text_column, root, seen, path, row_no))
        except InputError as err:
            problems.report(err)
    if not clips:
        raise InputError(path, "no usable rows")
    return clips


def _clip_from_row(
    row: dict, text_column: str, root: Path, seen: set[str], csv_path: Path, row_no: int
) -> Clip:
    def bad(problem: str) -> InputError:
        return InputError(csv_path, problem, row=row_no)

    clip_id = (row.get("id") or "").strip()
    text = (row.get(text_column) or "").strip()
    rel = (row.get("path") or "").strip()
    if not clip_id:
        raise bad("empty id")
    if clip_id in seen:
        raise bad(f"duplicate id {clip_id!r}")
    seen.add(clip_id)
    if not text:
        raise bad(f"empty {text_column} for id {clip_id!r}")
    check_text(text, text_column, csv_path, row_no)
    if not rel:
        raise bad(f"empty path for id {clip_id!r}")
    if "\x00" in rel:
        raise bad(f"path for id {clip_id!r} contains a NUL character")
    audio = inside(root, rel, csv_path, row_no)
    if not audio.is_file():
        raise bad(f"audio file not found: {rel}")
    return Clip(clip_id, audio, text, (row.get("category") or "").strip(), str(csv_path), row_no)


def check_text(text: str, what: str, where: str | Path, row: int | None = None) -> None:
    """Captions and labels end up inside chat rows: refuse ms-swift's media tags in them."""
    tag = MEDIA_TAG.search(text)
    if tag:
        raise InputError(where, f"{what} contains {tag.group(0)!r}, which ms-swift reads as a "
                                "media slot; remove or reword it", row=row)


def load_audiocaps(root: Path, subset: str, problems: Problems) -> list[Clip]:
    """AudioCaps (aac-datasets layout, `adcacc.common.audiocaps`): one base per downloaded clip, with
    its first caption. Clips whose audio was never downloaded are recorded as skips."""
    folder = audiocaps.audio_dir(root, subset)
    if not folder.is_dir():
        raise InputError(folder, "AudioCaps audio folder not found (aac-datasets layout)")
    csv_path = audiocaps.csv_file(root, subset)
    clips = []
    for ac in audiocaps.read_subset(root, subset):
        if not ac.audio.is_file():
            problems.skips.append({"file": str(csv_path), "row": ac.row,
                                   "reason": f"audio not downloaded: {ac.audio.name}"})
        elif not ac.captions[0]:
            problems.report(InputError(csv_path, f"empty caption for {ac.id}", row=ac.row))
        else:
            try:
                check_text(ac.captions[0], "caption", csv_path, ac.row)
                clips.append(Clip(ac.id, ac.audio, ac.captions[0], "", str(csv_path), ac.row))
            except InputError as err:
                problems.report(err)
    if not clips:
        raise InputError(csv_path, f"no AudioCaps clips with audio under {folder}")
    return clips


def load_event_folder(root: Path) -> list[Clip]:
    """Events laid out as `<category>/<label>/<clip>` (AuditEval's organisation).

    Folder names give category and label ("dog_barking" -> "dog barking"); the id is the
    relative path without suffix. A clip (or a folder above it) that is a link resolving
    outside `root` is refused, as a CSV path leaving its folder is.
    """
    root = Path(root)
    if not root.is_dir():
        raise InputError(root, "event folder not found")
    files = [p for p in sorted(root.glob("*/*/*")) if p.suffix.lower() in AUDIO_SUFFIXES and p.is_file()]
    clips = [
        Clip(
            id=str(p.relative_to(root).with_suffix("")),
            path=_resolved_inside(p, root),
            text=p.parent.name.replace("_", " ").strip(),
            category=p.parent.parent.name,
            source=str(p),
        )
        for p in files
    ]
    if not clips:
        raise InputError(root, "no <category>/<label>/<clip> audio files found")
    for clip in clips:
        check_text(clip.text, "label (folder name)", clip.source)
    return clips


def _resolved_inside(path: Path, root: Path) -> Path:
    """`path` resolved, refused if a link takes it outside `root` (a link in a downloaded event
    folder must not make the build read, and copy into its datasets, any file on the machine)."""
    target = path.resolve()
    if not target.is_relative_to(root.resolve()):
        raise InputError(path, f"is a link to {target}, outside the event folder {root}; copy the clip "
                               "into the folder, or give --event-dir a folder that holds it")
    return target


def load_inputs(
    problems: Problems,
    bases_csv: Path | None = None,
    events_csv: Path | None = None,
    audiocaps: Path | None = None,
    subset: str = "train",
    event_dir: Path | None = None,
) -> tuple[list[Clip], list[Clip]]:
    """Bases from a CSV or AudioCaps, events from a CSV or an event folder tree."""
    if bases_csv is not None:
        bases = load_clip_csv(bases_csv, "caption", problems)
    else:
        bases = load_audiocaps(audiocaps, subset, problems)
    if events_csv is not None:
        events = load_clip_csv(events_csv, "label", problems)
    else:
        events = load_event_folder(event_dir)
    return bases, events
