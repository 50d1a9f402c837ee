import csv
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from adcacc.cli import main
from adcacc.data_builders.layout import PAIRS_CSV, SPLITS, dataset_file, dataset_files
from tests.data_builders.conftest import write_sources

OUTPUTS = dataset_files() + [PAIRS_CSV]


def build(bases: Path, events: Path, out: Path, *extra: str) -> int:
    return main(["build", "--bases", str(bases), "--events", str(events), "--out", str(out),
                 "--duration", "2", *extra])


def read_rows(out: Path, name: str) -> list[dict]:
    return [json.loads(line) for line in (out / name).read_text().splitlines()]


def snapshot(out: Path) -> dict[str, bytes]:
    files = [out / n for n in OUTPUTS] + sorted((out / "audio").rglob("*.wav"))
    return {str(p.relative_to(out)): p.read_bytes() for p in files}


def test_build_writes_six_pairs_per_base_and_valid_rows(sources, tmp_path):
    out = tmp_path / "out"
    assert build(*sources, out) == 0
    report = json.loads((out / "build_report.json").read_text())
    assert report["bases_built"] == 6 and report["pairs_by_op"] == {"add": 12, "delete": 12, "replace": 12}
    for name in OUTPUTS[:-1]:
        for row in read_rows(out, name):
            assert row["messages"][0]["content"].count("<audio>") == len(row["audios"])
            assert all(Path(a).is_absolute() and Path(a).is_file() for a in row["audios"])
    assert sum(report["rows"][dataset_file("adc", s)] for s in SPLITS) == 36


def test_splits_are_disjoint_by_base(sources, tmp_path):
    out = tmp_path / "out"
    build(*sources, out)
    with open(out / "pairs.csv") as f:
        split_of = {}
        for row in csv.DictReader(f):
            assert split_of.setdefault(row["base_id"], row["split"]) == row["split"]
    assert set(split_of.values()) == set(SPLITS)
    for split in SPLITS:
        bases = {Path(a).parent.name for r in read_rows(out, dataset_file("acc", split)) for a in r["audios"]}
        assert bases == {b for b, s in split_of.items() if s == split}


def test_same_seed_is_byte_identical_across_worker_counts(sources, tmp_path):
    build(*sources, tmp_path / "one", "--workers", "1", "--relative-paths")
    build(*sources, tmp_path / "two", "--workers", "2", "--relative-paths")
    assert snapshot(tmp_path / "one") == snapshot(tmp_path / "two")
    build(*sources, tmp_path / "other", "--seed", "1", "--relative-paths")
    assert snapshot(tmp_path / "other") != snapshot(tmp_path / "one")


@pytest.mark.slow
def test_resume_after_kill_finishes_without_redoing(tmp_path):
    bases, events = write_sources(tmp_path / "src", n_bases=60, base_s=10.0)
    cmd = [sys.executable, "-m", "adcacc", "build", "--bases", str(bases), "--events", str(events),
           "--workers", "1", "--relative-paths"]
    shards = tmp_path / "out" / ".work" / "shards"
    proc = subprocess.Popen(cmd + ["--out", str(tmp_path / "out")], stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline and len(list(shards.glob("*.json"))) < 5:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before = len(list(shards.glob("*.json")))
    assert 5 <= done_before < 60, "the kill must land mid-build"
    assert not (tmp_path / "out" / "pairs.csv").exists()
    subprocess.run(cmd + ["--out", str(tmp_path / "out")], check=True, stderr=subprocess.DEVNULL)
    report = json.loads((tmp_path / "out" / "build_report.json").read_text())
    assert report["timing"]["bases_reused"] >= done_before - 1  # a shard being renamed may be lost
    assert report["bases_built"] == 60
    assert not list((tmp_path / "out").rglob(".*.part"))
    subprocess.run(cmd + ["--out", str(tmp_path / "clean")], check=True, stderr=subprocess.DEVNULL)
    assert snapshot(tmp_path / "out") == snapshot(tmp_path / "clean")


def test_rebuild_with_other_settings_is_refused(sources, tmp_path, capsys):
    out = tmp_path / "out"
    build(*sources, out)
    assert build(*sources, out, "--seed", "7") == 2
    assert "use a new --out" in capsys.readouterr().err


def test_hot_float_base_keeps_a_equal_to_the_mix_minus_the_event(sources, tmp_path):
    """A float base peaking at 1.8: A, A+B and A+C carry the base at one gain, so outside
    the event A+B equals A (to 16-bit rounding) instead of A clipped and A+B scaled."""
    root = sources[0].parent
    x = sf.read(root / "audio/base0.flac", dtype="float32")[0] * 6  # peak about 1.8
    sf.write(root / "audio/base0.wav", x, 32000, subtype="FLOAT")
    with open(sources[0]) as f:
        text = f.read().replace("audio/base0.flac", "audio/base0.wav")
    sources[0].write_text(text)
    out = tmp_path / "out"
    assert build(*sources, out) == 0
    with open(out / "pairs.csv") as f:
        row = next(r for r in csv.DictReader(f) if r["base_id"] == "base0")
    a = sf.read(out / "audio/base0/A.wav", dtype="int16")[0].astype(int)
    ab = sf.read(out / "audio/base0/AB.wav", dtype="int16")[0].astype(int)
    onset = int(round(float(row["b_onset_s"]) * 16000))
    outside = np.r_[0:onset, onset + 8000:len(a)]  # the events last 0.5 s
    assert np.abs(a).max() < 32767 and np.abs(ab[outside] - a[outside]).max() <= 1
    assert float(row["b_mix_gain"]) == float(row["c_mix_gain"]) < 1


def test_long_base_decodes_only_its_window(sources, tmp_path):
    """A 20-minute base whose audio past the first minute is corrupt builds: only the window
    the build uses is decoded (a whole decode would fail on the corruption)."""
    root = sources[0].parent
    rng = np.random.default_rng(0)
    sf.write(root / "audio/base0.flac", (0.1 * rng.standard_normal(20 * 60 * 16000)).astype(np.float32), 16000)
    data = bytearray((root / "audio/base0.flac").read_bytes())
    data[len(data) // 2:] = bytes(len(data) - len(data) // 2)  # zeros: the decoder loses sync
    (root / "audio/base0.flac").write_bytes(bytes(data))
    with pytest.raises(sf.LibsndfileError):
        sf.read(root / "audio/base0.flac")
    assert build(*sources, tmp_path / "out") == 0


def test_max_bases_is_a_recorded_seeded_sample(sources, tmp_path):
    assert build(*sources, tmp_path / "out", "--max-bases", "3") == 0
    report = json.loads((tmp_path / "out" / "build_report.json").read_text())
    ids = report["max_bases"]["ids"]
    assert report["bases_built"] == 3 and len(ids) == 3 and ids != ["base0", "base1", "base2"]
    with open(tmp_path / "out" / "pairs.csv") as f:
        assert {r["base_id"] for r in csv.DictReader(f)} == set(ids)


def test_ids_that_sanitise_alike_keep_their_own_audio(sources, tmp_path):
    from adcacc.data_builders.plan import file_stem

    text = sources[0].read_text()
    sources[0].write_text(text.replace("base0,", "a b,").replace("base1,", f"{file_stem('a b')},"))
    out = tmp_path / "out"
    assert build(*sources, out, "--relative-paths") == 0
    rows = [r for s in SPLITS for r in read_rows(out, dataset_file("ac", s))]
    assert len(rows) == 6 and len({r["audios"][0] for r in rows}) == 6
