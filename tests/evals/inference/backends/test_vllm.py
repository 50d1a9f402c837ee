"""`adcacc infer --backend vllm`. vLLM itself cannot run here (it needs a GPU and
transformers>=4.55, against ms-swift's 4.48.3 pin), so a stand-in `vllm` module records the
requests; everything around it (the tiny model's real processor and chat template, audio
decoding, batching, predictions and resume) is real."""
import json
import sys
import types

import pytest

from adcacc.cli import main


class _FakeLLM:
    calls: list = []

    def __init__(self, **kwargs):
        _FakeLLM.calls.append(("init", kwargs))

    def generate(self, requests, params, use_tqdm=True):
        _FakeLLM.calls.append(("generate", requests, params))
        out = types.SimpleNamespace
        return [out(outputs=[out(text=f" {len(r['multi_modal_data']['audio'][0][0])} samples ")]) for r in requests]


@pytest.fixture
def fake_vllm(monkeypatch):
    module = types.ModuleType("vllm")
    module.LLM = _FakeLLM
    module.SamplingParams = lambda **kw: kw
    monkeypatch.setitem(sys.modules, "vllm", module)
    _FakeLLM.calls = []
    return _FakeLLM.calls


def _infer(model, data, out, *extra):
    return main(["infer", "--backend", "vllm", "--model", str(model), "--eval-set", "captions-csv",
                 "--data", str(data), "--out", str(out), "--max-new-tokens", "7", "--batch-size", "4", *extra])


def test_vllm_requests_carry_the_chat_prompt_audio_and_greedy_budget(fake_vllm, tiny_model, captions_csv, tmp_path):
    out = tmp_path / "run"
    assert _infer(tiny_model, captions_csv, out) == 0
    init = fake_vllm[0][1]
    assert init["model"] == str(tiny_model) and init["max_num_seqs"] == 4
    assert init["limit_mm_per_prompt"] == {"audio": 2}  # a pair at most
    batches = [c for c in fake_vllm if c[0] == "generate"]
    assert [len(b[1]) for b in batches] == [4, 2]
    assert batches[0][2] == {"temperature": 0.0, "max_tokens": 7}
    request = batches[0][1][0]
    assert "<|audio_bos|><|AUDIO|><|audio_eos|>" in request["prompt"]
    assert request["prompt"].rstrip().endswith("<|im_start|>assistant")
    assert [sr for _, sr in request["multi_modal_data"]["audio"]] == [16000]  # one clip
    rows = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    seconds = {f"c{i}": 1 + i % 2 for i in range(6)}  # the fixture's clip lengths
    assert {r["id"]: r["prediction"] for r in rows} == {k: f"{16000 * s} samples" for k, s in seconds.items()}
    assert json.loads((out / "run.json").read_text())["backend"] == "vllm"
    # same folder, other backend: refused rather than mixing predictions
    assert main(["infer", "--model", str(tiny_model), "--eval-set", "captions-csv", "--data", str(captions_csv),
                 "--out", str(out), "--max-new-tokens", "7"]) == 2


def test_vllm_backend_refuses_adapters_and_explains_a_missing_install(tiny_model, captions_csv, tmp_path,
                                                                      monkeypatch, capsys):
    (tmp_path / "adapter").mkdir()
    (tmp_path / "adapter" / "adapter_config.json").write_text("{}")
    monkeypatch.setitem(sys.modules, "vllm", None)  # import vllm -> ImportError
    assert _infer(tiny_model, captions_csv, tmp_path / "a", "--adapter", str(tmp_path / "adapter")) == 2
    assert "merge_lora" in capsys.readouterr().err
    assert _infer(tiny_model, captions_csv, tmp_path / "b") == 2
    err = capsys.readouterr().err
    assert "vllm is not installed" in err and ".venv-vllm" in err and "Traceback" not in err
    assert not (tmp_path / "b").exists()
