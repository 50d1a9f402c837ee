"""Instrument sounds for the corpus: General MIDI notes rendered by fluidsynth from a soundfont.

The soundfont (TimGM6mb) holds real sampled instruments; we only choose programs and notes.
All pieces go into ONE MIDI file, each in its own time slot followed by silence, so a single
fluidsynth run renders everything (one process start instead of ~100) and the slots are
cut apart afterwards. Reverb and chorus are off so nothing rings from one slot into the next,
and float output avoids fluidsynth's dithering: the render is byte-for-byte repeatable.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from adcacc.common.errors import InputError

TICKS_PER_S = 960  # 480 ticks per beat at the default 120 bpm
SLOT_GAP_S = 4.0  # silence after each piece, longer than any release tail
DRUM_CHANNEL = 9


@dataclass(frozen=True)
class Note:
    pitch: int
    start: float  # seconds from the start of the piece
    dur: float
    velocity: int = 100


@dataclass(frozen=True)
class Piece:
    """Notes on one GM program (0-based; `drums` uses the GM percussion channel)."""

    label: str
    program: int
    notes: tuple[Note, ...]
    length: float  # seconds kept, release tail included
    drums: bool = False


def _seq(root: int, steps: list[int], every: float, last: float) -> tuple[Note, ...]:
    notes = [Note(root + s, i * every, every * 0.95) for i, s in enumerate(steps)]
    notes[-1] = Note(notes[-1].pitch, notes[-1].start, last)
    return tuple(notes)


def _chords(root: int, every: float, arpeggio: float) -> tuple[Note, ...]:
    """I-vi-IV-V, one chord per `every` seconds, notes spread by `arpeggio` seconds."""
    out = []
    for i, offset in enumerate((0, 9, 5, 7)):
        for j, step in enumerate((0, 4, 7) if offset in (0, 5, 7) else (0, 3, 7)):
            start = i * every + j * arpeggio
            out.append(Note(root + offset - (12 if offset > 5 else 0) + step, start,
                            every - j * arpeggio - 0.05, 90))
    return tuple(out)


def _beat(length: float, fill: bool) -> tuple[Note, ...]:
    """Kick (36), snare (38) and closed hi-hat (42) in eighths at 120 bpm."""
    out = []
    for k in range(int(length / 0.25)):
        t = k * 0.25
        out.append(Note(42, t, 0.2, 70))
        if k % 4 == 0:
            out.append(Note(36, t, 0.2, 110))
        if k % 4 == 2 or (fill and k >= 8):
            out.append(Note(38, t, 0.2, 100))
    return tuple(out)


# label -> (GM program, root note) of the event/base instruments
INSTRUMENTS = {
    "piano playing": (0, 60), "guitar playing": (24, 52), "violin playing": (40, 67),
    "trumpet playing": (56, 62), "flute playing": (73, 72), "organ playing": (19, 60),
    "saxophone playing": (65, 58), "church bell ringing": (14, 60),
}
ARPEGGIO = [0, 4, 7, 12, 7, 4, 0]
SCALE_DOWN = [12, 11, 9, 7, 5, 4, 2, 0]
MELODY = [0, 2, 4, 5, 7, 5, 4, 2, 4, 7, 9, 7, 5, 4, 2, 0]
BELLS = [7, 0, 7, 0]  # ding-dong


def music_pieces(pool: str) -> list[Piece]:
    """Short motifs for the event pool; different, 10 s pieces for the base pool."""
    pieces = []
    for label, (prog, root) in INSTRUMENTS.items():
        if label == "church bell ringing":
            if pool == "event":
                pieces += [Piece(label, prog, _seq(root, BELLS, 1.0, 1.0), 5.0),
                           Piece(label, prog, _seq(root + 5, BELLS[:3], 1.2, 1.2), 5.0)]
            else:
                pieces.append(Piece(label, prog, _seq(root - 2, BELLS * 2, 1.1, 1.2), 10.0))
        elif pool == "event":
            pieces += [Piece(label, prog, _seq(root, ARPEGGIO, 0.35, 1.0), 4.0),
                       Piece(label, prog, _seq(root + 2, SCALE_DOWN, 0.3, 1.0), 4.0)]
        elif label in ("piano playing", "guitar playing", "organ playing"):
            arp = 0.0 if label == "organ playing" else 0.12
            pieces.append(Piece(label, prog, _chords(root, 2.5, arp), 10.0))
        else:
            pieces.append(Piece(label, prog, _seq(root - 3, MELODY, 0.6, 0.9), 10.0))
    if pool == "event":
        pieces += [Piece("drums playing", 0, _beat(3.0, False), 3.5, drums=True),
                   Piece("drums playing", 0, _beat(3.0, True), 3.5, drums=True)]
    else:
        pieces.append(Piece("drums playing", 0, _beat(10.0, False), 10.0, drums=True))
    return pieces


# NSynth's 11 instrument families -> two GM programs each and the pitch range rendered
NSYNTH_FAMILIES = {
    "bass": ((32, 33), (28, 52)),
    "brass": ((56, 57), (52, 72)),
    "flute": ((73, 72), (67, 91)),
    "guitar": ((24, 25), (45, 69)),
    "keyboard": ((0, 4), (45, 77)),
    "mallet": ((11, 12), (57, 81)),
    "organ": ((16, 19), (45, 72)),
    "reed": ((65, 71), (52, 76)),
    "string": ((40, 42), (45, 77)),
    "synth_lead": ((80, 81), (45, 77)),
    "vocal": ((52, 53), (52, 72)),
}
# A third GM program per family for TRAINING notes only (all 12 pitches): our choice, so the toy
# base hears each family in more than the two timbres it is tested on (with 14 training notes
# a family it stayed at chance in some pretraining runs: benchmarks/results/regime_pilot_2026-12-05.md)
MIC_TRAIN_PROGRAMS = {"bass": 34, "brass": 61, "flute": 74, "guitar": 27, "keyboard": 1, "mallet": 13,
                      "organ": 17, "reed": 66, "string": 48, "synth_lead": 82, "vocal": 54}
MIC_PITCHES = 12  # per program, evenly spread over the family's range
MIC_TEST_STEPS = (1, 3, 6, 8, 10)  # which of them are test notes: new notes of every instrument


def mic_pitches(lo: int, hi: int) -> list[int]:
    return [round(lo + (hi - lo) * k / (MIC_PITCHES - 1)) for k in range(MIC_PITCHES)]


def mic_pieces() -> list[tuple[str, Piece]]:
    """(split, note): NSynth-shaped notes, 4 s with the key held 3 s, label = instrument
    family. Test notes are pitches no training note of that program has; a third program per
    family (`MIC_TRAIN_PROGRAMS`) gives training notes only."""
    tested = [("test" if k in MIC_TEST_STEPS else "train", Piece(family, prog, (Note(pitch, 0.0, 3.0),), 4.0))
              for family, (programs, span) in NSYNTH_FAMILIES.items()
              for prog in programs for k, pitch in enumerate(mic_pitches(*span))]
    extra = [("train", Piece(family, MIC_TRAIN_PROGRAMS[family], (Note(pitch, 0.0, 3.0),), 4.0))
             for family, (_, span) in NSYNTH_FAMILIES.items() for pitch in mic_pitches(*span)]
    return tested + extra


def _midi_file(pieces: list[Piece]):
    """One track; piece i starts at the sum of the previous slots."""
    import mido

    events: list[tuple[int, int, mido.Message]] = []  # (tick, order, message)
    t0 = 0.0
    for i, piece in enumerate(pieces):
        ch = DRUM_CHANNEL if piece.drums else i % 8
        tick0 = round(t0 * TICKS_PER_S)
        events.append((tick0, 0, mido.Message("control_change", channel=ch, control=120)))
        if not piece.drums:
            events.append((tick0, 1, mido.Message("program_change", channel=ch,
                                                  program=piece.program)))
        for n in piece.notes:
            on = round((t0 + n.start) * TICKS_PER_S)
            off = round((t0 + n.start + n.dur) * TICKS_PER_S)
            events.append((on, 3, mido.Message("note_on", channel=ch, note=n.pitch,
                                               velocity=n.velocity)))
            events.append((off, 2, mido.Message("note_off", channel=ch, note=n.pitch)))
        t0 += piece.length + SLOT_GAP_S
    events.sort(key=lambda e: (e[0], e[1]))
    mid = mido.MidiFile(ticks_per_beat=480)
    track = mido.MidiTrack()
    mid.tracks.append(track)
    last = 0
    for tick, _, msg in events:
        track.append(msg.copy(time=tick - last))
        last = tick
    return mid


def render(pieces: list[Piece], soundfont: Path, sr: int) -> list[np.ndarray]:
    """Render all pieces in one fluidsynth run; return one mono float32 array per piece."""
    exe = shutil.which("fluidsynth")
    if exe is None:
        raise InputError("fluidsynth", "not installed; run scripts/setup.sh "
                         "(or `apt-get install fluidsynth`)")
    with tempfile.TemporaryDirectory(prefix="adcacc-fluid-") as tmp:
        mid_path, wav_path = Path(tmp) / "corpus.mid", Path(tmp) / "corpus.wav"
        _midi_file(pieces).save(mid_path)
        cmd = [exe, "-ni", "-q", "-R", "0", "-C", "0", "-g", "0.5", "-r", str(sr),
               "-O", "float", "-T", "wav", "-F", str(wav_path), str(soundfont), str(mid_path)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        if proc.returncode != 0 or not wav_path.is_file():
            raise InputError(soundfont, f"fluidsynth failed: {proc.stderr.strip()[-300:]}")
        audio, file_sr = sf.read(str(wav_path), dtype="float32", always_2d=True)
    mono = audio.mean(axis=1)
    if file_sr != sr:  # some fluidsynth builds ignore -r for file output
        mono = soxr.resample(mono, file_sr, sr, quality="HQ").astype(np.float32)
    out, t0 = [], 0.0
    for piece in pieces:
        start = round(t0 * sr)
        clip = mono[start:start + round(piece.length * sr)]
        out.append(np.pad(clip, (0, round(piece.length * sr) - len(clip))))
        t0 += piece.length + SLOT_GAP_S
    return out
