"""The split vector product and the layer swap behind faster one-sequence decoding."""
from __future__ import annotations

import torch
from torch import nn
from transformers import GPT2Config, GPT2LMHeadModel
from transformers.pytorch_utils import Conv1D

from adcacc.adiff_small import matvec
from adcacc.adiff_small.generate import Decoding, generate_ids
from adcacc.adiff_small.lm import load_lm
from adcacc.adiff_small.matvec import (MatVecConv1D, MatVecLinear, product_by_input_halves, product_by_output_halves,
                                       use_matvec_layers)


def test_split_products_equal_the_plain_products_for_one_row():
    torch.manual_seed(0)
    x = torch.randn(1, 1, 64)
    w_out_in, w_in_out = torch.randn(48, 64), torch.randn(64, 48)
    y = product_by_output_halves(x, w_out_in)
    assert y.shape == (1, 1, 48)
    torch.testing.assert_close(y, x @ w_out_in.T, rtol=1e-5, atol=1e-5)
    y = product_by_input_halves(x, w_in_out)
    assert y.shape == (1, 1, 48)
    torch.testing.assert_close(y, x @ w_in_out, rtol=1e-5, atol=1e-5)


def test_split_products_decline_what_they_cannot_do():
    assert product_by_output_halves(torch.randn(2, 64), torch.randn(48, 64)) is None  # two rows
    assert product_by_input_halves(torch.randn(2, 64), torch.randn(64, 48)) is None
    assert product_by_output_halves(torch.randn(1, 64), torch.randn(47, 64)) is None  # odd out
    assert product_by_input_halves(torch.randn(1, 63), torch.randn(63, 48)) is None  # odd in
    assert product_by_output_halves(torch.randn(1, 64), torch.randn(64, 48).t()) is None  # strided


def _gpt2() -> GPT2LMHeadModel:
    torch.manual_seed(0)
    return GPT2LMHeadModel(GPT2Config(vocab_size=50, n_positions=32, n_embd=32, n_layer=2,
                                      n_head=2)).eval()


def test_swap_keeps_parameters_ties_and_values():
    model = _gpt2()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    params = {n: p for n, p in model.named_parameters()}
    rng = torch.random.get_rng_state()
    use_matvec_layers(model)
    assert torch.equal(torch.random.get_rng_state(), rng)  # what is seeded next is unchanged
    assert type(model.lm_head) is MatVecLinear
    assert all(type(m) is MatVecConv1D for m in model.modules() if isinstance(m, Conv1D))
    assert not any(type(m) in (nn.Linear, Conv1D) for m in model.modules())
    assert model.lm_head.weight is model.transformer.wte.weight  # still tied
    assert dict(model.named_parameters()) == params  # the very same Parameter objects
    after = model.state_dict()
    assert after.keys() == before.keys()
    assert all(torch.equal(after[k], before[k]) for k in before)
    assert all(p.is_contiguous() for p in model.parameters())  # layouts untouched


@torch.no_grad()
def test_swapped_model_computes_what_the_stock_model_does(monkeypatch):
    stock, fast = _gpt2(), _gpt2()
    use_matvec_layers(fast)
    calls = []
    for name in ("product_by_output_halves", "product_by_input_halves"):
        real = getattr(matvec, name)
        monkeypatch.setattr(matvec, name, lambda x, w, real=real: calls.append(real(x, w)) or calls[-1])
    ids = torch.tensor([[3, 14, 15, 9, 2, 6]])
    one_row = ids[:, :1]
    torch.testing.assert_close(fast(one_row).logits, stock(one_row).logits, rtol=1e-5, atol=1e-5)
    assert len(calls) == 2 * 4 + 1 and all(c is not None for c in calls)  # every layer split
    for x in (ids, ids.repeat(3, 1)):  # several rows: the stock layers, bit for bit
        assert torch.equal(fast(x).logits, stock(x).logits)


def test_load_lm_swaps_the_layers_only_when_asked(tiny_lm):
    """Issue 24 item 7a: the split products halved decoding speed on another machine, so the
    stock layers are the default and the swap is opt-in (model.matvec)."""
    stock, _ = load_lm(str(tiny_lm))
    assert not any(type(m) in (MatVecLinear, MatVecConv1D) for m in stock.modules())
    lm, _ = load_lm(str(tiny_lm), matvec=True)
    assert type(lm.lm_head) is MatVecLinear
    assert any(type(m) is MatVecConv1D for m in lm.modules())
    assert lm.lm_head.weight is lm.get_input_embeddings().weight


def test_one_row_decodes_the_tokens_of_a_batch_row(tiny_lm):
    """Batch-1 decoding (the split path) and the same row inside a batch of two (stock
    matrix products) pick the same greedy tokens."""
    from adcacc.adiff_small.config import ModelConfig
    from adcacc.adiff_small.model import ADiff

    torch.manual_seed(0)
    model = ADiff(ModelConfig(encoder="tiny", lm=str(tiny_lm), d_proj=64, mapper_layers=1,
                              cross_layers=1, matvec=True)).eval()
    with torch.no_grad():
        emb = torch.randn(2, model.encoder.embed_dim)
        prefix = model.prefix(emb, emb.flip(0), model.tokenize_prompts(["a", "b"]))
    dec = Decoding(max_new_tokens=12, min_new_tokens=12)
    assert generate_ids(model, prefix[:1], dec) == generate_ids(model, prefix, dec)[:1]
