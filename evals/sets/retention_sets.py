"""The paper's retention benchmarks, read from each dataset's release layout, and the
embedded corpus's proxy sets (`id,path,label` CSVs).

VSC  VocalSound (16 kHz release): `audio_16k/<speaker>_<n>_<label>.wav`; the test split is
     the speakers listed in `meta/te_meta.csv` (first column), as in the official recipe.
SER  IEMOCAP full release: `Session{1..5}/dialog/EmoEvaluation/*.txt` lines
     `[start - end]\\t<utt>\\t<emo>\\t[v, a, d]`, audio `Session*/sentences/wav/<dialog>/<utt>.wav`.
     The usual 4 classes: neu, ang, sad, and hap merged with exc -> "happy". Default: Session 5
     (1,241 utterances, which the paper's accuracies fit); `adcacc infer --sessions` changes it.
MIC  NSynth test: `nsynth-test/examples.json` (note -> instrument_family_str) + `audio/<note>.wav`.
MGC  GTZAN: `genres_original/<genre>/<genre>.000NN.wav` (Kaggle) or `genres/` (.au, original),
     without the known-corrupt jazz.00054 (999 clips, recorded as a note in run.json).
Each loader records what it chose (split, sessions, left-out files) in `EvalSet.notes`.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from adcacc.common.errors import InputError
from adcacc.common.files import csv_records
from adcacc.common.paths import inside
from adcacc.evals.sets.eval_items import EvalItem, EvalSet, finish
from adcacc.evals.sets.tasks import TASK_LABELS

PAPER_SESSIONS = (5,)  # not stated in the paper: its SER accuracies are k/1,241 (Session 5, 4 classes)
GTZAN_CORRUPT = "jazz.00054"  # unreadable in the release; the paper's MGC accuracies are k/999
IEMOCAP_MAP = {"neu": "neutral", "hap": "happy", "exc": "happy", "sad": "sad", "ang": "angry"}


def _labelled(name: str, task: str, source: Path, items: list[EvalItem], notes: list[str]) -> EvalSet:
    return finish(name, task, source, items, labels=TASK_LABELS[task], notes=notes)


def _text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(path, "not UTF-8 text; use the file of the dataset's release") from None


def vocalsound_test(root: Path) -> EvalSet:
    """The test split: the speakers in meta/te_meta.csv (the official recipe's split)."""
    meta = root / "meta" / "te_meta.csv"
    if not meta.is_file():
        raise InputError(meta, "file not found (VocalSound release: meta/te_meta.csv)")
    speakers = {line.split(",")[0].strip() for line in _text(meta).splitlines() if line.strip()}
    audio_dir = root / "audio_16k"
    if not audio_dir.is_dir():
        raise InputError(audio_dir, "folder not found (VocalSound release: audio_16k/)")
    items = []
    for wav in sorted(audio_dir.glob("*.wav")):
        m = re.fullmatch(r"(\w+?)_(\d+)_([a-z]+)", wav.stem)
        if m and m.group(1) in speakers:
            if m.group(3) not in TASK_LABELS["vsc"]:
                raise InputError(wav, f"label {m.group(3)!r} is not a VocalSound class")
            items.append(EvalItem(wav.stem, wav, label=m.group(3)))
    if not items:
        raise InputError(audio_dir, f"no <speaker>_<n>_<label>.wav of the {len(speakers)} test speakers")
    note = (f"VocalSound test split (the {len(speakers)} speakers of meta/te_meta.csv): "
            f"{len(items)} clips listed")
    return _labelled("vocalsound_test", "vsc", meta, items, [note])


def iemocap(root: Path, sessions: tuple[int, ...] = PAPER_SESSIONS) -> EvalSet:
    """Four classes (hap+exc -> happy) of `sessions`; Session 5 by default, the paper's count."""
    if not sessions or any(s not in (1, 2, 3, 4, 5) for s in sessions):
        raise InputError(None, f"IEMOCAP sessions must be among 1-5, got {list(sessions)}")
    items = []
    for s in sorted(set(sessions)):
        session = root / f"Session{s}"
        evals_dir = session / "dialog" / "EmoEvaluation"
        if not evals_dir.is_dir():
            raise InputError(evals_dir, "folder not found (IEMOCAP_full_release layout)")
        for txt in sorted(evals_dir.glob("*.txt")):
            for line in txt.read_text(errors="replace").splitlines():
                m = re.match(r"\[[\d.]+ - [\d.]+\]\t(\S+)\t(\w+)\t", line)
                if m and m.group(2) in IEMOCAP_MAP:
                    utt = m.group(1)
                    wav = inside(session / "sentences" / "wav", f"{utt.rsplit('_', 1)[0]}/{utt}.wav", txt)
                    items.append(EvalItem(utt, wav, label=IEMOCAP_MAP[m.group(2)]))
    if not items:
        raise InputError(root, "no neu/hap/exc/sad/ang utterances in EmoEvaluation/*.txt")
    chosen = tuple(sorted(set(sessions)))
    name = "iemocap_4class" if chosen == PAPER_SESSIONS else "iemocap_4class_s" + "".join(map(str, chosen))
    note = (f"IEMOCAP session(s) {', '.join(map(str, chosen))}: {len(items)} utterances listed "
            "(neu, ang, sad, hap+exc -> happy); the paper's accuracies fit Session 5's 1,241")
    return _labelled(name, "ser", root, items, [note])


def nsynth_test(root: Path) -> EvalSet:
    base = root / "nsynth-test" if (root / "nsynth-test").is_dir() else root
    meta = base / "examples.json"
    if not meta.is_file():
        raise InputError(meta, "file not found (NSynth release: nsynth-test/examples.json)")
    try:
        notes = json.loads(_text(meta))
    except (json.JSONDecodeError, RecursionError) as err:
        raise InputError(meta, f"not valid JSON ({err})") from None
    if not isinstance(notes, dict):
        raise InputError(meta, "must be a JSON object: note name -> its attributes")
    items = []
    for note, info in sorted(notes.items()):
        family = info.get("instrument_family_str") if isinstance(info, dict) else None
        if family not in TASK_LABELS["mic"]:
            raise InputError(meta, f"note {note}: instrument_family_str {family!r} is not an NSynth family")
        items.append(EvalItem(note, inside(base / "audio", f"{note}.wav", meta), label=family))
    return _labelled("nsynth_test", "mic", meta, items, [f"NSynth test: {len(items)} notes listed"])


def gtzan(root: Path) -> EvalSet:
    """All 1,000 clips but the known-corrupt jazz.00054, as the paper's 1/999 steps show."""
    for sub, ext in (("genres_original", "wav"), ("genres", "au"), ("genres", "wav")):
        if (root / sub).is_dir() and any((root / sub).glob(f"*/*.{ext}")):
            break
    else:
        raise InputError(root, "no genres_original/<genre>/*.wav or genres/<genre>/*.au found (GTZAN)")
    items, notes = [], []
    for genre in TASK_LABELS["mgc"]:
        files = sorted((root / sub / genre).glob(f"{genre}.*.{ext}"))
        if not files:
            raise InputError(root / sub / genre, "no clips for this genre")
        for f in files:
            if f.stem == GTZAN_CORRUPT:
                notes.append(f"{f.name} left out: the known-corrupt file of the GTZAN release "
                             "(the paper's accuracies are multiples of 1/999)")
            else:
                items.append(EvalItem(f.stem, f, label=genre))
    return _labelled("gtzan", "mgc", root / sub, items, notes + [f"GTZAN: {len(items)} clips listed"])


def labels_csv(path: Path, task: str, proxy: bool = True) -> EvalSet:
    """An `id,path,label` CSV (paths relative to the CSV): the corpus's proxy retention sets."""
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
