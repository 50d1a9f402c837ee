"""The trimmed Qwen2 vocabulary segments the texts it was cut for exactly as Qwen2 does,
still encodes any other text, and gives a tiny Qwen2-Audio with a small output layer."""
from __future__ import annotations

import json

from adcacc.data_builders.prompts import POOLS
from adcacc.recipes.tiny_model import SPECIAL_TOKENS, build_tiny_qwen2_audio, build_tokenizer
from adcacc.recipes.trimmed_vocab import trim

TEXTS = ["A dog barks while rain falls on a tin roof, and a car passes by towards the end.",
         "Both audios contain a church bell ringing.", "laughter", "throat clearing",
         *[p for pool in POOLS.values() for p in pool]]


def test_trim_keeps_the_pieces_that_build_used_tokens():
    vocab = {c: i for i, c in enumerate("abcd")} | {"ab": 4, "cd": 5, "abc": 6, "abcd": 7}
    merges = [("a", "b"), ("c", "d"), ("ab", "c"), ("ab", "cd")]
    new_vocab, new_merges = trim(vocab, merges, {"abcd"})
    assert set(new_vocab) == {"a", "b", "c", "d", "ab", "cd", "abcd"}  # "abc" is not needed
    assert new_merges == [("a", "b"), ("c", "d"), ("ab", "cd")]
    assert sorted(new_vocab.values()) == list(range(7))


def test_trimmed_tokenizer_segments_like_qwen2(tmp_path):
    (tmp_path / "full").mkdir()
    full = build_tokenizer(tmp_path / "full", "qwen")
    (tmp_path / "cut").mkdir()
    cut = build_tokenizer(tmp_path / "cut", "qwen", TEXTS)
    assert len(cut) < 5000 < len(full)
    for text in TEXTS:
        assert cut.tokenize(text) == full.tokenize(text)
    other = "Ein völlig anderer Satz mit Umlauten: 42 Äpfel."
    assert cut.decode(cut(other)["input_ids"]) == other  # bytes are kept: anything encodes
    specials = {t: cut.convert_tokens_to_ids(t) for t in SPECIAL_TOKENS}
    assert list(specials.values()) == list(range(len(cut) - len(SPECIAL_TOKENS), len(cut)))


def test_tiny_model_with_trimmed_vocabulary(tmp_path):
    from transformers import AutoProcessor

    out = build_tiny_qwen2_audio(tmp_path / "m", texts=TEXTS)
    cfg = json.loads((out / "config.json").read_text())
    processor = AutoProcessor.from_pretrained(out)
    audio_id = processor.tokenizer.convert_tokens_to_ids("<|AUDIO|>")
    assert cfg["audio_token_index"] == audio_id and cfg["text_config"]["vocab_size"] % 64 == 0
    assert audio_id < cfg["text_config"]["vocab_size"] < 5000
