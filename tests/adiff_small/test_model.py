"""Shapes (121 positions), separator, freeze states and decoding with the tiny model."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from adcacc.adiff_small.config import ModelConfig
from adcacc.adiff_small.generate import Decoding, explain, generate_ids
from adcacc.adiff_small.model import ADiff


@pytest.fixture(scope="module")
def model(tiny_lm):
    torch.manual_seed(0)
    return ADiff(ModelConfig(encoder="tiny", lm=str(tiny_lm), d_proj=64, mapper_layers=1,
                             cross_layers=1)).eval()


def _emb(model, n=2):
    rng = np.random.default_rng(0)
    return model.encode([rng.standard_normal(16000).astype(np.float32) for _ in range(n)]).embedding


def test_prefix_is_audio_sep_audio_text_121_positions(model):
    emb = _emb(model)
    prompt = model.tokenize_prompts(["explain the difference in detail"] * 2)
    assert prompt.shape == (2, 40)
    width = model.lm.get_input_embeddings().weight.shape[1]
    assert model.prefix(emb, emb.flip(0), prompt).shape == (2, 121, width)
    assert model.tokenizer.convert_ids_to_tokens(model.sep_id) == "<|endoftext|>"
    # The cross-projection sees the separator: changing its embedding changes every output.
    captured = {}
    hook = model.cross.register_forward_pre_hook(lambda m, a: captured.setdefault("x", a[0]))
    model.prefix(emb, emb.flip(0), prompt)
    hook.remove()
    sep = model.lm.get_input_embeddings().weight[model.sep_id]
    assert torch.equal(captured["x"][:, 40], sep.expand(2, -1))


def test_baseline_without_cross_projection_has_no_separator(tiny_lm):
    m = ADiff(ModelConfig(encoder="tiny", lm=str(tiny_lm), d_proj=32, mapper_layers=1,
                          cross_projection=False))
    emb = _emb(m)
    assert m.cross is None
    assert m.prefix(emb, emb, m.tokenize_prompts(["x", "y"])).shape[1] == 120


def test_audio_blind_prefix_does_not_depend_on_the_audio(tiny_lm):
    cfg = ModelConfig(encoder="tiny", lm=str(tiny_lm), d_proj=32, mapper_layers=1, cross_layers=1)
    torch.manual_seed(0)
    hearing = ADiff(cfg).eval()
    torch.manual_seed(0)
    blind = ADiff(ModelConfig(**{**cfg.__dict__, "audio_blind": True})).eval()
    emb = _emb(hearing)
    prompt = hearing.tokenize_prompts(["x", "x"])
    with torch.no_grad():
        assert not torch.allclose(hearing.prefix(emb, emb.flip(0), prompt), hearing.prefix(emb, emb, prompt))
        assert torch.equal(blind.prefix(emb, emb.flip(0), prompt), blind.prefix(emb.flip(0), emb, prompt))
        assert torch.equal(blind.prefix(emb, emb, prompt), blind.prefix(torch.randn_like(emb), emb, prompt))


def test_freeze_states(model):
    adapters = [model.projection, model.audio_map1, model.audio_map2, model.text_map, model.cross]
    model.freeze(encoder=True, lm=True)
    model.train()
    assert not any(p.requires_grad for p in model.lm.parameters())
    assert not any(p.requires_grad for p in model.encoder.parameters())
    assert all(p.requires_grad for a in adapters for p in a.parameters())
    assert not model.lm.training and model.projection.training
    model.freeze(encoder=True, lm=False)
    model.train()
    assert all(p.requires_grad for p in model.lm.parameters()) and model.lm.training
    model.freeze(encoder=True, lm=True)
    model.eval()


def test_sampling_is_seeded_and_leaves_global_rng_alone(model):
    emb = _emb(model)
    prompts = ["explain the difference in few words"] * 2
    dec = Decoding("sample", top_k=50, top_p=0.95, max_new_tokens=12, seed=3)
    state = torch.get_rng_state()
    a = explain(model, emb, emb.flip(0), prompts, dec)
    assert torch.equal(state, torch.get_rng_state())
    assert explain(model, emb, emb.flip(0), prompts, dec) == a
    others = {tuple(explain(model, emb, emb.flip(0), prompts, Decoding(
        "sample", top_k=50, top_p=0.95, max_new_tokens=12, seed=s))) for s in range(4, 8)}
    assert others - {tuple(a)}, "different seeds never changed a sample"


@torch.no_grad()
def test_kv_cache_greedy_equals_full_recompute(model):
    emb = _emb(model)
    prefix = model.prefix(emb, emb.flip(0), model.tokenize_prompts(["a", "b"]))
    model.lm.generation_config.suppress_tokens = [model.sep_id]
    try:
        ours = generate_ids(model, prefix, Decoding(max_new_tokens=10, min_new_tokens=10))
    finally:
        model.lm.generation_config.suppress_tokens = None
    tokens = torch.zeros((2, 0), dtype=torch.long)
    for _ in range(10):
        x = torch.cat([prefix, model.lm.get_input_embeddings()(tokens)], dim=1)
        logits = model.lm(inputs_embeds=x, use_cache=False).logits[:, -1]
        logits[:, model.sep_id] = float("-inf")
        tokens = torch.cat([tokens, logits.argmax(-1, keepdim=True)], dim=1)
    assert ours == tokens.tolist()
