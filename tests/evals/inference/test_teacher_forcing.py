"""Teacher-forced answer scores on the tiny Qwen2-Audio equal a plain forward pass over the
prompt and the answer together (no shared cache, no padding)."""
import numpy as np


def test_cached_batched_scores_equal_one_full_forward_per_answer(tiny_model):
    import torch
    from transformers import AutoProcessor, Qwen2AudioForConditionalGeneration

    from adcacc.evals.inference.backends.chat import chat_texts
    from adcacc.evals.inference.backends.transformers import model_inputs
    from adcacc.evals.inference.teacher_forcing import answer_ids, score_item

    processor = AutoProcessor.from_pretrained(tiny_model)
    model = Qwen2AudioForConditionalGeneration.from_pretrained(tiny_model, torch_dtype=torch.float32).eval()
    rng = np.random.default_rng(0)
    audios = [(0.1 * rng.standard_normal(16000 * s)).astype(np.float32) for s in (1, 2)]
    text = chat_texts(processor, ["What changed?"], [2])[0]
    answers = ["a dog barks", "rain", "a man speaks while a car passes by"]
    got = score_item(model, processor.tokenizer, model_inputs(processor, [text], [audios]), answers)
    for (total, n), ids in zip(got, answer_ids(processor.tokenizer, answers)):
        inputs = model_inputs(processor, [text], [audios])
        prompt_len = inputs["input_ids"].shape[1]
        inputs["input_ids"] = torch.cat([inputs["input_ids"], torch.tensor([ids])], dim=1)
        inputs["attention_mask"] = torch.ones_like(inputs["input_ids"])
        with torch.inference_mode():
            logp = torch.log_softmax(model(**inputs).logits[0].float(), dim=-1)
        expected = sum(float(logp[prompt_len - 1 + k, t]) for k, t in enumerate(ids))
        assert n == len(ids) and ids[-1] == processor.tokenizer.convert_tokens_to_ids("<|im_end|>")
        assert abs(total - expected) < 1e-3 * max(1.0, abs(expected)), (total, expected)
    assert len({round(t, 3) for t, _ in got}) == 3  # the answers are told apart
