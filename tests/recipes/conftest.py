"""Shared fixtures: one tiny Qwen2-Audio per session, and a small dataset written by the real
builder (`build_datasets`, as `adcacc build` runs it) plus the ac_matched control rows, so
the recipes train on exactly the schema users get. The audio is synthesized: 1 s tone-and-
noise scenes as bases, short chirps and clicks as events, at 16 kHz."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from adcacc.common.audio import write_wav
from adcacc.common.files import csv_text, write_text
from adcacc.data_builders.datasets import build_datasets
from adcacc.data_builders.matched import write_matched
from adcacc.recipes.tiny_model import build_tiny_qwen2_audio

SR = 16000
BASES = [("b0", "A low hum with soft hiss."), ("b1", "A bright tone rings over noise."),
         ("b2", "Steady noise fills the room."), ("b3", "Two tones alternate slowly.")]
EVENTS = [("e0", "chirp", "synthetic"), ("e1", "click", "synthetic"), ("e2", "beep", "synthetic")]


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    return build_tiny_qwen2_audio(tmp_path_factory.mktemp("models") / "tiny-qwen2-audio")


def _inputs(root: Path) -> tuple[Path, Path]:
    rng = np.random.default_rng(0)
    t = np.arange(SR) / SR
    for i, (bid, _) in enumerate(BASES):
        audio = 0.3 * np.sin(2 * np.pi * (220 + 110 * i) * t) + 0.05 * rng.standard_normal(t.size)
        write_wav(root / "audio" / f"{bid}.wav", audio.astype(np.float32), SR)
    for i, (eid, _, _) in enumerate(EVENTS):
        n = SR // 4
        audio = np.sin(2 * np.pi * (800 + 400 * i) * t[:n] * (1 + i * t[:n])) * np.hanning(n)
        write_wav(root / "audio" / f"{eid}.wav", (0.5 * audio).astype(np.float32), SR)
    bases, events = root / "bases.csv", root / "events.csv"
    write_text(bases, csv_text(["id", "path", "caption"], [[b, f"audio/{b}.wav", c] for b, c in BASES]))
    write_text(events, csv_text(["id", "path", "label", "category"],
                                [[e, f"audio/{e}.wav", lab, cat] for e, lab, cat in EVENTS]))
    return bases, events


@pytest.fixture(scope="session")
def dataset_dir(tmp_path_factory, tiny_model) -> Path:
    """DIR/{ac,adc,acc}_{train,val,test}.jsonl from `build_datasets`, plus ac_matched_*."""
    from transformers import AutoTokenizer

    bases, events = _inputs(tmp_path_factory.mktemp("inputs"))
    out = tmp_path_factory.mktemp("adcacc") / "data"
    build_datasets(out, bases_csv=bases, events_csv=events, seed=0, duration_s=1.0, workers=1)
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    write_matched(out, out, lambda text: len(tokenizer(text)["input_ids"]))
    return out
