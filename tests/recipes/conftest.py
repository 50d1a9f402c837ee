"""Shared fixtures: one tiny Qwen2-Audio per session and a small dataset in the exact
format `adcacc build` writes (data/adcacc/{ac,adc,acc}_{train,val,test}.jsonl with
absolute audio paths). The WAVs are synthesized tones and noise, 1 s at 16 kHz."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from common.audio import write_wav
from recipes.tiny_model import build_tiny_qwen2_audio

PROMPTS = {
    "ac": "<audio>Describe the audio in one sentence.",
    "adc": "<audio><audio>Describe the differences between the two audios.",
    "acc": "<audio><audio>Describe what the two audios have in common.",
}
TARGETS = {
    "ac": "A steady tone plays while noise hisses.",
    "adc": "The second audio is louder and higher pitched than the first.",
    "acc": "Both audios contain a steady tone over background noise.",
}
SPLIT_ROWS = {"train": 4, "val": 2, "test": 2}


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    return build_tiny_qwen2_audio(tmp_path_factory.mktemp("models") / "tiny-qwen2-audio")


def _wavs(root: Path, n: int = 6) -> list[str]:
    rng = np.random.default_rng(0)
    t = np.arange(16000) / 16000
    paths = []
    for i in range(n):
        audio = 0.3 * np.sin(2 * np.pi * (220 + 110 * i) * t) + 0.05 * rng.standard_normal(t.size)
        path = root / f"clip{i}.wav"
        write_wav(path, audio.astype(np.float32), 16000)
        paths.append(str(path.resolve()))
    return paths


def write_rows(path: Path, rows: list[dict]) -> Path:
    """JSONL, one row a line, as `adcacc build` writes it."""
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def dataset_dir(tmp_path_factory) -> Path:
    """DIR/{ac,adc,acc}_{train,val,test}.jsonl, as `adcacc build --out DIR` writes them."""
    root = tmp_path_factory.mktemp("adcacc")
    wavs = _wavs(root / "audio")
    for task, prompt in PROMPTS.items():
        n_audio = prompt.count("<audio>")
        for split, n in SPLIT_ROWS.items():
            rows = [{"messages": [{"role": "user", "content": prompt},
                                  {"role": "assistant", "content": TARGETS[task]}],
                     "audios": [wavs[(i + k) % len(wavs)] for k in range(n_audio)]}
                    for i in range(n)]
            write_rows(root / f"{task}_{split}.jsonl", rows)
    return root
