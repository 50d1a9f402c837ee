"""Generation backends of `adcacc infer`: each turns (audios, prompts) into generated texts.

`transformers` (default) runs Qwen2-Audio + peft in this environment, the stack ms-swift
trains with; `omni` runs the thinker of Qwen2.5-Omni or Qwen3-Omni in the Omni family's
environment (.venv-omni, transformers 4.57); `vllm` runs a merged model in its own environment
(evals/README.md, "Backends").
"""
from __future__ import annotations

from typing import Protocol

from adcacc.common.errors import InputError

BACKENDS = ("transformers", "omni", "vllm")


class Generator(Protocol):
    """Greedy generation: one text per (audios, prompt) item; each item's audios (one clip,
    or a pair) at `sample_rate` Hz."""

    sample_rate: int

    def __call__(self, audios: list[list], prompts: list[str]) -> list[str]: ...


def open_backend(name: str, model: str, adapter: str | None, *, max_new_tokens: int,
                 batch_size: int, dtype: str = "auto", device: str = "auto") -> Generator:
    """Load `model` (+ `adapter`) in backend `name`; heavy imports happen only here."""
    if name == "vllm":
        from adcacc.evals.inference.backends.vllm import VllmGenerator

        return VllmGenerator(model, adapter, max_new_tokens, batch_size)
    if name == "omni":
        from adcacc.evals.inference.backends.omni import OmniGenerator

        return OmniGenerator(model, adapter, max_new_tokens, dtype, device)
    if name != "transformers":
        raise InputError(None, f"unknown backend {name!r}; choose from {', '.join(BACKENDS)}")
    from adcacc.evals.inference.backends.transformers import TransformersGenerator

    return TransformersGenerator(model, adapter, max_new_tokens, dtype, device)
