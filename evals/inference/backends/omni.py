"""Omni backend of `adcacc infer`: the thinker of Qwen2.5-Omni or Qwen3-Omni (audio in, text out).

It runs in the Omni family's environment (.venv-omni, transformers 4.57), as the training does,
and evaluates a model as ms-swift trained it:

- Loading: the checkpoint's full class (`Qwen2_5OmniForConditionalGeneration`,
  `Qwen3OmniMoeForConditionalGeneration`) with `enable_audio_output` false, so the talker and
  vocoder are never built (as ENABLE_AUDIO_OUTPUT=0 does in ms-swift's loader). ms-swift trains
  LoRA on that full model (module names `thinker.model.layers...`), so the adapter is merged
  into it before its thinker is kept; generation then runs the thinker alone.
- Prompts: one user turn, its audios then the instruction, in the processor's chat template;
  that renders what ms-swift's `qwen2_5_omni` / `qwen3_omni` templates make of a training row
  (tested). The system turn is the one ms-swift trains with when a row has none: the template's
  default, "You are a helpful assistant." for Qwen2.5-Omni and none for Qwen3-Omni. Not the
  Omni "virtual human" system prompt: it only matters for speech output, which is off here and
  was never trained.
- Audio: each item's clips go through the processor together, as a training row's do; Qwen3-Omni's
  waveforms are first cut to a whole number of feature hops and never truncated at 30 s, as
  ms-swift's template prepares them. The features are those swift trains on (tested).
- Batches are left-padded; a batch decodes to the tokens each item gives alone (tested).
"""
from __future__ import annotations

from dataclasses import dataclass

from adcacc.common.errors import InputError
from adcacc.evals.inference.backends.chat import greedy_decoding, user_turn
from adcacc.evals.inference.backends.transformers import check_adapter

MIN_TRANSFORMERS = (4, 57)
ENVIRONMENT = ".venv-omni"


@dataclass(frozen=True)
class OmniFamily:
    model_class: str  # the full checkpoint's class in transformers
    trim_to_hop: bool  # waveforms cut to whole feature hops, untruncated (ms-swift's omni_v3)


FAMILIES = {"qwen2_5_omni": OmniFamily("Qwen2_5OmniForConditionalGeneration", False),
            "qwen3_omni_moe": OmniFamily("Qwen3OmniMoeForConditionalGeneration", True)}


def require_transformers() -> None:
    """One line naming the environment where transformers is too old for the Omni models."""
    import transformers

    have = tuple(int(p) for p in transformers.__version__.split(".")[:2])
    if have < MIN_TRANSFORMERS:
        raise InputError(None, f"the omni backend needs transformers >= 4.57 (this environment has "
                               f"{transformers.__version__}); run it with {ENVIRONMENT}/bin/python -m adcacc infer ...")


def load_thinker(model_id: str, adapter: str | None, dtype: str, device: str):
    """(thinker, processor, family) of a full Qwen-Omni checkpoint folder or cached hub id, the
    adapter (if any) merged into the full model first."""
    import torch
    import transformers
    from transformers import AutoConfig, AutoProcessor

    if adapter:
        check_adapter(adapter)  # before anything else reads the folder, in any environment
    require_transformers()
    try:
        model_type = AutoConfig.from_pretrained(model_id).model_type
        processor = AutoProcessor.from_pretrained(model_id)
    except (OSError, ValueError) as err:  # no such folder or hub id, or not a model folder
        raise InputError(model_id, f"cannot load the model ({(str(err).splitlines() or [type(err).__name__])[0]}); "
                                   "pass a local Qwen-Omni folder or a cached hub id") from None
    if model_type not in FAMILIES:
        raise InputError(model_id, f"is a {model_type!r} model; the omni backend runs {', '.join(FAMILIES)}")
    family = FAMILIES[model_type]
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    torch_dtype = {"auto": torch.bfloat16 if device.startswith("cuda") else torch.float32,
                   "float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[dtype]
    model = getattr(transformers, family.model_class).from_pretrained(model_id, dtype=torch_dtype,
                                                                      enable_audio_output=False)
    if adapter:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, adapter).merge_and_unload()
    processor.tokenizer.padding_side = "left"  # batched decoder-only generation pads on the left
    # model_inputs() pads per-item encodings with tokenizer.pad on purpose (see there); silence
    # the advice that a whole-batch tokenizer call would be faster
    processor.tokenizer.deprecation_warnings["Asking-to-pad-a-fast-tokenizer"] = True
    return model.thinker.to(device).eval(), processor, family


def chat_texts(processor, prompts: list[str], n_audios: list[int]) -> list[str]:
    """Each item's prompt in the processor's chat template (`chat.user_turn`). Rendered by
    ProcessorMixin's apply_chat_template: Qwen2.5-Omni's override adds nothing but a root-logger
    warning per item that its speech-output system prompt is absent (see the module docstring)."""
    from transformers import ProcessorMixin

    return [ProcessorMixin.apply_chat_template(processor, user_turn(p, n), add_generation_prompt=True,
                                               tokenize=False) for p, n in zip(prompts, n_audios)]


def model_inputs(processor, family: OmniFamily, texts: list[str], audios: list[list]):
    """The batch of `texts` (left-padded) with every item's audios, built item by item as
    ms-swift's template encodes a training row: a row's audios go through the processor together,
    and Qwen3-Omni pads their waveforms to the row's longest clip, which changes the last feature
    frames of the shorter one. Features are then zero-padded to the batch's longest; the audio
    encoder reads only the frames `feature_attention_mask` marks, so padding changes nothing."""
    import torch
    import torch.nn.functional as F

    kwargs = {"audio_kwargs": {"truncation": False}} if family.trim_to_hop else {}
    parts = [processor(text=[text], audio=_waveforms(processor, family, clips), return_tensors="pt", **kwargs)
             for text, clips in zip(texts, audios)]
    batch = processor.tokenizer.pad([{k: p[k][0] for k in ("input_ids", "attention_mask")} for p in parts],
                                    padding=True, return_tensors="pt")
    frames = max(p["input_features"].shape[-1] for p in parts)
    for key in ("input_features", "feature_attention_mask"):
        batch[key] = torch.cat([F.pad(p[key], (0, frames - p[key].shape[-1])) for p in parts])
    return batch


def _waveforms(processor, family: OmniFamily, clips: list) -> list:
    """Qwen3-Omni: each clip cut to whole feature hops (ms-swift's trim_audio_to_hop_length)."""
    if not family.trim_to_hop:
        return list(clips)
    hop = processor.feature_extractor.hop_length
    return [clip[:len(clip) // hop * hop] if len(clip) >= hop else clip for clip in clips]


class OmniGenerator:
    """Callable (audios, prompts) -> generated texts, greedy, `max_new_tokens` at most; `score`
    for teacher forcing. The interface of `TransformersGenerator`."""

    def __init__(self, model_id: str, adapter: str | None, max_new_tokens: int,
                 dtype: str = "auto", device: str = "auto"):
        self.model, self.processor, self.family = load_thinker(model_id, adapter, dtype, device)
        self.sample_rate = self.processor.feature_extractor.sampling_rate
        tok = self.processor.tokenizer
        # the thinker's own generation config is not the checkpoint's: end at the turn's end
        self.decoding = {**greedy_decoding(max_new_tokens), "pad_token_id": tok.pad_token_id,
                         "eos_token_id": [tok.convert_tokens_to_ids("<|im_end|>"), tok.pad_token_id]}

    def encode(self, audios: list[list], prompts: list[str]):
        """Model inputs of a batch, on the model's device and dtype."""
        texts = chat_texts(self.processor, prompts, [len(a) for a in audios])
        inputs = model_inputs(self.processor, self.family, texts, audios).to(self.model.device)
        inputs["input_features"] = inputs["input_features"].to(self.model.dtype)
        return inputs

    def __call__(self, audios: list[list], prompts: list[str]) -> list[str]:
        texts = self.processor.batch_decode(self.generate_ids(audios, prompts), skip_special_tokens=True)
        return [t.strip() for t in texts]

    def generate_ids(self, audios: list[list], prompts: list[str]) -> list[list[int]]:
        """Each item's generated token ids, up to and including its end token (no padding)."""
        import torch

        inputs = self.encode(audios, prompts)
        with torch.inference_mode():
            out = self.model.generate(**inputs, **self.decoding)
        ends = set(self.decoding["eos_token_id"])  # a finished row is padded after its end token
        rows = out[:, inputs["input_ids"].shape[1]:].tolist()
        return [row[:next((i + 1 for i, t in enumerate(row) if t in ends), len(row))] for row in rows]

    def score(self, audios: list[list], prompts: list[str], answers: list[list[str]]) -> list[list[tuple[float, int]]]:
        """(summed log-prob, tokens) of each item's candidate answers (adcacc.evals.inference.teacher_forcing)."""
        from adcacc.evals.inference.teacher_forcing import score_item

        model = _ContinuationPositions(self.model)
        return [score_item(model, self.processor.tokenizer, self.encode([clips], [prompt]), candidates)
                for clips, prompt, candidates in zip(audios, prompts, answers)]


class _ContinuationPositions:
    """The thinker as `score_item` calls a model, with the cache positions of a continuation.

    A Qwen-Omni thinker derives its multimodal (M-RoPE) positions from the prompt's input ids;
    called with a cache but no cache positions (as `score_item` calls it), it would derive them
    again from the answer tokens alone. Given the positions, it continues from the prompt's."""

    def __init__(self, thinker):
        self.thinker, self.device = thinker, thinker.device

    def __call__(self, **inputs):
        import torch

        cache = inputs.get("past_key_values")
        if cache is not None:
            start, width = cache.get_seq_length(), inputs["input_ids"].shape[1]
            inputs["cache_position"] = torch.arange(start, start + width, device=self.device)
        return self.thinker(**inputs)
