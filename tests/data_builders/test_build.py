import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from adcacc.cli import main
from data_builders.layout import PAIRS_CSV, SPLITS, dataset_file, dataset_files
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
