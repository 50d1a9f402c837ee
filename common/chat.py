"""Chat-model backends that turn a list of messages into one reply, plus a reply cache.

Used wherever text is written by a language model (ADIFF explanations, the builder's optional
caption rewriting): any OpenAI-compatible endpoint, or a local transformers chat model.
Decoding is greedy (temperature 0, seeded) so a backend is as repeatable as it can be, and
`CachedChat` stores every reply by the hash of its request, so a rerun is byte-identical
and never asks the model again.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Callable

from adcacc.common.errors import InputError
from adcacc.common.files import write_text

Chat = Callable[[list[dict]], str]


class OpenAIBackend:
    """Any OpenAI-compatible chat endpoint (vLLM, llama.cpp server, OpenAI); the key comes
    from OPENAI_API_KEY ("EMPTY" for local servers)."""

    def __init__(self, base_url: str, model: str, seed: int):
        from openai import OpenAI

        self.client = OpenAI(base_url=base_url, api_key=os.environ.get("OPENAI_API_KEY", "EMPTY"))
        self.model, self.seed = model, seed

    def __call__(self, messages: list[dict]) -> str:
        out = self.client.chat.completions.create(model=self.model, messages=messages,
                                                  temperature=0.0, seed=self.seed)
        return out.choices[0].message.content.strip()


def load_causal_lm(name: str):
    """(model, tokenizer) of a local causal LM folder, in float32."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tok = AutoTokenizer.from_pretrained(name)
        model = AutoModelForCausalLM.from_pretrained(name, torch_dtype="float32")
    except (OSError, ValueError) as err:
        raise InputError(name, f"cannot load the chat model ({str(err).splitlines()[0]}); "
                               "give a local model folder") from None
    if tok.pad_token_id is None:
        tok.pad_token_id = tok.eos_token_id
    return model, tok


class TransformersBackend:
    """A local transformers causal LM with a chat template, decoded greedily on CPU/GPU.
    `load` maps the model name to (model, tokenizer); a package may pass its own loader."""

    def __init__(self, model: str, max_new_tokens: int = 320,
                 load: Callable[[str], tuple] = load_causal_lm):
        self.model, self.tok = load(model)
        self.max_new_tokens = max_new_tokens

    def __call__(self, messages: list[dict]) -> str:
        import torch

        ids = self.tok.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt")
        with torch.no_grad():
            out = self.model.generate(ids, attention_mask=torch.ones_like(ids), do_sample=False,
                                      max_new_tokens=self.max_new_tokens,
                                      pad_token_id=self.tok.pad_token_id)
        return self.tok.decode(out[0, ids.shape[1]:], skip_special_tokens=True).strip()


class CachedChat:
    """Wraps a backend: each reply is kept in `folder/<sha256 of backend id + messages>.json`
    (one atomic file per reply, so a killed run loses nothing). The backend is made by
    `make_backend` at the first reply not in the cache, so a fully cached rerun loads no model."""

    def __init__(self, make_backend: Callable[[], Chat], backend_id: str, folder: Path):
        self.make_backend, self.backend_id, self.folder = make_backend, backend_id, Path(folder)
        self.backend: Chat | None = None
        self.asked = 0  # replies that came from the backend, not the cache

    def __call__(self, messages: list[dict]) -> str:
        key = hashlib.sha256(json.dumps([self.backend_id, messages], ensure_ascii=False,
                                        sort_keys=True).encode()).hexdigest()
        path = self.folder / f"{key}.json"
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))["reply"]
        if self.backend is None:
            self.backend = self.make_backend()
        reply = self.backend(messages)
        self.asked += 1
        write_text(path, json.dumps({"messages": messages, "reply": reply}, ensure_ascii=False) + "\n")
        return reply
