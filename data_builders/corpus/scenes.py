"""Base scenes: a lasting bed plus 1-3 foreground sounds, mixed and captioned.

Two sets are drawn. The training scenes (bases.csv, captions.csv) feed the builders and
every model trained on the corpus. The held-out scenes (heldout/captions.csv) are for
evaluation only: each is a combination of bed and foreground labels that no training scene
has, and where a label has several base-pool recordings, the held-out scenes use one that no
training scene uses.
"""
from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np
from tqdm import tqdm

from adcacc.common.audio import SAMPLE_RATE, write_wav
from adcacc.common.errors import InputError
from adcacc.common.files import csv_text
from adcacc.common.owned_dir import Owned
from adcacc.data_builders.corpus.captions import scene_captions
from adcacc.data_builders.mixing import draw_onset, mix

RATIO_DB = (2.0, 10.0)  # foreground over the scene so far, like the builders' 0-10 dB
N_FOREGROUND = (1, 3)  # with the bed, 2-4 sounds per scene
TRAIN_STREAM, HELDOUT_STREAM, PRETRAIN_STREAM = 0, 1, 2  # independent random streams of the sets
MAX_TRIES = 200  # draws per held-out scene before giving up on a new combination

Sound = tuple[str, str, np.ndarray]  # (label, source name, audio)


def split_pool(sounds: list[Sound]) -> tuple[list[Sound], list[Sound]]:
    """(training, held-out) pools: a label with several recordings keeps its last one for
    the held-out scenes; a label with one recording is in both (new combinations only)."""
    by_label: dict[str, list[Sound]] = defaultdict(list)
    for s in sounds:
        by_label[s[0]].append(s)
    train, held = [], []
    for group in by_label.values():
        train += group[:-1] if len(group) > 1 else group
        held.append(group[-1])
    return train, held


def compose(rng: np.random.Generator, bed: Sound, fgs: list[Sound]) -> tuple[np.ndarray, dict]:
    """The bed plus 1-3 foreground sounds of distinct labels, in time order."""
    labels = sorted({lab for lab, _, _ in fgs} - {bed[0]})
    k = int(rng.integers(N_FOREGROUND[0], N_FOREGROUND[1] + 1))
    chosen = [labels[j] for j in rng.choice(len(labels), size=k, replace=False)]
    audio, n = bed[2], len(bed[2])
    window = n // k
    layers = []
    for j, label in enumerate(chosen):
        options = [f for f in fgs if f[0] == label]
        _, name, event = options[int(rng.integers(len(options)))]
        start = min(j * window, n - len(event))  # in window j, or as late as it still fits
        span = max(len(event), min(window, n - start))
        onset = start + draw_onset(rng, span, len(event))
        ratio = float(rng.uniform(*RATIO_DB))
        audio, params = mix(audio, event, onset, ratio, SAMPLE_RATE)
        layers.append({"label": label, "source": name, "onset_s": params.onset_s,
                       "ratio_db": round(ratio, 3), "mix_gain": round(params.mix_gain, 6)})
    layers.sort(key=lambda ly: ly["onset_s"])  # captions tell them in time order
    return audio, {"bed": bed[0], "bed_source": bed[1], "foreground": layers}


def combination(scene: dict) -> tuple[str, ...]:
    return (scene["bed"], *sorted(ly["label"] for ly in scene["foreground"]))


def draw_scenes(seed: int, n: int, beds: list[Sound], fgs: list[Sound], stream: int,
                avoid: frozenset = frozenset()) -> list[tuple[np.ndarray, dict]]:
    """n scenes, beds in a seeded rotation; scenes whose label combination is in `avoid`
    are redrawn."""
    order = np.random.default_rng([seed, stream]).permutation(len(beds))
    scenes = []
    for i in tqdm(range(n), desc="held-out scenes" if avoid else "base scenes", unit="scene"):
        bed = beds[order[i % len(beds)]]
        for attempt in range(MAX_TRIES):
            audio, scene = compose(np.random.default_rng([seed, stream, i, attempt]), bed, fgs)
            if combination(scene) not in avoid:
                break
        else:
            raise InputError("--heldout", f"no new label combination found for held-out scene {i} "
                             f"in {MAX_TRIES} draws; ask for fewer held-out scenes")
        scenes.append((audio, scene))
    return scenes


def write_scenes(out: Owned, folder: str, prefix: str, scenes: list[tuple[np.ndarray, dict]]) -> list[list[str]]:
    """WAVs under out/folder/bases, out/folder/captions.csv (+ bases.csv for training) and
    scenes.json; returns the captions.csv rows."""
    root = f"{folder}/" if folder else ""
    rows, meta = [], {}
    for i, (audio, scene) in enumerate(scenes):
        sid = f"{prefix}_{i:04d}"
        write_wav(out.path(f"{root}bases/{sid}.wav"), audio)
        caps = scene_captions(scene["bed"], [ly["label"] for ly in scene["foreground"]])
        meta[sid] = {**scene, "captions": caps}
        rows.append([sid, f"bases/{sid}.wav", *caps])
    if not folder:
        out.write_text("bases.csv", csv_text(["id", "path", "caption"], [r[:3] for r in rows]))
    out.write_text(f"{root}captions.csv", csv_text(["id", "path", *(f"caption_{k}" for k in range(1, 6))], rows))
    out.write_text(f"{root}scenes.json", json.dumps(meta, indent=1) + "\n")
    return rows
