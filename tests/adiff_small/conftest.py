"""Fixtures: a synthetic labelled corpus (distinct, known sounds), a tiny local LM, and files
in the released ACD/CLD layout."""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from adcacc.common.audio import write_wav

SR = 16_000


def _sound(label: str, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(int(SR * rng.uniform(1.0, 1.5))) / SR
    if label == "whistle":
        x = np.sin(2 * np.pi * rng.uniform(1800, 2200) * t)
    elif label == "hum":
        x = np.sin(2 * np.pi * rng.uniform(90, 130) * t) + 0.5 * np.sin(2 * np.pi * 240 * t)
    elif label == "hiss":
        x = rng.standard_normal(len(t)) * 0.5
    elif label == "clicks":
        x = np.zeros(len(t))
        x[:: SR // 8] = 1.0
        x = np.convolve(x, np.hanning(64), mode="same")
    else:  # chirp
        x = np.sin(2 * np.pi * (300 + 1500 * t) * t)
    x = x * rng.uniform(0.1, 0.6) / max(np.abs(x).max(), 1e-9)
    return x.astype(np.float32)


LABELS = ("whistle", "hum", "hiss", "clicks", "chirp")


@pytest.fixture(scope="session")
def labels() -> tuple[str, ...]:
    return LABELS


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> Path:
    """events.csv with 4 clips per label, 16 kHz WAVs, paths relative to the CSV."""
    root = tmp_path_factory.mktemp("corpus")
    rng = np.random.default_rng(0)
    rows = []
    for k in range(4):
        for label in LABELS:
            name = f"audio/{label}_{k}.wav"
            (root / "audio").mkdir(exist_ok=True)
            write_wav(root / name, _sound(label, rng), SR)
            rows.append({"id": f"{label}_{k}", "path": name, "label": label, "category": "synthetic"})
    with (root / "events.csv").open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["id", "path", "label", "category"])
        w.writeheader()
        w.writerows(rows)
    return root


@pytest.fixture(scope="session")
def tiny_lm(tmp_path_factory) -> Path:
    from adcacc.adiff_small import prompts
    from adcacc.adiff_small.lm import make_tiny_lm

    texts = [p for pool in prompts.pools().values() for p in pool]
    texts += [f"Audio 1 has the sound of {a}, while audio 2 has the sound of {b}."
              for a in LABELS for b in LABELS]
    return make_tiny_lm(tmp_path_factory.mktemp("tiny_lm"), texts * 3)


# Two rows as the released acd_test_adiff_fewwords_answer.csv has them (header and quoting).
ACD = '''taskname,filepath1,filepath2,caption1,caption2,input,answer
audiocaps,AudioCapsLarger/test/Y7fmOlUlwoNg.wav,AudioCapsLarger/test/YZYWCwfCkBp4.wav,Constant rattling noise and sharp vibrations,Sawing wood with music playing in the distance,explain the difference in few words,"Audio 1 features a constant, high-frequency rattling noise with sharp vibrations, while Audio 2 combines a mid-frequency sawing sound with a distant, low-frequency music accompaniment."
audiocaps,AudioCapsLarger/test/YZYWCwfCkBp4.wav,AudioCapsLarger/test/Y7fmOlUlwoNg.wav,"Food is frying, and a woman talks",Constant rattling noise and sharp vibrations,explain the difference in few words,"Audio 1 features frying, while Audio 2 rattles."
'''
CLD = '''taskname,filepath1,filepath2,caption1,caption2,input,answer
clothov21,ClothoV21/evaluation/Santa Motor.wav,ClothoV21/evaluation/City forest.wav,A machine whines.,Birds are chirping.,explain the difference in a sentence,"The two audios differ, with the first a machine and the second birds."
'''


@pytest.fixture()
def released(tmp_path):
    root = tmp_path / "audio"
    tone = (0.1 * np.sin(np.arange(8000) / 5)).astype(np.float32)
    for rel in ("AudioCapsLarger/test/Y7fmOlUlwoNg.wav", "AudioCapsLarger/test/YZYWCwfCkBp4.wav",
                "ClothoV21/evaluation/Santa Motor.wav", "ClothoV21/evaluation/City forest.wav"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        write_wav(root / rel, tone, 16000)
    meta = tmp_path / "meta"
    meta.mkdir()
    (meta / "acd_test_adiff_fewwords_answer.csv").write_text(ACD)
    (meta / "cld_evaluation_adiff_sentence_answer.csv").write_text(CLD)
    return meta, root
