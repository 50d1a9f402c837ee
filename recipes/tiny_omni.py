"""Tiny random Qwen-Omni models that load exactly like the real ones (thinker only).

Runs in the Omni family's environment (.venv-omni, transformers 4.57): ms-swift's
`qwen2_5_omni` and `qwen3_omni_moe` loaders build the full `...ForConditionalGeneration`, whose
talker (and vocoder) are only created when `enable_audio_output` is true; the tiny configs set it
false, so the talker is never built, loaded or trained (the recipes set ENABLE_AUDIO_OUTPUT=0 for
the real models too). Widths and depths shrink; the vocabulary is the real Qwen2 BPE with the
special tokens at the real model's ids (as `adcacc.recipes.tiny_model` does for Qwen2-Audio),
and the processor carries the family's chat template. This module holds Qwen2.5-Omni, the
build shared by both families and the command line; `tiny_qwen3_omni` holds Qwen3-Omni.

    .venv-omni/bin/python -m adcacc.recipes.tiny_omni OUT [--family qwen2_5_omni|qwen3_omni]
"""
from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path
from typing import Any, Callable

from adcacc.common.errors import InputError
from adcacc.recipes import tiny_qwen3_omni
from adcacc.recipes.tiny_model import build_stamped, named_tokenizer, save_omni

TOOL = "adcacc tiny-omni"
# Qwen2.5-Omni's added tokens at the real ids (its tokenizer_config.json / config.json:
# audio_token_index 151646, image_token_index 151655, video_token_index 151656).
OMNI_SPECIALS: dict[str, int] = {
    "<|endoftext|>": 151643, "<|im_start|>": 151644, "<|im_end|>": 151645,
    "<|AUDIO|>": 151646, "<|audio_bos|>": 151647, "<|audio_eos|>": 151648,
    "<|box_end|>": 151649, "<|quad_start|>": 151650, "<|quad_end|>": 151651,
    "<|vision_bos|>": 151652, "<|vision_eos|>": 151653, "<|vision_pad|>": 151654,
    "<|IMAGE|>": 151655, "<|VIDEO|>": 151656,
}
# The processor reads these names from the tokenizer (tokenizer.audio_token, ...).
NAMED = {"audio_token": "<|AUDIO|>", "image_token": "<|IMAGE|>", "video_token": "<|VIDEO|>",
         "audio_bos_token": "<|audio_bos|>", "audio_eos_token": "<|audio_eos|>",
         "vision_bos_token": "<|vision_bos|>", "vision_eos_token": "<|vision_eos|>"}
# Qwen2.5-Omni-7B's chat_template.json (the one transformers' processor tests copy): a default
# system turn "You are a helpful assistant." (ms-swift's qwen2_5_omni template has the same
# default_system), one `<|audio_bos|><|AUDIO|><|audio_eos|>` per audio, no "Audio i:" prefix.
CHAT_TEMPLATE = (
    "{% set audio_count = namespace(value=0) %}{% set image_count = namespace(value=0) %}"
    "{% set video_count = namespace(value=0) %}{% for message in messages %}"
    "{% if loop.first and message['role'] != 'system' %}<|im_start|>system\nYou are a helpful assistant."
    "<|im_end|>\n{% endif %}<|im_start|>{{ message['role'] }}\n{% if message['content'] is string %}"
    "{{ message['content'] }}<|im_end|>\n{% else %}{% for content in message['content'] %}"
    "{% if content['type'] == 'image' or 'image' in content or 'image_url' in content %}"
    "{% set image_count.value = image_count.value + 1 %}{% if add_vision_id %}Picture "
    "{{ image_count.value }}: {% endif %}<|vision_bos|><|IMAGE|><|vision_eos|>"
    "{% elif content['type'] == 'audio' or 'audio' in content or 'audio_url' in content %}"
    "{% set audio_count.value = audio_count.value + 1 %}{% if add_audio_id %}Audio "
    "{{ audio_count.value }}: {% endif %}<|audio_bos|><|AUDIO|><|audio_eos|>"
    "{% elif content['type'] == 'video' or 'video' in content %}{% set video_count.value = "
    "video_count.value + 1 %}{% if add_vision_id %}Video {{ video_count.value }}: {% endif %}"
    "<|vision_bos|><|VIDEO|><|vision_eos|>{% elif 'text' in content %}{{ content['text'] }}{% endif %}"
    "{% endfor %}<|im_end|>\n{% endif %}{% endfor %}{% if add_generation_prompt %}"
    "<|im_start|>assistant\n{% endif %}")
TINY = {
    "audio": dict(d_model=64, encoder_layers=2, encoder_attention_heads=2, encoder_ffn_dim=128,
                  num_mel_bins=128, max_source_positions=1500, n_window=100),
    "vision": dict(depth=1, hidden_size=32, intermediate_size=64, num_heads=2, fullatt_block_indexes=[0]),
    "text": dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                 num_key_value_heads=2, rope_scaling={"type": "default", "rope_type": "default", "mrope_section": [2, 3, 3]}),
}


def omni_config(specials: dict[str, int] = OMNI_SPECIALS, vocab_size: int = 152064):
    """A `Qwen2_5OmniConfig` with the tiny shapes, the real token ids and no talker."""
    from transformers import Qwen2_5OmniConfig

    thinker = dict(
        audio_config=dict(TINY["audio"], output_dim=TINY["text"]["hidden_size"]),
        vision_config=dict(TINY["vision"], out_hidden_size=TINY["text"]["hidden_size"]),
        text_config=dict(TINY["text"], vocab_size=vocab_size, tie_word_embeddings=False),
        audio_token_index=specials["<|AUDIO|>"], image_token_index=specials["<|IMAGE|>"],
        video_token_index=specials["<|VIDEO|>"], audio_start_token_id=specials["<|audio_bos|>"],
        audio_end_token_id=specials["<|audio_eos|>"], vision_start_token_id=specials["<|vision_bos|>"],
        vision_end_token_id=specials["<|vision_eos|>"], pad_token_id=specials["<|endoftext|>"])
    return Qwen2_5OmniConfig(thinker_config=thinker, enable_audio_output=False)


def _write_qwen2_5_omni(tmp: Path, seed: int, texts: list[str] | None = None) -> None:
    """The tiny Qwen2.5-Omni and its processor, into the empty folder `tmp`; with `texts`, its
    vocabulary cut to them as the tiny Qwen2-Audio's is (adcacc.recipes.trimmed_vocab)."""
    import torch
    from transformers import (Qwen2_5OmniForConditionalGeneration, Qwen2_5OmniProcessor, Qwen2VLImageProcessor,
                              WhisperFeatureExtractor)
    from transformers.models.qwen2_vl.video_processing_qwen2_vl import Qwen2VLVideoProcessor

    tokenizer = named_tokenizer(tmp, OMNI_SPECIALS, NAMED, texts)
    specials = {t: tokenizer.convert_tokens_to_ids(t) for t in OMNI_SPECIALS}
    vocab_size = 152064 if texts is None else -(-(max(specials.values()) + 1) // 64) * 64  # a multiple of 64
    image, features = Qwen2VLImageProcessor(), WhisperFeatureExtractor(feature_size=128)
    processor = Qwen2_5OmniProcessor(image_processor=image, video_processor=Qwen2VLVideoProcessor(),
                                     feature_extractor=features, tokenizer=tokenizer, chat_template=CHAT_TEMPLATE)
    torch.manual_seed(seed)
    model = Qwen2_5OmniForConditionalGeneration(omni_config(specials, vocab_size)).eval()
    save_omni(tmp, model, processor, image, features, specials)
    # from_pretrained always reads the talker's speaker table; a thinker-only model has no speakers
    torch.save({}, tmp / "spk_dict.pt")


TRIMS = ("qwen2_5_omni",)  # the families whose builder cuts the vocabulary to given texts
# family -> (writer(tmp, seed[, texts]), the shapes its stamp records)
FAMILIES: dict[str, tuple[Callable[..., None], dict[str, Any]]] = {
    "qwen2_5_omni": (_write_qwen2_5_omni, TINY), "qwen3_omni": (tiny_qwen3_omni.write_model, tiny_qwen3_omni.TINY)}


def build_tiny_omni(out: Path, family: str = "qwen2_5_omni", seed: int = 0, texts: list[str] | None = None) -> Path:
    """Write the tiny model of `family` (model, processor) into `out`; return it. `texts`: cut the
    vocabulary to them (families in TRIMS). A complete build with the same settings is reused; a
    killed one is rebuilt (`tiny_model.build_stamped`)."""
    if family not in FAMILIES:
        raise InputError(None, f"unknown Omni family {family!r}; choose from {', '.join(FAMILIES)}")
    if texts is not None and family not in TRIMS:
        raise InputError(None, f"the tiny {family} keeps its full vocabulary; cutting it is built for {', '.join(TRIMS)}")
    write, shapes = FAMILIES[family]
    stamp = {"family": family, "seed": seed, "shapes": shapes}
    if texts is None:
        return build_stamped(Path(out), TOOL, stamp, lambda tmp: write(tmp, seed))
    stamp["texts_sha256"] = hashlib.sha256("\n".join(texts).encode()).hexdigest()
    return build_stamped(Path(out), TOOL, stamp, lambda tmp: write(tmp, seed, texts))


def main(argv: list[str] | None = None) -> None:
    """The command line; it needs the Omni environment's Python (transformers 4.57)."""
    parser = argparse.ArgumentParser(prog="python -m adcacc.recipes.tiny_omni", description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path, help="a new or empty folder (or an earlier build of this command)")
    parser.add_argument("--family", choices=sorted(FAMILIES), default="qwen2_5_omni")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--texts", type=Path, help="a JSON list of the texts the vocabulary is cut to")
    args = parser.parse_args(argv)
    try:
        texts = _read_texts(args.texts) if args.texts else None
        build_tiny_omni(args.out, args.family, args.seed, texts)
    except InputError as err:  # a folder that is not ours: one line, not a traceback
        parser.exit(2, f"error: {err}\n")


def _read_texts(path: Path) -> list[str]:
    """The --texts file: a JSON list of strings, or one line naming the file."""
    try:
        texts = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise InputError(path, f"not a readable JSON file ({type(err).__name__})") from None
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        raise InputError(path, "must hold a JSON list of strings")
    return texts


if __name__ == "__main__":
    main()
