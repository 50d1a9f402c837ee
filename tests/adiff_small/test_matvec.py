"""The split vector product and the layer swap behind faster one-sequence decoding."""
from __future__ import annotations

import torch
from torch import nn
from transformers import GPT2Config, GPT2LMHeadModel
from transformers.pytorch_utils import Conv1D

from adiff_small.generate import Decoding, generate_ids
from adiff_small.lm import load_lm
from adiff_small.matvec import MatVecConv1D, MatVecLinear, split_vector_product, use_matvec_layers


def test_split_product_equals_the_plain_product_for_one_row():
    torch.manual_seed(0)
    w = torch.randn(64, 48)  # [in, out]
    x = torch.randn(1, 1, 64)
    y = split_vector_product(x, w)
    assert y.shape == (1, 1, 48)
    torch.testing.assert_close(y, x @ w, rtol=1e-5, atol=1e-5)


def test_split_product_declines_what_it_cannot_do():
    w = torch.randn(64, 48)
    assert split_vector_product(torch.randn(2, 64), w) is None  # several rows
    assert split_vector_product(torch.randn(1, 63), torch.randn(63, 48)) is None  # odd length
    assert split_vector_product(torch.randn(1, 64), torch.randn(48, 64).t()) is None  # [out, in]


def _gpt2() -> GPT2LMHeadModel:
    torch.manual_seed(0)
    return GPT2LMHeadModel(GPT2Config(vocab_size=50, n_positions=32, n_embd=32, n_layer=2,
                                      n_head=2)).eval()


def test_swap_keeps_parameters_ties_and_values():
    model = _gpt2()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    params = {n: p for n, p in model.named_parameters()}
    use_matvec_layers(model)
    assert type(model.lm_head) is MatVecLinear
    assert all(type(m) is MatVecConv1D for m in model.modules() if isinstance(m, Conv1D))
    assert not any(type(m) in (nn.Linear, Conv1D) for m in model.modules())
    assert model.lm_head.weight is model.transformer.wte.weight  # still tied
    assert dict(model.named_parameters()) == params  # the very same Parameter objects
    after = model.state_dict()
    assert after.keys() == before.keys()
    assert all(torch.equal(after[k], before[k]) for k in before)
    assert model.lm_head.weight.t().is_contiguous()


@torch.no_grad()
def test_swapped_model_computes_what_the_stock_model_does():
    stock, fast = _gpt2(), _gpt2()
    use_matvec_layers(fast)
    ids = torch.tensor([[3, 14, 15, 9, 2, 6]])
    for x in (ids[:, :1], ids, ids.repeat(3, 1)):  # the split path, then stock paths
        torch.testing.assert_close(fast(x).logits, stock(x).logits, rtol=1e-5, atol=1e-5)


def test_load_lm_swaps_the_layers(tiny_lm):
    lm, _ = load_lm(str(tiny_lm))
    assert type(lm.lm_head) is MatVecLinear
    assert any(type(m) is MatVecConv1D for m in lm.modules())
    assert lm.lm_head.weight is lm.get_input_embeddings().weight


def test_one_row_decodes_the_tokens_of_a_batch_row(tiny_lm):
    """Batch-1 decoding (the split path) and the same row inside a batch of two (stock
    matrix products) pick the same greedy tokens."""
    from adiff_small.config import ModelConfig
    from adiff_small.model import ADiff

    torch.manual_seed(0)
    model = ADiff(ModelConfig(encoder="tiny", lm=str(tiny_lm), d_proj=64, mapper_layers=1,
                              cross_layers=1)).eval()
    with torch.no_grad():
        emb = torch.randn(2, model.encoder.embed_dim)
        prefix = model.prefix(emb, emb.flip(0), model.tokenize_prompts(["a", "b"]))
    dec = Decoding(max_new_tokens=12, min_new_tokens=12)
    assert generate_ids(model, prefix[:1], dec) == generate_ids(model, prefix, dec)[:1]
