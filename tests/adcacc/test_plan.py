"""Fingerprints: an edit reruns exactly the stages it touches; the dry run prints the plan."""
from __future__ import annotations

import copy
from pathlib import Path

import yaml

from adcacc.cli import main
from adcacc.experiment import load_experiment
from adcacc.plan import build_plan

EXPERIMENTS = Path(__file__).resolve().parents[2] / "experiments"


def _plan(tmp_path: Path, raw: dict, name: str) -> dict[str, str]:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(raw))
    return {s.id: s.fingerprint for s in build_plan(load_experiment(path, tmp_path / "out"))}


def test_an_arm_override_reruns_only_that_arm_and_the_comparison(tmp_path):
    raw = yaml.safe_load((EXPERIMENTS / "smoke.yaml").read_text())
    before = _plan(tmp_path, raw, "a")
    edited = copy.deepcopy(raw)
    edited["arms"] = {a: {} for a in raw["arms"]}
    edited["arms"]["adc"] = {"overrides": {"learning_rate": 2e-4}}
    after = _plan(tmp_path, edited, "b")
    changed = sorted(k for k in before if before[k] != after[k])
    assert changed == ["compare", "infer/adc/s0/captions-csv", "infer/adc/s0/mic-proxy",
                       "infer/adc/s0/vsc-proxy", "train/adc/s0"]
    assert _plan(tmp_path, raw, "c") == before  # same file, same fingerprints


def test_ac_matched_trains_on_the_matched_data(tmp_path):
    exp = load_experiment(EXPERIMENTS / "smoke.yaml", tmp_path / "out")
    by_id = {s.id: s for s in build_plan(exp)}
    assert by_id["train/ac_matched/s0"].needs[0] == "matched"
    assert "matched" in by_id and by_id["matched"].needs[0] == "build"


def test_dry_run_of_the_paper_prints_the_gpu_plan(capsys):
    assert main(["run", str(EXPERIMENTS / "paper.yaml"), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "train/acc/s0" in out and "GPU-h" in out and "estimated total" in out
    assert "swift sft" in out and "acc_rtx4090.yaml" in out and "not found here" in out


def test_the_demo_pretrains_a_trimmed_model_and_compares_against_trivial_baselines(tmp_path):
    exp = load_experiment(EXPERIMENTS / "demo.yaml", tmp_path / "out")
    by_id = {s.id: s for s in build_plan(exp)}
    assert by_id["model"].params["trim_vocab"] and by_id["model"].needs == ("build",)
    assert by_id["pretrain"].needs == ("model", "build", "corpus")
    assert by_id["train/adc/s0"].needs == ("build", "pretrain")  # every arm starts from the pretrained model
    baselines = [s for s in by_id.values() if s.kind == "baseline"]
    assert {s.params["eval_set"] for s in baselines} == {e.name for e in exp.eval_sets}
    assert all(s.out.parent == tmp_path / "out" / "runs" / "trivial" for s in baselines)
    assert {s.id for s in baselines} <= set(by_id["compare"].needs)
