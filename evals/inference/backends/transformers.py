"""Transformers backend of `adcacc infer`: Qwen2-Audio + its processor, peft for adapters.

The stack ms-swift trains with, so a model is evaluated as it was trained. Batched greedy
decoding with two speed-ups measured in evals/README.md ("Throughput"): Whisper features clip
by clip, and the vocabulary projection at the last position only.
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from adcacc.common.errors import InputError
from adcacc.common.torch_files import check_safetensors
from adcacc.evals.inference.backends.chat import chat_texts, greedy_decoding


def check_adapter(adapter: str) -> None:
    """Refuse an adapter folder whose weights are not a readable adapter_model.safetensors.

    peft falls back to adapter_model.bin, a pickle, and unpickling a user's file can run code;
    so such a folder is refused before anything reads it.
    """
    folder = Path(adapter)
    weights = folder / "adapter_model.safetensors"
    if not weights.is_file():
        got = " (it holds adapter_model.bin, a pickle, which is not loaded: it could run code)" \
            if (folder / "adapter_model.bin").exists() else ""
        raise InputError(folder, f"no adapter_model.safetensors{got}; save the adapter as safetensors "
                                 "(ms-swift and peft's save_pretrained do by default) or convert it")
    check_safetensors(weights, "save or convert the adapter again")


def load_model(model_id: str, adapter: str | None, dtype: str, device: str):
    """Model and processor from an HF id or local dir; the adapter (if any) merged for speed."""
    import torch
    from transformers import AutoProcessor, Qwen2AudioForConditionalGeneration

    if adapter:
        check_adapter(adapter)
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    torch_dtype = {"auto": torch.bfloat16 if device.startswith("cuda") else torch.float32,
                   "float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[dtype]
    try:
        processor = AutoProcessor.from_pretrained(model_id)
    except (OSError, ValueError) as err:  # no such folder or hub id, or not a model folder
        raise InputError(model_id, f"cannot load the model's processor ({(str(err).splitlines() or [type(err).__name__])[0]}); "
                                   "pass a local Qwen2-Audio folder or a cached hub id") from None
    processor.tokenizer.padding_side = "left"  # batched decoder-only generation pads on the left
    # model_inputs() pads per-clip encodings with tokenizer.pad on purpose; silence the
    # advice that __call__ would be faster (it tokenizes whole batches, not our case)
    processor.tokenizer.deprecation_warnings["Asking-to-pad-a-fast-tokenizer"] = True
    model = Qwen2AudioForConditionalGeneration.from_pretrained(model_id, torch_dtype=torch_dtype)
    if adapter:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, adapter).merge_and_unload()
    return model.to(device).eval(), processor


@contextmanager
def last_position_logits(model):
    """Project hidden states to the vocabulary at the last position only, during generate().

    Qwen2-Audio's forward (transformers 4.48) has no `num_logits_to_keep`, so the prefill
    computes logits for every prompt position: batch x ~800 positions x 156k vocabulary on
    the 7B model (GBs), while generate() reads only `logits[:, -1]`. Training is unaffected.
    For a batch on CPU the projection runs as W @ h.T rather than h @ W.T, where CPU BLAS packs
    the huge weight operand on every call: the same logits up to float rounding (tested; batching
    itself rounds differently too), and 16 rows x 156k vocabulary took 7.5 vs 16.4 ms at hidden
    64, 129 vs 185 ms at hidden 1536 (2-core dev CPU, with generate's clone and argmax). A single
    row keeps h @ W.T, the faster GEMV there.
    """
    import torch

    lm = model.language_model
    full_head = lm.lm_head

    class _LastPosition(torch.nn.Module):
        def forward(self, hidden):
            last = hidden[:, -1, :]
            if len(last) == 1 or last.is_cuda or full_head.bias is not None:
                return full_head(last).unsqueeze(1)
            return (full_head.weight @ last.T).T.unsqueeze(1)

    lm.lm_head = _LastPosition()
    try:
        yield
    finally:
        lm.lm_head = full_head


def model_inputs(processor, texts: list[str], audios: list[list]):
    """What `processor(text=texts, audios=<all audios>, padding=True)` returns, built item by
    item (`audios[i]`: the clips of text i, in the order of its audio tokens).

    Whisper features of a whole batch at once cost more per clip than clip by clip (16 clips:
    200 vs 86 ms on the 2-core dev CPU; the batch's padded 30-s spectrograms outgrow the
    cache). So each clip goes through the processor alone, which also expands its <|AUDIO|>
    tokens, and the tokenizer's own `pad` left-pads the ids; the result is identical (tested).
    """
    import torch

    sr = processor.feature_extractor.sampling_rate
    parts = [processor(text=[t], audios=list(a), sampling_rate=sr, return_tensors="pt")
             for t, a in zip(texts, audios)]
    text_keys = ("input_ids", "attention_mask")
    batch = processor.tokenizer.pad([{k: p[k][0] for k in text_keys} for p in parts],
                                    padding=True, return_tensors="pt")
    for key in [k for k in parts[0].keys() if k not in text_keys]:
        batch[key] = torch.cat([p[key] for p in parts])
    return batch


def generate_batch(model, processor, audios: list[list], prompts: list[str], decoding: dict) -> list[str]:
    """Greedy-decode one batch; returns the generated text only (prompt tokens stripped)."""
    import torch

    texts = chat_texts(processor, prompts, [len(a) for a in audios])
    inputs = model_inputs(processor, texts, audios).to(model.device)
    if "input_features" in inputs:
        inputs["input_features"] = inputs["input_features"].to(model.dtype)
    with torch.inference_mode(), last_position_logits(model):
        out = model.generate(**inputs, **decoding)
    new = out[:, inputs["input_ids"].shape[1]:]
    return [t.strip() for t in processor.batch_decode(new, skip_special_tokens=True)]


class TransformersGenerator:
    """Callable (audios, prompts) -> generated texts, greedy, `max_new_tokens` at most."""

    def __init__(self, model_id: str, adapter: str | None, max_new_tokens: int,
                 dtype: str = "auto", device: str = "auto"):
        self.model, self.processor = load_model(model_id, adapter, dtype, device)
        self.sample_rate = self.processor.feature_extractor.sampling_rate
        self.decoding = greedy_decoding(max_new_tokens)

    def __call__(self, audios: list[list], prompts: list[str]) -> list[str]:
        return generate_batch(self.model, self.processor, audios, prompts, self.decoding)

    def score(self, audios: list[list], prompts: list[str], answers: list[list[str]]) -> list[list[tuple[float, int]]]:
        """(summed log-prob, tokens) of each item's candidate answers (adcacc.evals.inference.teacher_forcing)."""
        from adcacc.evals.inference.teacher_forcing import score_item

        texts = chat_texts(self.processor, prompts, [len(a) for a in audios])
        scores = []
        for text, clips, candidates in zip(texts, audios, answers):  # one at a time: each has its own cache
            inputs = model_inputs(self.processor, [text], [clips]).to(self.model.device)
            if "input_features" in inputs:
                inputs["input_features"] = inputs["input_features"].to(self.model.dtype)
            scores.append(score_item(self.model, self.processor.tokenizer, inputs, candidates))
        return scores
