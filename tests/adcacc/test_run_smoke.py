"""`adcacc run experiments/smoke.yaml` end to end (real corpus, real `swift sft` per arm,
real inference and metrics), then killed with SIGKILL during training and during inference
and rerun: it must finish with a comparison.json byte-identical to the uninterrupted run's.
The tiny random Qwen2-Audio stands in for the 7B model (no hub here)."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from adcacc.cli import main

pytestmark = pytest.mark.slow
EXPERIMENT = Path(__file__).resolve().parents[2] / "experiments" / "smoke.yaml"
ADCACC = str(Path(sys.executable).parent / "adcacc")


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("smoke") / "run"
    assert main(["run", str(EXPERIMENT), "--out", str(out)]) == 0
    return out


def test_smoke_experiment_runs_every_stage(smoke_run, capsys):
    states = {p.stem: json.loads(p.read_text()) for p in (smoke_run / ".stages").glob("*.json")}
    assert len(states) == 35 and all(s["status"] == "done" for s in states.values())
    pretrain = states["pretrain"]
    assert (Path(pretrain["checkpoint"]) / "model.safetensors").is_file() and pretrain["rows"]["mic"] > 0
    trained = json.loads((smoke_run / "train" / "adc" / "s0" / "checkpoint-3" / "adapter_config.json").read_text())
    assert trained["base_model_name_or_path"] == pretrain["checkpoint"]  # arms start from the pretrained model
    for arm in ("ac", "adc", "acc", "ac_matched", "forget_control"):
        train = smoke_run / "train" / arm / "s0"
        assert (train / "command.txt").read_text().split()[1] == "sft" and (train / "sft.log").is_file()
        assert (train / "checkpoint-3" / "adapter_model.safetensors").is_file()
    matched = json.loads((smoke_run / "data_matched" / "ac_matched_report.json").read_text())
    assert matched["rows"] == matched["acc_rows"] and abs(matched["token_ratio"] - 1) <= 0.05
    comparison = json.loads((smoke_run / "report" / "comparison.json").read_text())
    assert set(comparison["arms"]) == {"base", "ac", "adc", "acc", "ac_matched", "forget_control", "trivial"}
    gates = {g["id"]: g for g in comparison["gates"]}
    assert len(gates) == 7 and {g["b"] for g in gates.values()} == {"trivial", "base", "twice chance"}
    assert {"base_twice_chance_vsc-proxy", "base_twice_chance_mic-proxy"} <= set(gates)
    assert "adc_learned_own-adc_ref_loglik" in gates and not any("forget_control" in g for g in gates)
    own = comparison["eval_sets"]["own-adc"]
    assert "ref_loglik" in own["metrics"] and "ref_loglik" not in own["unavailable"]
    mic = {(v["arm"], v["metric"]): v for v in comparison["eval_sets"]["mic-proxy"]["values"]}
    assert "mean" in mic["adc", "label_logprob"] and mic["base", "changed"]["mean"] == 0
    assert [v["role"] for v in comparison["verdicts"]] == ["claim", "claim", "control"]
    # the verdicts and effects as measured 2026-12-05 (torch 2.13.0 CPU, ms-swift 4.6.0): the tiny
    # base learns nothing worth measuring, so the claims read VOID; the forgetting control moves
    # MIC's label log-probability. Teacher-forced log-probabilities have no greedy ties: 1e-3.
    pinned = {"adc_below_ac": (0.0, "VOID (adc: precondition adc_learned_own-adc_CIDEr-D did not hold; "
                                    "base: precondition base_beats_trivial_captions-csv did not hold)"),
              "adc_forgets_more_mic": (-0.00258, "VOID (adc: precondition adc_learned_own-adc_CIDEr-D did not hold; "
                                                 "base: precondition base_beats_trivial_mic-proxy did not hold; "
                                                 "base: precondition base_twice_chance_mic-proxy did not hold)"),
              "control_moves_mic": (-0.21489, "holds")}
    got = {v["id"]: (v["delta"], v["verdict"]) for v in comparison["verdicts"]}
    assert set(got) == set(pinned)
    for claim, (delta, verdict) in pinned.items():
        assert got[claim][1] == verdict and abs(got[claim][0] - delta) < 1e-3, (claim, got[claim])
    assert "data:image/png;base64" in (smoke_run / "report" / "report.html").read_text()
    capsys.readouterr()
    assert main(["run", str(EXPERIMENT), "--out", str(smoke_run)]) == 0  # all done: all skipped
    out = capsys.readouterr().out
    assert out.count("[skip]") == 35 and "[run]" not in out


def _run_until(out: Path, stage_prefix: str, log: Path) -> None:
    """Start the run; SIGKILL it (and its swift child) once a `stage_prefix` stage is running."""
    with log.open("a") as f:
        proc = subprocess.Popen([ADCACC, "run", str(EXPERIMENT), "--out", str(out)], stdout=f,
                                stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 600
    while time.time() < deadline and proc.poll() is None:
        running = [json.loads(p.read_text()) for p in (out / ".stages").glob(f"{stage_prefix}*.json")
                   if p.is_file()] if (out / ".stages").is_dir() else []
        if any(s.get("status") == "running" for s in running):
            time.sleep(2.0)  # well inside the stage
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return
        time.sleep(0.2)
    pytest.fail(f"no {stage_prefix} stage was seen running; log: {log.read_text()[-2000:]}")


def test_killed_during_training_and_inference_resumes_to_the_same_comparison(smoke_run, tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    # done stages, copied to save CI time: all but the trainings and inferences of adc and acc
    done = ("ac", "ac_matched", "forget_control")
    for shared in ("corpus", "data", "model", "pretrain", "data_matched", "runs/trivial", "runs/base",
                   *(f"train/{arm}" for arm in done), *(f"runs/{arm}" for arm in done)):
        shutil.copytree(smoke_run / shared, out / shared)
    (out / ".stages").mkdir()
    for stage in ("corpus", "build", "model", "pretrain", "matched", "baseline__*", "infer__base__*",
                  *(f"{kind}__{arm}__*" for kind in ("train", "infer") for arm in done)):
        for f in (smoke_run / ".stages").glob(f"{stage}.json"):
            shutil.copy(f, out / ".stages")
    log = tmp_path / "run.log"
    _run_until(out, "train__adc", log)
    assert not (out / "train" / "adc" / "s0").exists()  # a killed training never looks finished
    _run_until(out, "infer__acc", log)
    assert main(["run", str(EXPERIMENT), "--out", str(out)]) == 0
    assert (out / "report" / "comparison.json").read_bytes() == \
        (smoke_run / "report" / "comparison.json").read_bytes()
