"""The second model family through the real ms-swift of its own environment (.venv-omni,
transformers 4.57.6): a tiny random Qwen2.5-Omni thinker and a tiny Qwen3-Omni MoE thinker
(adcacc.recipes.tiny_omni, built with that environment's Python, talker disabled) train the ACC
recipe with `swift sft` on the builder-made rows, as the Qwen2-Audio tests do; the adapter swift
writes then merges into the omni inference backend. The real models cannot exist here."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from adcacc.recipes.launch import run_sft
from tests.omni import OMNI, ROOT, tiny_omni_dir

pytestmark = pytest.mark.slow
# family -> (ms-swift model_type, config key of the audio token id, its id, the logged loss at
# steps 1 and 2 of the Qwen2-Audio ACC recipe with that model_type (CPU overrides) on the
# builder's fixture). Measured with torch 2.14.1, ms-swift 4.6.0, transformers 4.57.6 (.venv-omni):
# qwen2_5_omni and qwen3_omni on 2026-12-06.
FAMILIES = {
    "qwen2_5_omni": ("qwen2_5_omni", "audio_token_index", 151646, [11.93680477, 11.8747406]),
    "qwen3_omni": ("qwen3_omni_moe", "audio_token_id", 151675, [12.00912666, 12.00640678]),
}


@pytest.fixture(scope="module", params=list(FAMILIES))
def trained(request, dataset_dir, tmp_path_factory) -> tuple[str, Path, Path]:
    """(family, tiny model, swift's output folder) after `swift sft` of the ACC recipe."""
    family = request.param
    model = tiny_omni_dir(tmp_path_factory, family)
    out = tmp_path_factory.mktemp(family) / "acc_omni"
    run_sft("acc", "rtx4090", model, dataset_dir, out, swift=OMNI / "swift",
            flags={"model_type": FAMILIES[family][0]}, env={"ENABLE_AUDIO_OUTPUT": "0"})
    return family, model, out


def test_the_tiny_thinker_has_no_talker(trained):
    family, model, _ = trained
    _, key, audio_id, _ = FAMILIES[family]
    config = json.loads((model / "config.json").read_text())
    assert config["enable_audio_output"] is False and config["thinker_config"][key] == audio_id
    assert not any(k.startswith(("talker", "token2wav", "code2wav")) for k in _weight_names(model))


def _weight_names(model: Path) -> list[str]:
    from safetensors import safe_open

    with safe_open(str(model / "model.safetensors"), "pt") as f:
        return list(f.keys())


def test_swift_sft_trains_the_acc_recipe_on_the_omni_thinker(trained):
    family, _, out = trained
    adapter = out / "checkpoint-2"
    assert (adapter / "adapter_model.safetensors").is_file()
    assert (out / "command.txt").read_text().startswith(str(OMNI / "swift"))
    losses = [json.loads(line)["loss"] for line in (out / "logging.jsonl").open()
              if isinstance(json.loads(line).get("loss"), float)]
    assert losses == pytest.approx(FAMILIES[family][3], abs=2e-3)
    cfg = json.loads((adapter / "adapter_config.json").read_text())
    targets = cfg["target_modules"]
    targets = [targets] if isinstance(targets, str) else targets
    assert cfg["r"] == 8 and all("audio_tower" not in m and "talker" not in m for m in targets)


def test_the_adapter_swift_wrote_merges_into_the_omni_backend(trained):
    """Every LoRA module of the adapter (named `thinker.model...`: swift trains the full model) lands
    in the thinker the backend keeps: merged weight = base + alpha/r * B @ A."""
    _, model, out = trained
    run = subprocess.run([str(OMNI / "python"), "-m", "tests.evals.inference.backends.omni_check", "adapter",
                          str(model), str(out / "checkpoint-2")], cwd=ROOT, capture_output=True, text=True, timeout=600)
    lines = [line for line in run.stdout.splitlines() if line.startswith("RESULT ")]
    assert run.returncode == 0 and lines, run.stderr[-3000:]
    got = json.loads(lines[-1].removeprefix("RESULT "))
    assert got["modules"] >= 2 * 7 and not got["outside_thinker"]  # q k v o + the MLP's, in both layers
    assert got["max_error"] < 1e-6 < got["max_delta"]  # applied exactly, and it moved the weights
    assert got["text"].strip()
