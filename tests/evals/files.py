"""Small file writers shared by the evals tests."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from adcacc.common.audio import write_wav


def tone(path: Path, freq: float = 440.0, seconds: float = 1.0, sr: int = 16000) -> Path:
    t = np.arange(int(sr * seconds)) / sr
    write_wav(path, (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32), sr)
    return path


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path
