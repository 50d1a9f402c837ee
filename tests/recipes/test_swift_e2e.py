"""The real ms-swift CLI on the recipes: sft for every task (rtx4090), ZeRO-2 under torchrun,
infer with the adapter, export --merge_lora, and merged == base + adapter.

Only adcacc.recipes.spec.CPU_OVERRIDES plus model/data/output paths are added to each recipe.
The 7B model cannot exist here, so the session's tiny Qwen2-Audio stands in for it.
"""
from __future__ import annotations

import json
import math
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from adcacc.common.vocabulary import ARMS
from adcacc.recipes.launch import balanced_samples, run_sft, run_swift, train_argv

pytestmark = pytest.mark.slow
SWIFT = str(Path(sys.executable).parent / "swift")
# Test-only, for the merge check: a large one-step update so the adapter visibly changes
# the outputs (at lr 1e-4 for 2 steps, "merged == base + adapter" would hold trivially).
VISIBLE_ADAPTER = {"learning_rate": 5e-2, "warmup_ratio": 0}


def swift(args: list[str], log: Path, env: dict[str, str] | None = None) -> None:
    """Run one swift command (infer, export); on failure show the log's tail."""
    with log.open("w") as f:
        proc = subprocess.run([SWIFT, *args], stdout=f, stderr=subprocess.STDOUT,
                              env={**os.environ, **(env or {})}, timeout=600)
    if proc.returncode != 0:
        pytest.fail(f"swift {args[0]} failed ({proc.returncode}):\n"
                    + "\n".join(log.read_text().splitlines()[-30:]))


def sft(task: str, hw: str, model: Path, data: Path, out: Path, flags: dict | None = None,
        env: dict[str, str] | None = None) -> tuple[Path, list[float]]:
    """`run_sft` (the one launcher: recipe + paths + CPU overrides); the adapter and losses."""
    adapter = run_sft(task, hw, model, data, out, flags=flags or {}, env=env)
    assert adapter == out / "checkpoint-2" and (adapter / "adapter_model.safetensors").is_file()
    assert (out / "command.txt").read_text().startswith(SWIFT) and (out / "sft.log").is_file()
    losses = [json.loads(line)["loss"] for line in (out / "logging.jsonl").open() if "loss" in line
              and isinstance(json.loads(line).get("loss"), float)]
    assert losses and all(math.isfinite(x) for x in losses), "no finite training loss"
    return adapter, losses


# The seeded tiny model's logged training loss at steps 1 and 2 of each recipe on the
# builder-made fixture (as torchtune pins its recipes' losses): a change in the data, the
# prompts, the chat template or a recipe setting shows up here, not only as "loss is finite".
PINNED_LOSSES = {  # measured 2026-11-30 with torch 2.13.0 CPU, ms-swift 4.6.0, transformers 4.48.3
    "ac": [12.00643349, 12.00643349],  # step 1 runs at lr 0 (warmup), so both steps match
    "adc": [11.97204781, 12.01114559],
    "ac_adc": [12.00957108, 12.02109432],
    "ac_acc": [12.0338068, 12.03328037],
    "ac_matched": [11.98270988, 12.03279305],
}


@pytest.fixture(scope="module")
def acc_adapter(tiny_model, dataset_dir, tmp_path_factory) -> Path:
    return sft("acc", "rtx4090", tiny_model, dataset_dir,
               tmp_path_factory.mktemp("sft") / "acc_rtx4090", VISIBLE_ADAPTER)[0]


@pytest.mark.parametrize("task", [t for t in ARMS if t != "acc"])
def test_sft_rtx4090_recipe(task, tiny_model, dataset_dir, tmp_path):
    adapter, losses = sft(task, "rtx4090", tiny_model, dataset_dir, tmp_path / f"{task}_rtx4090")
    assert losses == pytest.approx(PINNED_LOSSES[task], abs=2e-3)
    cfg = json.loads((adapter / "adapter_config.json").read_text())
    assert (cfg["r"], cfg["lora_alpha"], cfg["lora_dropout"]) == (8, 32, 0.05)
    assert all("audio_tower" not in m for m in cfg["target_modules"])


def test_a_balanced_joint_recipe_draws_each_dataset_as_often_as_the_largest(tiny_model, dataset_dir, tmp_path):
    """`balance` (experiments): swift's own `path#N` repeats the smaller dataset; swift's log
    counts the rows it trained on."""
    samples = balanced_samples("ac_adc", dataset_dir)
    rows = {s: sum(1 for _ in (dataset_dir / f"{s}_train.jsonl").open()) for s in ("ac", "adc")}
    assert rows["adc"] > rows["ac"] and samples == {"ac": rows["adc"], "adc": rows["adc"]}
    out = tmp_path / "balanced"
    argv = train_argv("ac_adc", "rtx4090", tiny_model, dataset_dir, samples=samples)
    assert f"{dataset_dir / 'ac_train.jsonl'}#{rows['adc']}" in argv
    run_swift(argv, out)
    trained = re.search(r"train_dataset: Dataset\(\{\s*features: [^\n]*\n\s*num_rows: (\d+)",
                        (out / "sft.log").read_text())
    assert trained and int(trained[1]) == 2 * rows["adc"]


def test_sft_zero2_recipe_under_torchrun(tiny_model, dataset_dir, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = str(s.getsockname()[1])
    sft("ac", "a100x8", tiny_model, dataset_dir, tmp_path / "ac_a100x8",
        env={"NPROC_PER_NODE": "1", "MASTER_PORT": port})
    args = json.loads((tmp_path / "ac_a100x8" / "args.json").read_text())
    assert args["deepspeed"]["zero_optimization"]["stage"] == 2


def _infer(model_args: list[str], data: Path, out: Path) -> list[str]:
    swift(["infer", *model_args, "--val_dataset", str(data / "acc_test.jsonl"),
           "--result_path", str(out), "--max_new_tokens", "8", "--temperature", "0",
           "--torch_dtype", "float32", "--dataset_num_proc", "1"], out.with_suffix(".log"))
    return [json.loads(line)["response"] for line in out.open()]


def test_infer_and_merge_agree(acc_adapter, dataset_dir, tmp_path):
    with_adapter = _infer(["--adapters", str(acc_adapter)], dataset_dir, tmp_path / "a.jsonl")
    merged = tmp_path / "merged"
    swift(["export", "--adapters", str(acc_adapter), "--merge_lora", "true",
           "--output_dir", str(merged), "--torch_dtype", "float32"], tmp_path / "export.log")
    assert (merged / "config.json").is_file() and not (merged / "adapter_config.json").exists()
    from_merged = _infer(["--model", str(merged), "--model_type", "qwen2_audio"], dataset_dir,
                         tmp_path / "m.jsonl")
    n_test = len((dataset_dir / "acc_test.jsonl").read_text().splitlines())
    assert len(with_adapter) == n_test == 6 and from_merged == with_adapter
    _logits_agree(acc_adapter, merged)


def _logits_agree(adapter: Path, merged: Path) -> None:
    """Same logits from merged and base+adapter, and different from the base alone."""
    import torch
    from peft import PeftModel
    from transformers import Qwen2AudioForConditionalGeneration

    base_dir = json.loads((adapter / "adapter_config.json").read_text())["base_model_name_or_path"]
    ids = torch.tensor([[151644, 872, 198, 9707, 1879, 151645, 198, 151644, 77091, 198]])
    load = Qwen2AudioForConditionalGeneration.from_pretrained
    with torch.no_grad():
        base = load(base_dir).eval()(input_ids=ids).logits
        lora = PeftModel.from_pretrained(load(base_dir), adapter).eval()(input_ids=ids).logits
        fused = load(merged).eval()(input_ids=ids).logits
    assert (lora - base).abs().max() > 1e-3, "adapter changes nothing: check is vacuous"
    torch.testing.assert_close(fused, lora, atol=1e-4, rtol=1e-4)
