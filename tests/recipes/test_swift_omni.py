"""The second model family through the real ms-swift of its own environment (.venv-omni,
transformers 4.57.6): a tiny random Qwen2.5-Omni thinker (adcacc.recipes.tiny_omni, built with
that environment's Python, talker disabled) trains the ACC recipe with `swift sft` on the
builder-made rows, as the Qwen2-Audio tests do. The 7B model cannot exist here."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from adcacc.recipes.launch import run_sft

pytestmark = pytest.mark.slow
OMNI = Path(__file__).resolve().parents[2] / ".venv-omni" / "bin"
# Logged loss at steps 1 and 2 of the Qwen2-Audio ACC recipe with model_type qwen2_5_omni (CPU overrides) on the builder's fixture,
# measured 2026-12-06 with torch 2.14.1, ms-swift 4.6.0, transformers 4.57.6 (.venv-omni).
PINNED = [11.93680477, 11.8747406]


@pytest.fixture(scope="module")
def tiny_omni(tmp_path_factory) -> Path:
    if not (OMNI / "python").is_file():
        pytest.fail(f"{OMNI.parent} is missing: run `bash scripts/setup.sh`, which builds it")
    out = tmp_path_factory.mktemp("omni") / "model"
    subprocess.run([str(OMNI / "python"), "-m", "adcacc.recipes.tiny_omni", str(out)], check=True, timeout=600)
    return out


def test_the_tiny_thinker_has_no_talker(tiny_omni):
    config = json.loads((tiny_omni / "config.json").read_text())
    assert config["enable_audio_output"] is False and config["thinker_config"]["audio_token_index"] == 151646


def test_swift_sft_trains_the_acc_recipe_on_the_omni_thinker(tiny_omni, dataset_dir, tmp_path):
    out = tmp_path / "acc_omni"
    adapter = run_sft("acc", "rtx4090", tiny_omni, dataset_dir, out, swift=OMNI / "swift",
                      flags={"model_type": "qwen2_5_omni"}, env={"ENABLE_AUDIO_OUTPUT": "0"})
    assert adapter == out / "checkpoint-2" and (adapter / "adapter_model.safetensors").is_file()
    assert (out / "command.txt").read_text().startswith(str(OMNI / "swift"))
    losses = [json.loads(line)["loss"] for line in (out / "logging.jsonl").open()
              if isinstance(json.loads(line).get("loss"), float)]
    assert losses == pytest.approx(PINNED, abs=2e-3)
    cfg = json.loads((adapter / "adapter_config.json").read_text())
    assert cfg["r"] == 8 and all("audio_tower" not in m and "talker" not in m for m in cfg["target_modules"])
