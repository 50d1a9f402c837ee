"""Ctrl-C prints the one "interrupted" line and exits 130 in every phase, and a build killed
with SIGKILL leaves no worker processes behind (real `adcacc build` with two workers, in a
subprocess). Each signal is sent while the process holds at a named moment (the test hook
ADCACC_TEST_HOLD of adcacc/cli.py), never after a guessed delay."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from adcacc.common.audio import write_wav
from adcacc.common.files import csv_text, write_text

pytestmark = pytest.mark.slow
ADCACC = str(Path(sys.executable).parent / "adcacc")
BASES = 12
INTERRUPTED = "adcacc: interrupted; rerun the same command to resume."


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("inputs")
    rng = np.random.default_rng(0)
    for i in range(BASES):
        write_wav(root / f"b{i}.wav", (0.1 * rng.standard_normal(160000)).astype(np.float32))
    for i in range(4):
        write_wav(root / f"e{i}.wav", np.sin(np.arange(8000) * (0.05 + 0.02 * i)).astype(np.float32) * 0.5)
    bases, events = root / "bases.csv", root / "events.csv"
    write_text(bases, csv_text(["id", "path", "caption"], [[f"b{i}", f"b{i}.wav", "Noise hisses."] for i in range(BASES)]))
    write_text(events, csv_text(["id", "path", "label", "category"],
                                [[f"e{i}", f"e{i}.wav", f"tone {i}", "synthetic"] for i in range(4)]))
    return bases, events


def _start(inputs, out: Path, hold: Path, at: str) -> subprocess.Popen:
    """`adcacc build` that stops at moment `at` (see adcacc.cli._test_hold) until `hold` is gone."""
    bases, events = inputs
    env = {**os.environ, "ADCACC_TEST_HOLD": str(hold), "ADCACC_TEST_HOLD_AT": at}
    return subprocess.Popen([ADCACC, "build", "--bases", str(bases), "--events", str(events), "--out", str(out),
                             "--workers", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, start_new_session=True)  # its own process group, as a terminal job


def _wait_held(hold: Path, proc: subprocess.Popen) -> None:
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None and not hold.exists():
        time.sleep(0.02)
    if not hold.exists():
        proc.kill()
        pytest.fail(f"the build never reached the hold (exit {proc.poll()}): {proc.communicate()[1][-2000:]}")


def _finish(proc: subprocess.Popen) -> str:
    try:
        return proc.communicate(timeout=60)[1]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


# Where the build holds, and what the output folder must show there: `bases.csv` is opened
# while the inputs are read; `b6` while a worker writes that base's audio (the parent then
# waits in the middle of building); `exit` while Python exits, main() done, the outputs complete.
PHASES = {"reading inputs": "bases.csv", "building": "b6", "after completion": "exit"}


@pytest.mark.parametrize("phase", list(PHASES))
def test_ctrl_c_prints_one_line(inputs, tmp_path, phase):
    out, hold = tmp_path / "out", tmp_path / "hold"
    proc = _start(inputs, out, hold, PHASES[phase])
    _wait_held(hold, proc)
    report = out / "build_report.json"
    assert report.is_file() == (phase == "after completion")
    if phase == "reading inputs":
        assert not (out / ".work" / "shards").is_dir()
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches every process of the foreground group
    err = _finish(proc)
    lines = [line for line in err.replace("\r", "\n").splitlines() if line.strip() and "%|" not in line]
    assert proc.returncode == 130 and "Traceback" not in err, err[-2000:]
    assert lines == [INTERRUPTED], lines
    assert report.is_file() == (phase == "after completion")  # a finished build stays complete


def _running(pids: list[str]) -> list[str]:
    """The processes among `pids` that exist and are not zombies."""
    alive = []
    for pid in pids:
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                alive.append(pid)
        except FileNotFoundError:
            pass
    return alive


def test_sigkill_leaves_no_workers(inputs, tmp_path):
    out, hold = tmp_path / "out", tmp_path / "hold"
    proc = _start(inputs, out, hold, PHASES["building"])
    _wait_held(hold, proc)
    children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
    assert children, "the build runs worker processes"
    os.kill(proc.pid, signal.SIGKILL)  # the parent only, as `kill -9 PID` does
    proc.wait()
    err = proc.stderr.read()  # returns once no worker holds the pipe open any more
    deadline = time.time() + 10  # then they only have to finish exiting
    while (alive := _running(children)) and time.time() < deadline:
        time.sleep(0.05)
    assert not alive, f"workers outlived their killed parent: {alive}"
    assert "Traceback" not in err and "BrokenPipe" not in err, err[-2000:]
