"""What both backends share: the chat prompt (one user turn per item, its audios then the
instruction) and the greedy decoding every run records."""
from __future__ import annotations


def chat_texts(processor, prompts: list[str], n_audios: list[int] | None = None) -> list[str]:
    """One user turn per item (its audios, then the instruction) in the model's chat template.

    Qwen2-Audio's template writes `Audio i: <|audio_bos|><|AUDIO|><|audio_eos|>` per audio,
    as ms-swift's qwen2_audio template renders a training row's `<audio>` tags (tested)."""
    n_audios = n_audios or [1] * len(prompts)
    return [processor.apply_chat_template(user_turn(p, n), add_generation_prompt=True, tokenize=False)
            for p, n in zip(prompts, n_audios)]


def user_turn(prompt: str, n_audios: int) -> list[dict]:
    """The conversation of one item: a user turn holding its audios, then the instruction."""
    return [{"role": "user", "content": [*([{"type": "audio", "audio_url": "clip"}] * n_audios),
                                         {"type": "text", "text": prompt}]}]


def greedy_decoding(max_new_tokens: int) -> dict:
    """The decoding every backend runs and every run.json records."""
    return {"do_sample": False, "num_beams": 1, "max_new_tokens": max_new_tokens}
