"""A tiny random Qwen3-Omni-30B-A3B (MoE thinker only) that ms-swift's `qwen3_omni_moe` loader
reads as it reads the real model; built by `adcacc.recipes.tiny_omni --family qwen3_omni`.

The fixed parts are the real model's (Qwen/Qwen3-Omni-30B-A3B-Instruct config.json): the
special-token ids (audio `<|audio_pad|>` 151675 between `<|audio_start|>` 151669 and
`<|audio_end|>` 151670, image 151655, video 151656, vocabulary 152064), 128-mel Whisper
features, audio chunks of n_window 50, 13 position ids per second, interleaved M-RoPE, q/k norms
and a sparse MoE block in every layer. What shrinks: widths, depths and the experts (4, 2 per
token, instead of 128 and 8). ms-swift's loader takes the audio token id from the tokenizer
(`<|audio_pad|>`), so the tokenizer carries every added token at its real id.
"""
from __future__ import annotations

from pathlib import Path

from adcacc.recipes.tiny_model import named_tokenizer, save_omni

# Qwen3's added tokens (151643-151668, as in Qwen3 / Qwen3-VL), then Qwen3-Omni's audio and
# speech tokens; consecutive, so each lands at its id.
SPECIALS: dict[str, int] = {token: 151643 + i for i, token in enumerate([
    "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|object_ref_end|>",
    "<|box_start|>", "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>",
    "<|vision_end|>", "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>", "<tool_call>", "</tool_call>",
    "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>",
    "<tool_response>", "</tool_response>", "<think>", "</think>", "<|audio_start|>", "<|audio_end|>",
    "<tts_pad>", "<tts_text_bos>", "<tts_text_eod>", "<tts_text_bos_single>", "<|audio_pad|>"])}
NAMED = {"audio_token": "<|audio_pad|>", "image_token": "<|image_pad|>", "video_token": "<|video_pad|>",
         "audio_bos_token": "<|audio_start|>", "audio_eos_token": "<|audio_end|>",
         "vision_bos_token": "<|vision_start|>", "vision_eos_token": "<|vision_end|>"}
# Qwen3-VL's chat template with Qwen3-Omni's audio placeholder: no default system turn (ms-swift's
# qwen3_omni template has default_system None), one `<|audio_start|><|audio_pad|><|audio_end|>`
# per audio. The real chat_template.json could not be read offline (it also handles tools and
# thinking turns); for one user turn of audios and text it must render what ms-swift trains on,
# which tests/evals/inference/backends/test_omni.py checks against ms-swift's own template.
CHAT_TEMPLATE = (
    "{%- if messages[0].role == 'system' %}{{- '<|im_start|>system\\n' }}{%- if messages[0].content is string %}"
    "{{- messages[0].content }}{%- else %}{%- for content in messages[0].content %}{%- if 'text' in content %}"
    "{{- content.text }}{%- endif %}{%- endfor %}{%- endif %}{{- '<|im_end|>\\n' }}{%- endif %}"
    "{%- set image_count = namespace(value=0) %}{%- set video_count = namespace(value=0) %}"
    "{%- set audio_count = namespace(value=0) %}{%- for message in messages %}"
    "{%- if message.role != 'system' or not loop.first %}{{- '<|im_start|>' + message.role + '\\n' }}"
    "{%- if message.content is string %}{{- message.content }}{%- else %}{%- for content in message.content %}"
    "{%- if content.type == 'image' or 'image' in content or 'image_url' in content %}"
    "{%- set image_count.value = image_count.value + 1 %}{%- if add_vision_id %}Picture {{ image_count.value }}: "
    "{% endif %}<|vision_start|><|image_pad|><|vision_end|>"
    "{%- elif content.type == 'video' or 'video' in content %}{%- set video_count.value = video_count.value + 1 %}"
    "{%- if add_vision_id %}Video {{ video_count.value }}: {% endif %}<|vision_start|><|video_pad|><|vision_end|>"
    "{%- elif content.type == 'audio' or 'audio' in content or 'audio_url' in content %}"
    "{%- set audio_count.value = audio_count.value + 1 %}{%- if add_audio_id %}Audio {{ audio_count.value }}: "
    "{% endif %}<|audio_start|><|audio_pad|><|audio_end|>"
    "{%- elif 'text' in content %}{{- content.text }}{%- endif %}{%- endfor %}{%- endif %}"
    "{{- '<|im_end|>\\n' }}{%- endif %}{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}")
TINY = {
    "audio": dict(d_model=64, encoder_layers=2, encoder_attention_heads=2, encoder_ffn_dim=128,
                  downsample_hidden_size=32, num_mel_bins=128, max_source_positions=1500, n_window=50,
                  n_window_infer=800, conv_chunksize=500),
    "vision": dict(depth=1, hidden_size=32, intermediate_size=64, num_heads=2, patch_size=16,
                   spatial_merge_size=2, temporal_patch_size=2, deepstack_visual_indexes=[0]),
    "text": dict(hidden_size=64, intermediate_size=128, moe_intermediate_size=32, num_hidden_layers=2,
                 num_attention_heads=4, num_key_value_heads=2, head_dim=16, num_experts=4,
                 num_experts_per_tok=2, decoder_sparse_step=1, mlp_only_layers=[], norm_topk_prob=True,
                 rope_theta=1000000.0, max_position_embeddings=65536,
                 rope_scaling={"type": "default", "rope_type": "default", "interleaved": True,
                               "mrope_interleaved": True, "mrope_section": [4, 2, 2]}),
}


def qwen3_omni_config(vocab_size: int = 152064):
    """A `Qwen3OmniMoeConfig` with the tiny shapes, the real token ids and no talker."""
    from transformers import Qwen3OmniMoeConfig

    hidden = TINY["text"]["hidden_size"]
    thinker = dict(
        audio_config=dict(TINY["audio"], output_dim=hidden),
        vision_config=dict(TINY["vision"], out_hidden_size=hidden),
        text_config=dict(TINY["text"], vocab_size=vocab_size, tie_word_embeddings=False),
        audio_token_id=SPECIALS["<|audio_pad|>"], image_token_id=SPECIALS["<|image_pad|>"],
        video_token_id=SPECIALS["<|video_pad|>"], audio_start_token_id=SPECIALS["<|audio_start|>"],
        audio_end_token_id=SPECIALS["<|audio_end|>"], vision_start_token_id=SPECIALS["<|vision_start|>"],
        vision_end_token_id=SPECIALS["<|vision_end|>"], position_id_per_seconds=13, seconds_per_chunk=2,
        user_token_id=872, tie_word_embeddings=False)
    return Qwen3OmniMoeConfig(thinker_config=thinker, enable_audio_output=False)


def write_model(tmp: Path, seed: int) -> None:
    """The tiny Qwen3-Omni and its processor, into the empty folder `tmp`."""
    import torch
    from transformers import (Qwen2VLImageProcessor, Qwen3OmniMoeForConditionalGeneration, Qwen3OmniMoeProcessor,
                              WhisperFeatureExtractor)
    from transformers.models.qwen2_vl.video_processing_qwen2_vl import Qwen2VLVideoProcessor

    tokenizer = named_tokenizer(tmp, SPECIALS, NAMED)
    vision = dict(patch_size=16, merge_size=2, temporal_patch_size=2)
    image, features = Qwen2VLImageProcessor(**vision), WhisperFeatureExtractor(feature_size=128)
    processor = Qwen3OmniMoeProcessor(image_processor=image, video_processor=Qwen2VLVideoProcessor(**vision),
                                      feature_extractor=features, tokenizer=tokenizer, chat_template=CHAT_TEMPLATE)
    torch.manual_seed(seed)
    model = Qwen3OmniMoeForConditionalGeneration(qwen3_omni_config()).eval()
    save_omni(tmp, model, processor, image, features, SPECIALS)
