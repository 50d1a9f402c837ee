"""Loaders for the real dataset layouts, on tiny fixtures that copy them."""
import csv
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from adcacc.cli import main
from adcacc.common.errors import InputError
from adcacc.data_builders.inputs import Problems, load_audiocaps, load_event_folder


def tone(seconds: float, sr: int) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    return (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)


def audiocaps(root: Path, csv_dir: str = "") -> Path:
    """aac-datasets layout: AUDIOCAPS/{subset}.csv + audio_32000Hz/{subset}/{ytid}_{start}.flac."""
    base = root / "AUDIOCAPS"
    (base / "audio_32000Hz/train").mkdir(parents=True)
    (base / csv_dir).mkdir(parents=True, exist_ok=True)
    rows = [("1", "abc", "30", "A dog barks"), ("2", "abc", "30", "A dog barks twice"),
            ("3", "def", "10", "Rain falls on a roof"), ("4", "gone", "0", "Never downloaded")]
    with open(base / csv_dir / "train.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["audiocap_id", "youtube_id", "start_time", "caption"])
        w.writerows(rows)
    for ytid, start in (("abc", "30"), ("def", "10")):
        sf.write(base / f"audio_32000Hz/train/{ytid}_{start}.flac", tone(10, 32000), 32000)
    return root


@pytest.mark.parametrize("csv_dir", ["", "csv_files_v1"])
def test_audiocaps_layout_first_caption_and_missing_audio_recorded(tmp_path, csv_dir):
    problems = Problems()
    clips = load_audiocaps(audiocaps(tmp_path, csv_dir), "train", problems)
    assert [(c.id, c.text) for c in clips] == [("abc_30", "A dog barks"), ("def_10", "Rain falls on a roof")]
    assert [s["reason"] for s in problems.skips] == ["audio not downloaded: gone_0.flac"]


def test_audiocaps_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="AudioCaps audio folder not found"):
        load_audiocaps(tmp_path, "train", Problems())


def test_event_folder_layout(tmp_path):
    for cat, label, name in (("Animals", "dog_barking", "a.wav"), ("Music", "piano", "b.wav"),
                             ("Music", "piano", "c.wav")):
        (tmp_path / "ev" / cat / label).mkdir(parents=True, exist_ok=True)
        sf.write(tmp_path / "ev" / cat / label / name, tone(1, 16000), 16000)
    clips = load_event_folder(tmp_path / "ev")
    assert [(c.id, c.text, c.category) for c in clips] == [
        ("Animals/dog_barking/a", "dog barking", "Animals"),
        ("Music/piano/b", "piano", "Music"), ("Music/piano/c", "piano", "Music")]


@pytest.mark.parametrize("linked", ["file", "folder"])
def test_event_folder_link_leaving_it_is_refused(tmp_path, linked):
    """Case 11: a link in --event-dir may not make the build read a file outside it."""
    (tmp_path / "ev" / "Animals" / "dog").mkdir(parents=True)
    sf.write(tmp_path / "ev" / "Animals" / "dog" / "a.wav", tone(1, 16000), 16000)
    (tmp_path / "private" / "bell").mkdir(parents=True)
    sf.write(tmp_path / "private" / "bell" / "secret.wav", tone(1, 16000), 16000)
    if linked == "file":
        (tmp_path / "ev" / "Animals" / "dog" / "b.wav").symlink_to(tmp_path / "private" / "bell" / "secret.wav")
    else:
        (tmp_path / "ev" / "Animals" / "bell").symlink_to(tmp_path / "private" / "bell")
    with pytest.raises(InputError, match="outside the event folder") as err:
        load_event_folder(tmp_path / "ev")
    assert str(tmp_path / "ev" / "Animals") in str(err.value) and "\n" not in str(err.value)


def test_build_from_audiocaps_and_event_folder(tmp_path):
    audiocaps(tmp_path / "aac")
    for label in ("dog_barking", "bell_ringing"):
        (tmp_path / "ev" / "Animals" / label).mkdir(parents=True)
        sf.write(tmp_path / "ev" / "Animals" / label / "x.wav", tone(1, 22050), 22050)
    assert main(["build", "--audiocaps", str(tmp_path / "aac"), "--subset", "train",
                 "--event-dir", str(tmp_path / "ev"), "--out", str(tmp_path / "out")]) == 0
    with open(tmp_path / "out" / "pairs.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 12 and {r["base_id"] for r in rows} == {"abc_30", "def_10"}
