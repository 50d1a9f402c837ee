"""The omni backend on both tiny Qwen-Omni families (adcacc.recipes.tiny_omni), measured by
omni_check.py in the Omni environment: a batch of four two-audio items, decoded from WAV files
of different lengths (so the prompts and the audio features are padded), gives each item the
tokens it gets alone, our prompt and audio features are those ms-swift's own template trains on,
and teacher-forced scores equal a plain forward pass. Outside that environment the backend says
in one line where to run it."""
from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest
import soundfile as sf

from adcacc.common.errors import InputError
from adcacc.evals.inference.backends import open_backend
from tests.omni import OMNI, ROOT, tiny_omni_dir

FAMILIES = ("qwen2_5_omni", "qwen3_omni")


def test_in_the_suites_environment_the_backend_names_the_omni_one(tmp_path):
    """.venv's transformers 4.48 has no Qwen-Omni: one line, naming the environment to use."""
    with pytest.raises(InputError, match=r"transformers >= 4\.57 .*\.venv-omni/bin/python -m adcacc infer") as err:
        open_backend("omni", str(tmp_path), None, max_new_tokens=4, batch_size=1)
    assert "\n" not in str(err.value)


def test_a_pickled_adapter_is_refused_as_the_transformers_backend_refuses_it(tmp_path):
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text('{"peft_type": "LORA"}')
    (adapter / "adapter_model.bin").write_bytes(b"not loaded")
    with pytest.raises(InputError, match="adapter_model.bin.*safetensors"):
        open_backend("omni", str(tmp_path), str(adapter), max_new_tokens=4, batch_size=1)


@pytest.fixture(scope="module")
def measured(tmp_path_factory) -> dict:
    models = {f: tiny_omni_dir(tmp_path_factory, f) for f in FAMILIES}
    wavs = tmp_path_factory.mktemp("omni_wavs")
    rng = np.random.default_rng(0)
    for i, seconds in enumerate([0.7, 1.3, 2.1, 0.5, 1.0, 1.6, 0.9, 2.6]):  # 8 clips, 4 pairs
        t = np.arange(int(16000 * seconds)) / 16000
        clip = 0.3 * np.sin(2 * np.pi * (200 + 90 * i) * t) + 0.05 * rng.standard_normal(t.size)
        sf.write(wavs / f"clip{i}.wav", clip.astype(np.float32), 16000, subtype="PCM_16")
    out = subprocess.run([str(OMNI / "python"), "-m", "tests.evals.inference.backends.omni_check", "batch",
                          *[f"{f}={m}" for f, m in models.items()], "--wavs", str(wavs)],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    lines = [line for line in out.stdout.splitlines() if line.startswith("RESULT ")]
    assert out.returncode == 0 and lines, out.stderr[-3000:]
    return json.loads(lines[-1].removeprefix("RESULT "))


@pytest.mark.slow
@pytest.mark.parametrize("family", FAMILIES)
def test_a_batch_of_two_audio_items_decodes_as_each_item_alone(measured, family):
    got = measured[family]
    assert got["left_padded"] and not got["pad_at_right"]  # prompts of different lengths, padded left
    assert len(set(got["audio_tokens"])) > 1  # clips of different lengths: features padded too
    assert got["features_as_alone"]  # each clip's features as in its item alone (and so as swift trains)
    assert got["batched"] == got["single"]
    assert all(len(ids) > 0 for ids in got["batched"]) and all(t.strip() for t in got["texts"])


@pytest.mark.slow
@pytest.mark.parametrize("family", FAMILIES)
def test_the_prompt_is_the_one_swift_trains_on(measured, family):
    swift = measured[family]["swift"]
    assert swift["prefix_equal"], swift
    assert swift["features_max_diff"] == 0.0 and swift["masks_equal"], swift  # the audio features too
    assert swift["rest"].startswith(swift["answer"] + "<|im_end|>")
    system = "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
    assert swift["ours"].startswith(system) == (family == "qwen2_5_omni")  # ms-swift's default system turn
    assert swift["ours"].endswith("What do both audios have in common?<|im_end|>\n<|im_start|>assistant\n")


@pytest.mark.slow
@pytest.mark.parametrize("family", FAMILIES)
def test_teacher_forced_scores_equal_one_plain_pass_over_prompt_and_answer(measured, family):
    got = measured[family]["scores"]
    assert got["score"] == pytest.approx(got["plain"], abs=1e-3)
    assert got["score"][0] != pytest.approx(got["score"][1], abs=1e-3)  # the answers differ, so do their scores
