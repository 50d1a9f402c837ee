"""Every bad input gives one clear line naming the file (and row), and leaves no outputs."""
import csv
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from adcacc.cli import main
from tests.data_builders.conftest import write_sources


def rewrite_csv(path: Path, edit) -> None:
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    edit(rows)
    with open(path, "w", newline="") as f:
        csv.writer(f).writerows(rows)


def run(sources, tmp_path, capsys, *extra) -> tuple[int, str, Path]:
    out = tmp_path / "out"
    code = main(["build", "--bases", str(sources[0]), "--events", str(sources[1]),
                 "--out", str(out), "--duration", "2", *extra])
    return code, capsys.readouterr().err, out


def corrupt(root, bases):
    (root / "audio/base2.flac").write_bytes(b"not audio at all" * 50)


def empty(root, bases):
    (root / "audio/base2.flac").unlink()
    sf.write(root / "audio/base2.wav", np.zeros(0, np.float32), 32000)
    rewrite_csv(bases, lambda rows: rows[3].__setitem__(1, "audio/base2.wav"))


def silent(root, bases):
    sf.write(root / "audio/base2.flac", np.zeros(32000, np.float32), 32000)


def nan(root, bases):
    x = np.full(32000, 0.1, np.float32)
    x[100] = np.nan
    (root / "audio/base2.flac").unlink()
    sf.write(root / "audio/base2.wav", x, 32000, subtype="FLOAT")
    rewrite_csv(bases, lambda rows: rows[3].__setitem__(1, "audio/base2.wav"))


def short(root, bases):
    sf.write(root / "audio/base2.flac", np.full(3200, 0.1, np.float32), 32000)


def missing(root, bases):
    (root / "audio/base2.flac").unlink()


def escape(root, bases):
    rewrite_csv(bases, lambda rows: rows[3].__setitem__(1, "../outside.flac"))


def empty_caption(root, bases):
    rewrite_csv(bases, lambda rows: rows[3].__setitem__(2, "  "))


def duplicate(root, bases):
    rewrite_csv(bases, lambda rows: rows[3].__setitem__(0, "base0"))


def columns(root, bases):
    rewrite_csv(bases, lambda rows: rows[0].__setitem__(2, "text"))


def truncated(root, bases):
    sf.write(root / "audio/base2.wav", np.full(64000, 0.1, np.float32), 32000, subtype="PCM_16")
    data = (root / "audio/base2.wav").read_bytes()
    (root / "audio/base2.wav").write_bytes(data[: len(data) // 2])  # a cut-off copy
    rewrite_csv(bases, lambda rows: rows[3].__setitem__(1, "audio/base2.wav"))


def spike(root, bases):
    x = np.full(64000, 0.1, np.float32)
    x[5000] = 1e30
    sf.write(root / "audio/base2.wav", x, 32000, subtype="FLOAT")
    rewrite_csv(bases, lambda rows: rows[3].__setitem__(1, "audio/base2.wav"))


def media_tag(root, bases):
    rewrite_csv(bases, lambda rows: rows[3].__setitem__(2, "A dog barks <audio> twice"))


CASES = {
    corrupt: ("base2.flac", "unreadable or corrupt"),
    empty: ("base2.wav", "empty"),
    silent: ("base2.flac", "silent"),
    nan: ("base2.wav", "NaN"),
    short: ("row 4", "shorter than event"),
    missing: ("row 4", "not found"),
    escape: ("row 4", "escapes"),
    empty_caption: ("row 4", "empty caption"),
    duplicate: ("row 4", "duplicate id"),
    columns: ("bases.csv", "missing column(s) caption"),
    truncated: ("base2.wav", "truncated"),
    spike: ("base2.wav", "far above full scale"),
    media_tag: ("row 4", "'<audio>'"),
}


@pytest.mark.parametrize("breaker", CASES, ids=lambda f: f.__name__)
def test_bad_input_is_one_clear_line_and_writes_nothing(breaker, sources, tmp_path, capsys):
    breaker(sources[0].parent, sources[0])
    code, err, out = run(sources, tmp_path, capsys)
    where, problem = CASES[breaker]
    assert code == 2
    lines = [line for line in err.splitlines() if line.startswith("adcacc: error:")]
    assert len(lines) == 1 and "Traceback" not in err
    line = lines[0]
    assert where in line and problem in line and ("bases.csv" in line or "base2" in line)
    assert not list(out.glob("*.jsonl")) and not (out / "pairs.csv").exists()
    assert not list(out.rglob(".*.part"))


@pytest.mark.parametrize("breaker", [corrupt, missing, duplicate], ids=lambda f: f.__name__)
def test_skip_bad_records_the_reason_and_builds_the_rest(breaker, sources, tmp_path, capsys):
    breaker(sources[0].parent, sources[0])
    code, _, out = run(sources, tmp_path, capsys, "--skip-bad")
    assert code == 0
    report = json.loads((out / "build_report.json").read_text())
    assert report["bases_built"] == 5 and len(report["skips"]) == 1
    skip = report["skips"][0]
    assert CASES[breaker][1] in skip["reason"]
    assert skip["row"] == 4 and skip["file"] == str(sources[0])


def test_splits_are_drawn_after_skipping(tmp_path, capsys):
    """Four bases, one bad (drawn into val when splits came before skipping): the three that build
    are split among themselves, so every split keeps one base."""
    bases, events = write_sources(tmp_path / "src", n_bases=4)
    (bases.parent / "audio/base3.flac").write_bytes(b"broken" * 100)
    code = main(["build", "--bases", str(bases), "--events", str(events), "--out",
                 str(tmp_path / "out"), "--duration", "2", "--skip-bad"])
    assert code == 0
    report = json.loads((tmp_path / "out/build_report.json").read_text())
    assert report["bases_built"] == 3
    assert all(report["rows"][f"ac_{s}.jsonl"] == 1 for s in ("train", "val", "test"))


BAD_SETTINGS = {
    "max-bases-0": (["--max-bases", "0"], "--max-bases"),
    "max-bases-negative": (["--max-bases", "-2"], "--max-bases"),
    "ratio-reversed": (["--ratio-db", "10", "0"], "--ratio-db"),
    "ratio-out-of-range": (["--ratio-db", "300", "400"], "--ratio-db"),
    "ratio-nan": (["--ratio-db", "nan", "3"], "--ratio-db"),
    "duration-nan": (["--duration", "nan"], "--duration"),
    "duration-zero": (["--duration", "0"], "--duration"),
    "splits-sum": (["--splits", "0.5,0.1,0.1"], "--splits"),
    "splits-negative": (["--splits", "1.1,-0.1,0"], "--splits"),
    # issue 21 case 13: sizes bounded with a line naming the limit
    "workers-past-cpus": (["--workers", "100000"], "--workers: must be from 1 to"),
    "duration-huge": (["--duration", "1e9"], "--duration: must be a number of seconds above 0 and at most 30"),
    "seed-negative": (["--seed", "-1"], "--seed: must be an integer from 0"),
}


@pytest.mark.parametrize("name", BAD_SETTINGS)
def test_bad_settings_are_refused_before_anything_is_written(name, sources, tmp_path, capsys):
    extra, flag = BAD_SETTINGS[name]
    code, err, out = run(sources, tmp_path, capsys, *extra)
    assert code == 2 and "Traceback" not in err
    assert err.strip().startswith(f"adcacc: error: {flag}") and len(err.strip().splitlines()) == 1
    assert not out.exists()
