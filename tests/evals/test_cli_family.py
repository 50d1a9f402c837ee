"""`adcacc infer --family F`: the model runs in its family's environment with its backend, called
from this one (the tiny Qwen2.5-Omni stands in for the 7B; real WAV decoding and generation)."""
from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from adcacc.cli import main
from tests.omni import tiny_omni_dir

pytestmark = pytest.mark.slow


def test_infer_with_a_family_runs_its_backend_in_its_environment(tmp_path_factory, tmp_path, capsys):
    model = tiny_omni_dir(tmp_path_factory, "qwen2_5_omni")
    t = np.arange(16000) / 16000
    for i in range(2):
        sf.write(tmp_path / f"c{i}.wav", (0.3 * np.sin(2 * np.pi * (220 + 110 * i) * t)).astype(np.float32), 16000)
    (tmp_path / "caps.csv").write_text("id,path,caption_1\nc0,c0.wav,a low tone\nc1,c1.wav,a higher tone\n")
    out = tmp_path / "run"
    argv = ["infer", "--family", "qwen2_5_omni", "--model", str(model), "--eval-set", "captions-csv",
            "--data", str(tmp_path / "caps.csv"), "--out", str(out), "--max-new-tokens", "4", "--teacher-forced"]
    assert main(argv) == 0
    meta = json.loads((out / "run.json").read_text())
    assert meta["backend"] == "omni" and meta["teacher_forced"]
    assert len((out / "predictions.jsonl").read_text().splitlines()) == 2
    capsys.readouterr()
    assert main([*argv, "--data", str(tmp_path / "none.csv")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("adcacc: error:") and "none.csv" in err[-1]
