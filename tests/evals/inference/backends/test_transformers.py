"""The transformers backend's two speed-ups give what the plain calls give (tiny Qwen2-Audio)."""
import pytest

from adcacc.evals.inference.backends import transformers as tf_backend
from adcacc.evals.inference.backends.chat import chat_texts
from adcacc.evals.sets.tasks import CAPTION_PROMPT


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
    clipwise = tf_backend.model_inputs(processor, texts, [[a] for a in audios])
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


class _Payload:
    """Unpickling this calls open(marker, "w"): the marker file proves code ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return open, (self.marker, "w")


def test_a_pickled_adapter_is_refused_before_anything_loads(tmp_path):
    import torch

    from adcacc.common.errors import InputError

    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text('{"peft_type": "LORA"}')
    marker = tmp_path / "ran"
    torch.save({"w": torch.ones(2), "x": _Payload(marker)}, adapter / "adapter_model.bin")
    with pytest.raises(InputError, match="adapter_model.bin.*safetensors") as err:
        tf_backend.load_model(str(tmp_path / "no-model"), str(adapter), "auto", "cpu")
    assert str(err.value).startswith(f"{adapter}: ") and "\n" not in str(err.value)
    assert not marker.exists()


def test_a_garbage_adapter_safetensors_is_one_input_error(tmp_path):
    from adcacc.common.errors import InputError

    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text('{"peft_type": "LORA"}')
    (adapter / "adapter_model.safetensors").write_bytes(b"\xff" * 64)
    with pytest.raises(InputError, match="not a readable safetensors file") as err:
        tf_backend.load_model(str(tmp_path / "no-model"), str(adapter), "auto", "cpu")
    assert str(err.value).startswith(str(adapter / "adapter_model.safetensors"))
