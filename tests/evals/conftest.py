"""Tiny fixtures that mimic each dataset's release layout (real files, synthetic tones)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.evals.files import tone


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """The tiny random Qwen2-Audio of adcacc.recipes.tiny_model (the 7B cannot be downloaded here)."""
    from adcacc.recipes.tiny_model import build_tiny_qwen2_audio

    return build_tiny_qwen2_audio(tmp_path_factory.getbasetemp() / "tiny_qwen2_audio")


@pytest.fixture
def captions_csv(tmp_path) -> Path:
    """The corpus form: id,path,caption_1..caption_5 with paths relative to the CSV."""
    lines = ["id,path,caption_1,caption_2,caption_3,caption_4,caption_5"]
    for i in range(6):
        tone(tmp_path / "audio" / f"c{i}.wav", 300 + 50 * i, 1 + i % 2)
        caps = [f"a tone number {i} plays", "a steady beep sounds", "an electronic tone",
                "a high pitched beep", "a sine wave hums"]
        lines.append(f"c{i},audio/c{i}.wav," + ",".join(caps))
    (tmp_path / "captions.csv").write_text("\n".join(lines) + "\n")
    return tmp_path / "captions.csv"


@pytest.fixture
def audiocaps_root(tmp_path) -> Path:
    base = tmp_path / "AUDIOCAPS"
    rows = ["audiocap_id,youtube_id,start_time,caption"]
    for k, (yt, start) in enumerate((("abc123", 30), ("zzz999", 0), ("gone00", 10))):
        for j in range(5):
            rows.append(f"{100 * k + j},{yt},{start},clip {yt} caption {j}")
        if yt != "gone00":  # a YouTube clip that could not be downloaded
            audio_dir = base / "audio_32000Hz" / "test"
            audio_dir.mkdir(parents=True, exist_ok=True)
            t = np.arange(32000) / 32000
            sf.write(audio_dir / f"{yt}_{start}.flac", 0.3 * np.sin(2 * np.pi * 500 * t), 32000, format="FLAC")
    (base / "test.csv").write_text("\n".join(rows) + "\n")
    return tmp_path


@pytest.fixture
def clotho_root(tmp_path) -> Path:
    base = tmp_path / "CLOTHO_v2.1"
    lines = ["file_name,caption_1,caption_2,caption_3,caption_4,caption_5"]
    for name in ("rain on roof.wav", "birds_morning.wav"):
        tone(base / "clotho_audio_files" / "evaluation" / name)
        lines.append(f'"{name}",' + ",".join(f"{name[:-4]} caption {j}" for j in range(5)))
    (base / "clotho_csv_files").mkdir(parents=True)
    (base / "clotho_csv_files" / "clotho_captions_evaluation.csv").write_text("\n".join(lines) + "\n")
    return tmp_path


@pytest.fixture
def vocalsound_root(tmp_path) -> Path:
    (tmp_path / "meta").mkdir()
    (tmp_path / "meta" / "te_meta.csv").write_text("f0003,female,30,US,English,healthy\nm0100,male,41\n")
    for name in ("f0003_0_cough", "f0003_1_laughter", "m0100_0_throatclearing", "m0200_0_sneeze"):
        tone(tmp_path / "audio_16k" / f"{name}.wav")
    return tmp_path


@pytest.fixture
def iemocap_root(tmp_path) -> Path:
    lines = {1: ["% header", "[6.2901 - 8.2357]\tSes01F_impro01_F000\tneu\t[2.5000, 2.5000, 2.5000]",
                 "[10.0100 - 11.3925]\tSes01F_impro01_F001\texc\t[3.5000, 3.5000, 3.0000]",
                 "[12.0 - 13.0]\tSes01F_impro01_M000\tfru\t[2.0, 3.0, 3.0]",
                 "C-E1:\tNeutral;\t()"],
             5: ["[1.0 - 2.0]\tSes05M_script01_1_F000\thap\t[4.0, 3.0, 3.0]",
                 "[2.0 - 3.0]\tSes05M_script01_1_M001\tang\t[2.0, 4.0, 4.0]",
                 "[3.0 - 4.0]\tSes05M_script01_1_M002\tsad\t[2.0, 2.0, 2.0]"]}
    for s in (1, 2, 3, 4, 5):
        d = tmp_path / f"Session{s}" / "dialog" / "EmoEvaluation"
        d.mkdir(parents=True)
        if s in lines:
            dialog = lines[s][1].split("\t")[1].rsplit("_", 1)[0]
            (d / f"{dialog}.txt").write_text("\n".join(lines[s]) + "\n")
            for line in lines[s]:
                if line.startswith("["):
                    utt = line.split("\t")[1]
                    tone(tmp_path / f"Session{s}" / "sentences" / "wav" / dialog / f"{utt}.wav")
    return tmp_path


@pytest.fixture
def nsynth_root(tmp_path) -> Path:
    base = tmp_path / "nsynth-test"
    notes = {"bass_synthetic_033-022-050": "bass", "guitar_acoustic_010-060-100": "guitar",
             "synth_lead_synthetic_000-040-075": "synth_lead"}
    meta = {n: {"note_str": n, "instrument_family_str": fam, "pitch": 60} for n, fam in notes.items()}
    base.mkdir()
    (base / "examples.json").write_text(json.dumps(meta))
    for n in notes:
        tone(base / "audio" / f"{n}.wav")
    return tmp_path


@pytest.fixture
def gtzan_root(tmp_path) -> Path:
    from adcacc.evals.sets.tasks import TASK_LABELS

    for genre in TASK_LABELS["mgc"]:
        for k in range(2):
            tone(tmp_path / "genres_original" / genre / f"{genre}.{k:05d}.wav", 200 + 20 * k)
    return tmp_path


@pytest.fixture
def pairs_jsonl(tmp_path) -> Path:
    """An ms-swift JSONL of pair rows (two audios each, own instruction), paths relative."""
    rows = []
    for i in range(5):
        for k in "ab":
            tone(tmp_path / "audio" / f"p{i}{k}.wav", 300 + 40 * i + (60 if k == "b" else 0), 1 + i % 2)
        rows.append({"messages": [{"role": "user", "content": f"<audio><audio>What changed from the first clip to the second? ({i})"},
                                  {"role": "assistant", "content": f"add a tone number {i}"}],
                     "audios": [f"audio/p{i}a.wav", f"audio/p{i}b.wav"]})
    path = tmp_path / "adc_val.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path
