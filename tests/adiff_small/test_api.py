"""The Python API: the README's example runs; it explains as the CLI does, in order, in
batches; bad sizes and examples are one line before any audio is read."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch

from adcacc.adiff_small import explanations
from adcacc.adiff_small.api import ADIFF
from adcacc.adiff_small.config import ADiffConfig, DataConfig, ModelConfig, StageConfig, TrainConfig
from adcacc.adiff_small.figure import explain_files
from adcacc.adiff_small.generate import Decoding
from adcacc.adiff_small.prompts import TIERS, canonical
from adcacc.adiff_small.train import train
from adcacc.common.errors import InputError

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture(scope="module")
def checkpoint(corpus, tiny_lm, tmp_path_factory) -> Path:
    pairs = tmp_path_factory.mktemp("pairs")
    explanations.make(corpus / "events.csv", pairs, "template", seed=0, test_fraction=0.0, progress=False)
    cfg = ADiffConfig(
        model=ModelConfig(encoder="tiny", lm=str(tiny_lm), prefix_length=4, text_length=8, d_proj=64,
                          mapper_layers=1, cross_layers=1),
        data=DataConfig(train=[str(pairs)], max_answer_tokens=40, tiers=[1], max_rows=6),
        train=TrainConfig(out_dir=str(tmp_path_factory.mktemp("run")), batch_size=8,
                          stages=[StageConfig("grounding", 1, 1e-3)]))
    return train(cfg, progress=False)


def test_the_readme_example_runs(checkpoint, corpus, monkeypatch, capsys):
    block = re.search(r"```python\n(from adcacc.adiff_small.api import ADIFF\n.*?)```", README.read_text(), re.S).group(1)
    wavs = sorted((corpus / "audio").glob("*.wav"))
    monkeypatch.chdir(wavs[0].parent)
    code = block.replace('"runs/x"', repr(str(checkpoint))).replace('"a.wav"', repr(wavs[0].name))
    exec(compile(code.replace('"b.wav"', repr(wavs[5].name)), "README.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 2 and printed[1].startswith("[")


def test_explains_as_the_cli_does_in_order_and_in_batches(checkpoint, corpus):
    adiff = ADIFF(checkpoint)
    wavs = sorted((corpus / "audio").glob("*.wav"))
    prompt = canonical(TIERS[2])
    cli = explain_files(adiff.model, (wavs[0], wavs[5]), prompt, Decoding("greedy", max_new_tokens=20))
    assert adiff.explain(wavs[0], wavs[5], tier=2, max_len=20) == cli
    examples = [[wavs[i], wavs[j], canonical(TIERS[t])] for i, j, t in ((0, 5, 1), (3, 9, 3), (7, 2, 2))]
    one_by_one = [adiff.generate([ex], max_len=12)[0] for ex in examples]
    assert adiff.generate(examples, max_len=12, batch_size=2) == one_by_one
    sampled = adiff.generate(examples, max_len=12, decoding="sample", seed=3)
    assert sampled == adiff.generate(examples, max_len=12, decoding="sample", seed=3)  # seeded


@pytest.mark.parametrize("kwargs, says", [({"max_len": 0}, "max_len must be 1 to 1024"),
                                          ({"max_len": 1025}, "max_len must be 1 to 1024"),
                                          ({"batch_size": 0}, "batch_size must be 1 to 256"),
                                          ({"temperature": 0.0}, "temperature must be above 0")])
def test_bad_sizes_are_one_line(checkpoint, kwargs, says):
    with pytest.raises(InputError, match=says):
        ADIFF(checkpoint).generate([["missing1.wav", "missing2.wav", "p"]], **kwargs)


def test_bad_examples_and_missing_files_name_what_to_fix(checkpoint, tmp_path):
    adiff = ADIFF(checkpoint)
    with pytest.raises(InputError, match=r"example 1: expected \[audio1, audio2, prompt\]"):
        adiff.generate([["a.wav", "b.wav", "p"], ["a.wav", "p"]])
    with pytest.raises(InputError, match="tier must be one of"):
        adiff.explain("a.wav", "b.wav", tier=4)
    with pytest.raises(InputError) as err:
        adiff.generate([[tmp_path / "nope.wav", tmp_path / "nope.wav", "p"]])
    assert "nope.wav" in str(err.value) and "\n" not in str(err.value)


def test_the_device_reaches_the_model_and_a_missing_gpu_is_one_line(checkpoint, corpus, monkeypatch, tmp_path, capsys):
    """Issue 24 item 7, plumbing on CPU: the device named is where the model's tensors are, and
    train / explain / eval refuse a CUDA device that is not there in one line, before any work."""
    from adcacc.cli import main

    adiff = ADIFF(checkpoint, device="cpu")
    assert {p.device.type for p in adiff.model.parameters()} == {"cpu"}
    moved = []
    monkeypatch.setattr(torch.nn.Module, "to", lambda self, *a, **k: moved.append(a) or self)
    ADIFF(checkpoint, device="cpu")
    assert moved == [(torch.device("cpu"),)]
    monkeypatch.undo()
    if torch.cuda.is_available():
        pytest.skip("checks the refusal on a machine without CUDA")
    wavs = sorted((corpus / "audio").glob("*.wav"))
    for argv in (["adiff", "explain", str(wavs[0]), str(wavs[1]), "--checkpoint", str(checkpoint), "--device", "cuda"],
                 ["adiff", "eval", "--checkpoint", str(checkpoint), "--data", str(tmp_path), "--out",
                  str(tmp_path / "ev"), "--device", "cuda:0"]):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert "use --device cpu" in err and "\n" not in err
    assert not (tmp_path / "ev").exists()
