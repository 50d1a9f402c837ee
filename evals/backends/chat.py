"""What both backends share: the chat prompt (one user turn per clip, audio then the
instruction) and the greedy decoding every run records."""
from __future__ import annotations


def chat_texts(processor, prompts: list[str]) -> list[str]:
    """One user turn per clip (audio, then the instruction) in the model's chat template."""
    return [processor.apply_chat_template(
        [{"role": "user", "content": [{"type": "audio", "audio_url": "clip"}, {"type": "text", "text": p}]}],
        add_generation_prompt=True, tokenize=False) for p in prompts]


def greedy_decoding(max_new_tokens: int) -> dict:
    """The decoding every backend runs and every run.json records."""
    return {"do_sample": False, "num_beams": 1, "max_new_tokens": max_new_tokens}
