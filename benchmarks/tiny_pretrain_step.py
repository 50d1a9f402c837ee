"""How fast can the tiny Qwen2-Audio be trained in full on this CPU, by vocabulary size?

The toy replication (pretraining a tiny Qwen2-Audio from scratch before any LoRA arm) needs
thousands of full-model steps on 2 cores. One training step (forward, backward, AdamW) at
batch 4 with 10 s clips is timed for the tiny widths (adcacc.recipes.tiny_model.TINY_SHAPES) at
Qwen2's full 156,032-token vocabulary and at a trimmed one, and the ratio is printed.

    python benchmarks/tiny_pretrain_step.py [--vocab 4096] [--steps 3]
"""
from __future__ import annotations

import argparse
import time

import torch

from adcacc.recipes.tiny_model import AUDIO_TOKEN_INDEX, TINY_SHAPES, qwen2_audio_config


def step_seconds(vocab: int, steps: int, batch: int = 4, seq: int = 294, audio_tokens: int = 250) -> float:
    """Median seconds of one full-model training step (random weights and inputs)."""
    cfg = qwen2_audio_config({**TINY_SHAPES, "vocab_size": vocab})
    cfg.audio_token_index = AUDIO_TOKEN_INDEX if vocab > AUDIO_TOKEN_INDEX else vocab - 1
    torch.manual_seed(0)
    model = __import__("transformers").Qwen2AudioForConditionalGeneration(cfg).train()
    ids = torch.randint(0, min(vocab, AUDIO_TOKEN_INDEX) - 1, (batch, seq))
    ids[:, 20:20 + audio_tokens] = cfg.audio_token_index
    feats = torch.randn(batch, 128, 3000)
    mask = torch.zeros(batch, 3000, dtype=torch.long)
    mask[:, :1000] = 1  # 10 s of audio -> 250 audio tokens
    labels = ids.clone()
    labels[:, : seq - 14] = -100  # the answer: 14 tokens
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    times = []
    for _ in range(steps + 1):  # the first step warms up
        start = time.perf_counter()
        out = model(input_ids=ids, input_features=feats, feature_attention_mask=mask,
                    attention_mask=torch.ones_like(ids), labels=labels)
        out.loss.backward()
        opt.step()
        opt.zero_grad()
        times.append(time.perf_counter() - start)
    return sorted(times[1:])[len(times[1:]) // 2]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--vocab", type=int, default=4096, help="trimmed vocabulary size")
    p.add_argument("--steps", type=int, default=3)
    a = p.parse_args()
    full = step_seconds(TINY_SHAPES["vocab_size"], a.steps)
    trimmed = step_seconds(a.vocab, a.steps)
    print(f"threads {torch.get_num_threads()}, batch 4, 10 s clips, full fine-tuning of the tiny model")
    print(f"vocab {TINY_SHAPES['vocab_size']}: {full:.2f} s/step")
    print(f"vocab {a.vocab}: {trimmed:.2f} s/step")
    print(f"ratio: {full / trimmed:.1f}x faster with the trimmed vocabulary")


if __name__ == "__main__":
    main()
