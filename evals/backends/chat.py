"""The chat prompt both backends send: one user turn per clip, audio then the instruction."""
from __future__ import annotations


def chat_texts(processor, prompts: list[str]) -> list[str]:
    """One user turn per clip (audio, then the instruction) in the model's chat template."""
    return [processor.apply_chat_template(
        [{"role": "user", "content": [{"type": "audio", "audio_url": "clip"}, {"type": "text", "text": p}]}],
        add_generation_prompt=True, tokenize=False) for p in prompts]
