"""A tiny random Qwen2.5-Omni that loads exactly like Qwen/Qwen2.5-Omni-7B (thinker only).

Runs in the Omni family's environment (.venv-omni, transformers 4.57): ms-swift's
`qwen2_5_omni` loader builds `Qwen2_5OmniForConditionalGeneration`, whose talker and
token2wav are only created when `enable_audio_output` is true; the tiny config sets it false,
so the talker is never built, loaded or trained (the recipes set ENABLE_AUDIO_OUTPUT=0 for the
real 7B too). Widths and depths shrink; the vocabulary is the real Qwen2 BPE with the
special tokens at the real model's ids (as `adcacc.recipes.tiny_model` does for Qwen2-Audio).
"""
from __future__ import annotations

import json
from pathlib import Path

from adcacc.recipes.tiny_model import build_tokenizer

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


def write_tiny_omni(out: Path, seed: int = 0) -> Path:
    """Save the tiny model and its processor into the new or empty folder `out`; return it."""
    from adcacc.common.errors import InputError

    if out.exists() and any(out.iterdir()):
        raise InputError(out, "is not empty; the tiny Omni model is written into a new or empty folder")
    out.mkdir(parents=True, exist_ok=True)
    import torch
    from transformers import (GenerationConfig, Qwen2_5OmniForConditionalGeneration, Qwen2_5OmniProcessor,
                              Qwen2VLImageProcessor, WhisperFeatureExtractor)
    from transformers.models.qwen2_vl.video_processing_qwen2_vl import Qwen2VLVideoProcessor

    tokenizer = build_tokenizer(out, "qwen", None, OMNI_SPECIALS)
    tokenizer.extra_special_tokens = NAMED
    for name, token in NAMED.items():
        setattr(tokenizer, name, token)
    image, features = Qwen2VLImageProcessor(), WhisperFeatureExtractor(feature_size=128)
    processor = Qwen2_5OmniProcessor(image_processor=image, video_processor=Qwen2VLVideoProcessor(),
                                     feature_extractor=features, tokenizer=tokenizer)
    torch.manual_seed(seed)
    model = Qwen2_5OmniForConditionalGeneration(omni_config()).eval()
    eos, pad = OMNI_SPECIALS["<|im_end|>"], OMNI_SPECIALS["<|endoftext|>"]
    model.generation_config = GenerationConfig(eos_token_id=[eos, pad], pad_token_id=pad,
                                               do_sample=False, max_new_tokens=32)
    model.save_pretrained(out, safe_serialization=True)
    processor.save_pretrained(out)
    # The image processor and the feature extractor share preprocessor_config.json; as in the
    # real model's file, one JSON holds both, each with its type.
    merged = {**image.to_dict(), **features.to_dict(), "image_processor_type": "Qwen2VLImageProcessor",
              "feature_extractor_type": "WhisperFeatureExtractor", "processor_class": "Qwen2_5OmniProcessor"}
    (out / "preprocessor_config.json").write_text(json.dumps(merged, indent=2, default=str), encoding="utf-8")
    # from_pretrained always reads the talker's speaker table; a thinker-only model has no speakers
    torch.save({}, out / "spk_dict.pt")
    return out


if __name__ == "__main__":  # `.venv-omni/bin/python -m adcacc.recipes.tiny_omni OUT`: it needs that environment
    import sys

    write_tiny_omni(Path(sys.argv[1]))
