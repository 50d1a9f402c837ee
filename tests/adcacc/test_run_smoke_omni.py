"""`adcacc run experiments/smoke_omni.yaml` end to end on the second model family: a tiny random
Qwen2.5-Omni thinker (the 7B cannot exist here) built, pretrained, LoRA-tuned and evaluated, every
model step in .venv-omni (its transformers 4.57, its ms-swift), everything else here."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from adcacc.cli import main

pytestmark = pytest.mark.slow
EXPERIMENT = Path(__file__).resolve().parents[2] / "experiments" / "smoke_omni.yaml"
OMNI = Path(__file__).resolve().parents[2] / ".venv-omni" / "bin"


def test_the_omni_smoke_experiment_runs_every_stage_in_its_family_environment(tmp_path):
    out = tmp_path / "run"
    assert main(["run", str(EXPERIMENT), "--out", str(out)]) == 0
    states = {p.stem: json.loads(p.read_text()) for p in (out / ".stages").glob("*.json")}
    assert len(states) == 20 and all(s["status"] == "done" for s in states.values())
    config = json.loads((out / "model" / "config.json").read_text())
    assert config["architectures"] == ["Qwen2_5OmniForConditionalGeneration"] and not config["enable_audio_output"]
    assert config["thinker_config"]["text_config"]["vocab_size"] < 10_000  # cut to the experiment's texts
    assert (out / "pretrain" / "sft" / "command.txt").read_text().startswith(f"{OMNI / 'swift'} sft ")
    for arm in ("ac", "adc", "acc"):
        command = (out / "train" / arm / "s0" / "command.txt").read_text()
        assert command.startswith(f"{OMNI / 'swift'} sft ") and f"recipes/qwen2_5_omni/{arm}_rtx4090.yaml" in command
        adapter = json.loads((out / "train" / arm / "s0" / "checkpoint-3" / "adapter_config.json").read_text())
        assert adapter["target_modules"].startswith("^(thinker\\.model"), adapter["target_modules"]  # LM only
    run = json.loads((out / "runs" / "adc" / "s0" / "own-adc" / "run.json").read_text())
    assert run["backend"] == "omni" and run["teacher_forced"]
    rows = [json.loads(line) for line in (out / "runs" / "adc" / "s0" / "own-adc" / "predictions.jsonl").open()]
    assert len(rows) == 8 and all(isinstance(r["prediction"], str) for r in rows)
    comparison = json.loads((out / "report" / "comparison.json").read_text())
    assert comparison["model"].startswith("Qwen2.5-Omni-7B, thinker only (qwen2_5_omni family")
    assert "Model: Qwen2.5-Omni-7B" in (out / "report" / "report.html").read_text()
    assert [v["id"] for v in comparison["verdicts"]] == ["adc_below_ac", "adc_forgets_more_mic"]
