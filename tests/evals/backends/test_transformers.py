"""The transformers backend's two speed-ups give what the plain calls give (tiny Qwen2-Audio)."""
import pytest

from evals.backends import transformers as tf_backend
from evals.backends.chat import chat_texts
from evals.tasks import CAPTION_PROMPT


def test_model_inputs_equal_the_processor_on_the_whole_batch(tiny_model):
    import numpy as np
    import torch

    from transformers import AutoProcessor

    processor = AutoProcessor.from_pretrained(tiny_model)
    processor.tokenizer.padding_side = "left"
    rng = np.random.default_rng(0)
    audios = [(0.1 * rng.standard_normal(16000 * s)).astype(np.float32) for s in (1, 3, 2)]
    texts = chat_texts(processor, [CAPTION_PROMPT, "Which genre? Answer in one word.", "Hi"])
    whole = processor(text=texts, audios=audios, sampling_rate=16000, return_tensors="pt", padding=True)
    clipwise = tf_backend.model_inputs(processor, texts, audios)
    assert sorted(clipwise.keys()) == sorted(whole.keys())
    assert all(torch.equal(clipwise[k], whole[k]) for k in whole)
    assert (clipwise["attention_mask"][:, 0] == 0).any()  # left-padded: prompts differ in length


@pytest.mark.parametrize("rows", [1, 5])
def test_last_position_logits_are_the_full_heads_last_position(rows):
    import torch

    class Tiny(torch.nn.Module):  # just the attribute path generate_batch patches
        def __init__(self):
            super().__init__()
            self.language_model = torch.nn.Module()
            self.language_model.lm_head = torch.nn.Linear(64, 3000, bias=False)

    torch.manual_seed(0)
    model, hidden = Tiny(), torch.randn(rows, 7, 64)
    plain = model.language_model.lm_head(hidden[:, -1:, :])  # h @ W.T on the last positions
    with tf_backend.last_position_logits(model):
        last = model.language_model.lm_head(hidden)
    assert last.shape == (rows, 1, 3000)
    torch.testing.assert_close(last, plain, rtol=1e-5, atol=1e-5)  # float rounding only
    assert torch.equal(last.argmax(-1), plain.argmax(-1))
    assert isinstance(model.language_model.lm_head, torch.nn.Linear)  # restored
