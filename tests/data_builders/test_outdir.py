"""The --out folder: never someone else's, one writer at a time, a changed input is noticed,
and an unfinished build restarts cleanly after its input is fixed."""
import fcntl
import json
import os
from pathlib import Path

import numpy as np
import soundfile as sf

from adcacc.cli import main
from adcacc.common.owned_dir import LOCK


def build(sources, out: Path, *extra: str) -> int:
    return main(["build", "--bases", str(sources[0]), "--events", str(sources[1]),
                 "--out", str(out), "--duration", "2", "--workers", "1", *extra])


def test_unrelated_non_empty_folder_is_refused_and_untouched(sources, tmp_path, capsys):
    out = tmp_path / "u"
    (out / "sub").mkdir(parents=True)
    (out / "sub" / ".t.part").write_text("x")
    (out / "pairs.csv").write_text("mine")
    assert build(sources, out) == 2
    assert "not empty and was not made by adcacc build" in capsys.readouterr().err
    assert (out / "sub" / ".t.part").read_text() == "x" and (out / "pairs.csv").read_text() == "mine"
    assert sorted(p.name for p in out.iterdir()) == ["pairs.csv", "sub"]


def test_rerun_cleans_only_its_own_temp_files(sources, tmp_path):
    out = tmp_path / "out"
    assert build(sources, out) == 0
    (out / "notes").mkdir()
    (out / "notes" / ".other-job.part").write_text("in flight")
    (out / "audio" / "base0" / ".A.wav.123.abc.part").write_text("ours, dead")
    assert build(sources, out) == 0
    assert (out / "notes" / ".other-job.part").is_file()
    assert not (out / "audio" / "base0" / ".A.wav.123.abc.part").exists()


def test_second_writer_is_refused_by_the_lock(sources, tmp_path, capsys):
    out = tmp_path / "out"
    assert build(sources, out) == 0
    fd = os.open(out / LOCK, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)  # another build holding the folder
    try:
        assert build(sources, out) == 2
        assert "another adcacc command is writing" in capsys.readouterr().err
    finally:
        os.close(fd)
    assert build(sources, out) == 0


def test_replaced_audio_is_not_reused(sources, tmp_path, capsys):
    out = tmp_path / "out"
    assert build(sources, out) == 0
    before = (out / "audio" / "base1" / "A.wav").read_bytes()
    t = np.arange(64000) / 32000
    sf.write(sources[0].parent / "audio/base1.flac", (0.3 * np.sin(2 * np.pi * 660 * t)).astype(np.float32), 32000)
    code = build(sources, out)
    assert code == 2 and "other inputs or settings" in capsys.readouterr().err
    assert build(sources, tmp_path / "fresh") == 0
    assert (tmp_path / "fresh" / "audio" / "base1" / "A.wav").read_bytes() != before


def test_build_stopped_by_bad_audio_reruns_after_the_fix(sources, tmp_path, capsys):
    """The CSV named a broken file; the user points the row at the right one and reruns."""
    (sources[0].parent / "audio/broken.flac").write_bytes(b"not audio" * 100)
    text = sources[0].read_text()
    sources[0].write_text(text.replace("audio/base2.flac", "audio/broken.flac"))
    out = tmp_path / "out"
    assert build(sources, out) == 2
    sources[0].write_text(text)
    assert build(sources, out) == 0
    report = json.loads((out / "build_report.json").read_text())
    assert report["bases_built"] == 6
    assert build(sources, out, "--relative-paths") == 2  # finished: other settings are refused


def test_out_that_is_a_file_is_one_line(sources, tmp_path, capsys):
    out = tmp_path / "f"
    out.write_text("x")
    assert build(sources, out) == 2
    err = capsys.readouterr().err
    assert "is a file" in err and "Traceback" not in err


def test_audio_rewritten_with_the_same_size_and_mtime_is_not_reused(sources, tmp_path, capsys):
    """`touch -r` restores the mtime of a rewritten file; its inode change time still moves."""
    out = tmp_path / "out"
    assert build(sources, out) == 0
    event = sources[1].parent / "audio/ev0.wav"
    st = event.stat()
    samples, sr = sf.read(event, dtype="int16")
    sf.write(event, -samples, sr, subtype="PCM_16")  # same format and length: same size
    os.utime(event, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert event.stat().st_size == st.st_size and event.stat().st_mtime_ns == st.st_mtime_ns
    assert build(sources, out) == 2
    assert "other inputs or settings" in capsys.readouterr().err
