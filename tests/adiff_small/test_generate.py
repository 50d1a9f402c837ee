"""Where decoding stops: our models on end-of-text, the release's rule on the token that
`tokenizer.encode(' <|endoftext|>')[0]` names (the bare space before end-of-text)."""
from __future__ import annotations

import pytest
import torch
from transformers import GPT2LMHeadModel

from adcacc.adiff_small.config import ModelConfig
from adcacc.adiff_small.generate import Decoding, generate_ids
from adcacc.adiff_small.model import ADiff


class ScriptedLM(GPT2LMHeadModel):
    """A GPT-2 whose next token at decoding step i is `script[row][i]`, whatever it is fed."""

    script: list[list[int]] = []
    step = 0

    def forward(self, *args, **kwargs):
        out = super().forward(*args, **kwargs)
        logits = torch.full_like(out.logits, -1e9)
        for row, tokens in enumerate(self.script):
            logits[row, -1, tokens[self.step]] = 0.0
        self.step += 1
        out.logits = logits
        return out


def _decode(tiny_lm, stop: str, script: list[list[int]]) -> tuple[ADiff, list[list[int]]]:
    torch.manual_seed(0)
    model = ADiff(ModelConfig(encoder="tiny", lm=str(tiny_lm), d_proj=32, prefix_length=4, text_length=8,
                              mapper_layers=1, cross_layers=1, stop=stop)).eval()
    lm = ScriptedLM.from_pretrained(tiny_lm).eval()
    lm.script = script
    model.lm = lm
    prefix = torch.randn(len(script), 5, lm.get_input_embeddings().weight.shape[1])
    return model, generate_ids(model, prefix, Decoding(max_new_tokens=len(script[0])))


@pytest.mark.parametrize("stop", ["eos", "release"])
def test_release_rule_stops_on_the_bare_space_ours_on_end_of_text(tiny_lm, stop):
    probe = ADiff(ModelConfig(encoder="tiny", lm=str(tiny_lm), d_proj=32, prefix_length=4, text_length=8,
                              mapper_layers=1, cross_layers=1))
    tok, eot = probe.tokenizer, probe.sep_id
    space = tok.encode(" <|endoftext|>")[0]  # the release wrapper's stop_token_index
    a, b, c = (tok.encode(w)[0] for w in ("Audio", " whistle", " hum"))
    assert probe.stop_id == eot and space not in (eot, a, b, c)  # our models: end of text
    script = [[a, b, space, eot, c, c, c, c],   # the release's answers end " <|endoftext|>"
              [a, eot, b, space, c, c, c, c]]   # end of text alone does not stop the release
    model, rows = _decode(tiny_lm, stop, script)
    if stop == "eos":
        assert model.stop_id == eot and rows == [[a, b, space], [a]]
    else:
        assert model.stop_id == space and rows == [[a, b], [a, eot, b]]
