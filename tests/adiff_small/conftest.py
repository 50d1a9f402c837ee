"""Fixtures: a synthetic labelled corpus (distinct, known sounds) and a tiny local LM."""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from common.audio import write_wav

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
    from adiff_small import prompts
    from adiff_small.lm import make_tiny_lm

    texts = [p for pool in prompts.pools().values() for p in pool]
    texts += [f"Audio 1 has the sound of {a}, while audio 2 has the sound of {b}."
              for a in LABELS for b in LABELS]
    return make_tiny_lm(tmp_path_factory.mktemp("tiny_lm"), texts * 3)
