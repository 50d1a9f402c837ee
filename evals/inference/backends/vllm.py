"""vLLM backend of `adcacc infer` (`--backend vllm`), for large eval sets on GPUs.

vLLM's Qwen2-Audio support needs transformers>=4.55, while ms-swift's Qwen2-Audio training
here pins transformers 4.48.3, so vLLM lives in its own environment (evals/README.md: "Backends").
vLLM's Qwen2-Audio has no LoRA support, so an adapter must be merged first
(`swift export --adapters DIR --merge_lora true`) and the merged folder passed as --model.
The prompt text is the processor's own chat template, exactly as in the transformers backend,
and decoding is greedy with the same token budget, so the two backends score alike.
"""
from __future__ import annotations

from adcacc.common.errors import InputError
from adcacc.evals.inference.backends.chat import chat_texts

MAX_AUDIOS = 2  # audios in one prompt: a pair (own-task sets of ADC / ACC rows)
SETUP_HINT = ("create a separate environment for it: python -m venv .venv-vllm && "
              ".venv-vllm/bin/pip install vllm && .venv-vllm/bin/pip install --no-deps -e . "
              "(see evals/README.md, 'Backends')")


class VllmGenerator:
    """Callable (audios, prompts) -> generated texts, like the transformers backend."""

    def __init__(self, model_id: str, adapter: str | None, max_new_tokens: int,
                 batch_size: int, seed: int = 0):
        if adapter:
            raise InputError(adapter, "vLLM cannot apply a LoRA adapter to Qwen2-Audio: merge it first "
                                      f"(swift export --adapters {adapter} --merge_lora true) and pass "
                                      "the merged folder as --model")
        try:
            from vllm import LLM, SamplingParams
        except ImportError:
            raise InputError(None, f"--backend vllm: vllm is not installed in this environment; {SETUP_HINT}") from None
        from transformers import AutoProcessor

        self.processor = AutoProcessor.from_pretrained(model_id)
        self.sample_rate = self.processor.feature_extractor.sampling_rate
        self.llm = LLM(model=model_id, max_model_len=4096, max_num_seqs=batch_size,
                       limit_mm_per_prompt={"audio": MAX_AUDIOS}, seed=seed)
        self.params = SamplingParams(temperature=0.0, max_tokens=max_new_tokens)

    def __call__(self, audios: list[list], prompts: list[str]) -> list[str]:
        texts = chat_texts(self.processor, prompts, [len(a) for a in audios])
        requests = [{"prompt": text, "multi_modal_data": {"audio": [(a, self.sample_rate) for a in clips]}}
                    for text, clips in zip(texts, audios)]
        outputs = self.llm.generate(requests, self.params, use_tqdm=False)
        return [o.outputs[0].text.strip() for o in outputs]
