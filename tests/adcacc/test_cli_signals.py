"""Ctrl-C prints the one "interrupted" line, every time, and a build killed with SIGKILL
leaves no worker processes behind (real `adcacc build` with two workers, in a subprocess)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from common.audio import write_wav
from common.files import csv_text, write_text

pytestmark = pytest.mark.slow
ADCACC = str(Path(sys.executable).parent / "adcacc")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("inputs")
    rng = np.random.default_rng(0)
    for i in range(300):
        write_wav(root / f"b{i}.wav", (0.1 * rng.standard_normal(160000)).astype(np.float32))
    for i in range(4):
        write_wav(root / f"e{i}.wav", np.sin(np.arange(8000) * (0.05 + 0.02 * i)).astype(np.float32) * 0.5)
    bases, events = root / "bases.csv", root / "events.csv"
    write_text(bases, csv_text(["id", "path", "caption"], [[f"b{i}", f"b{i}.wav", "Noise hisses."] for i in range(300)]))
    write_text(events, csv_text(["id", "path", "label", "category"],
                                [[f"e{i}", f"e{i}.wav", f"tone {i}", "synthetic"] for i in range(4)]))
    return bases, events


def _start(inputs, out: Path) -> subprocess.Popen:
    bases, events = inputs
    return subprocess.Popen([ADCACC, "build", "--bases", str(bases), "--events", str(events), "--out", str(out),
                             "--workers", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)  # its own process group, as a terminal job


def _wait_building(out: Path, proc: subprocess.Popen) -> None:
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if (out / ".work" / "shards").is_dir() and any((out / ".work" / "shards").iterdir()):
            return
        time.sleep(0.05)
    pytest.fail("the build never started writing shards")


@pytest.mark.parametrize("delay", [0.1, 0.4, 0.8, 1.5, 3.0])
def test_ctrl_c_prints_one_line(inputs, tmp_path, delay):
    """At any moment: while modules load, while events are checked, while workers build."""
    out = tmp_path / "out"
    proc = _start(inputs, out)
    time.sleep(delay)
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches every process of the foreground group
    _, err = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.skip("the build finished before the interrupt")
    lines = [line for line in err.replace("\r", "\n").splitlines() if line.strip() and "%|" not in line]
    assert proc.returncode == 130 and "Traceback" not in err, err[-2000:]
    assert lines == ["adcacc: interrupted; rerun the same command to resume."], lines


def test_sigkill_leaves_no_workers(inputs, tmp_path):
    out = tmp_path / "out"
    proc = _start(inputs, out)
    _wait_building(out, proc)
    children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
    assert children, "the build runs worker processes"
    os.kill(proc.pid, signal.SIGKILL)  # the parent only, as `kill -9 PID` does
    proc.wait()
    time.sleep(0.3)
    alive = [pid for pid in children if Path(f"/proc/{pid}").exists()
             and "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]]
    err = proc.stderr.read()  # returns once no worker holds the pipe open any more
    assert not alive, f"workers outlived their killed parent: {alive}"
    assert "Traceback" not in err and "BrokenPipe" not in err, err[-2000:]
