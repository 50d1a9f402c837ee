"""Importing the authors' released checkpoint.

The real checkpoint cannot be downloaded here, so a random-weight state dict with the
release's key names and shapes stands in for it (GPT-2 narrowed to the tiny test LM; every
other shape as in the release's config/base.yaml: d_proj 1024, 40-token prefixes, 4-layer
mappers with 8 heads, 4-layer cross-projection with 4 heads, HTSAT 768-d). The imported
model's logits must equal a reference forward written here from the release's equations
(model/decoder.py, model/adiff.py), so a wrong key, shape or q/k/v packing fails.
"""
from __future__ import annotations

import shutil

import pytest
import torch
import torch.nn.functional as F
import yaml
from transformers import GPT2LMHeadModel

from adcacc.adiff_small import checkpoint
from adcacc.adiff_small.encoders import build_encoder
from adcacc.adiff_small.release import import_release, map_release, read_release
from adcacc.common.errors import InputError

L, D_PROJ, D_ENC, MAPPER_LAYERS, CROSS_LAYERS = 40, 1024, 768, 4, 4


def _layer(g, prefix: str, w: int) -> dict:
    r = lambda *s: torch.randn(*s, generator=g) * 0.1  # noqa: E731
    return {f"{prefix}norm1.weight": 1 + r(w), f"{prefix}norm1.bias": r(w),
            f"{prefix}attn.to_queries.weight": r(w, w), f"{prefix}attn.to_keys_values.weight": r(2 * w, w),
            f"{prefix}attn.project.weight": r(w, w), f"{prefix}attn.project.bias": r(w),
            f"{prefix}norm2.weight": 1 + r(w), f"{prefix}norm2.bias": r(w),
            f"{prefix}mlp.fc1.weight": r(2 * w, w), f"{prefix}mlp.fc1.bias": r(2 * w),
            f"{prefix}mlp.fc2.weight": r(w, 2 * w), f"{prefix}mlp.fc2.bias": r(w)}


def release_state(tiny_lm) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(7)
    r = lambda *s: torch.randn(*s, generator=g) * 0.1  # noqa: E731
    gpt = GPT2LMHeadModel.from_pretrained(tiny_lm).state_dict()
    w = gpt["transformer.wte.weight"].shape[1]
    state = {}
    for k, v in gpt.items():  # fresh weights: the import must take them from the release
        state[f"caption_decoder.gpt.{k}"] = r(*v.shape) + (1 if ".ln_" in k and k.endswith("weight") else 0)
    state["caption_decoder.gpt.lm_head.weight"] = state["caption_decoder.gpt.transformer.wte.weight"]
    n_pos = gpt["transformer.wpe.weight"].shape[0]
    for i in range(sum(k.endswith(".attn.c_attn.weight") for k in gpt)):  # transformers-4.28 buffers
        state[f"caption_decoder.gpt.transformer.h.{i}.attn.bias"] = torch.tril(torch.ones(n_pos, n_pos, dtype=torch.bool))[None, None]
        state[f"caption_decoder.gpt.transformer.h.{i}.attn.masked_bias"] = torch.tensor(-1e4)
    torch.manual_seed(0)
    for k, v in build_encoder("htsat", pretrained=False).base.state_dict().items():
        state[f"audio_encoder.base.{k}"] = v
    state.update({"audio_encoder.projection.linear1.weight": r(D_PROJ, D_ENC),
                  "audio_encoder.projection.linear2.weight": r(D_PROJ, D_PROJ),
                  "audio_encoder.projection.layer_norm.weight": 1 + r(D_PROJ),
                  "audio_encoder.projection.layer_norm.bias": r(D_PROJ)})
    for name in ("audio_project1", "audio_project2", "text_project"):
        p = f"caption_decoder.{name}."
        state[p + "prefix_const"] = r(L, w)
        if name != "text_project":
            state[p + "linear.weight"], state[p + "linear.bias"] = r(L * w, D_PROJ), r(L * w)
        for i in range(MAPPER_LAYERS):
            state.update(_layer(g, f"{p}transformer.layers.{i}.", w))
    for i in range(CROSS_LAYERS):
        state.update(_layer(g, f"caption_decoder.cross_project.layers.{i}.", w))
    return state


# --- reference forward, from the release's equations -------------------------------------
def _ref_layer(x, s, p, heads):
    b, n, c = x.shape
    h = F.layer_norm(x, (c,), s[p + "norm1.weight"], s[p + "norm1.bias"])
    q = (h @ s[p + "attn.to_queries.weight"].T).reshape(b, n, heads, c // heads)
    kv = (h @ s[p + "attn.to_keys_values.weight"].T).reshape(b, n, 2, heads, c // heads)
    att = torch.einsum("bnhd,bmhd->bnmh", q, kv[:, :, 0]) * (c // heads) ** -0.5
    out = torch.einsum("bnmh,bmhd->bnhd", att.softmax(dim=2), kv[:, :, 1]).reshape(b, n, c)
    x = x + out @ s[p + "attn.project.weight"].T + s[p + "attn.project.bias"]
    h = F.layer_norm(x, (c,), s[p + "norm2.weight"], s[p + "norm2.bias"])
    h = F.relu(h @ s[p + "mlp.fc1.weight"].T + s[p + "mlp.fc1.bias"])
    return x + h @ s[p + "mlp.fc2.weight"].T + s[p + "mlp.fc2.bias"]


def _ref_stack(x, s, p, heads, layers):
    for i in range(layers):
        x = _ref_layer(x, s, f"{p}layers.{i}.", heads)
    return x


def _ref_mapper(x, s, name, w):
    p = f"caption_decoder.{name}."
    if name != "text_project":
        x = (x @ s[p + "linear.weight"].T + s[p + "linear.bias"]).view(x.shape[0], L, w)
    x = torch.cat([x, s[p + "prefix_const"].expand(x.shape[0], -1, -1)], dim=1)
    return _ref_stack(x, s, p + "transformer.", 8, MAPPER_LAYERS)[:, L:]


def reference_logits(s, gpt, emb1, emb2, prompt_ids, target_ids, sep_id):
    w = s["caption_decoder.gpt.transformer.wte.weight"].shape[1]
    wte = s["caption_decoder.gpt.transformer.wte.weight"]
    pre = "audio_encoder.projection."

    def project(e):
        e1 = e @ s[pre + "linear1.weight"].T
        e = F.layer_norm(e1 + F.gelu(e1) @ s[pre + "linear2.weight"].T, (D_PROJ,),
                         s[pre + "layer_norm.weight"], s[pre + "layer_norm.bias"])
        return e / e.norm(2, -1).reshape(-1, 1)  # normalize_prefix

    a1 = _ref_mapper(project(emb1), s, "audio_project1", w)
    a2 = _ref_mapper(project(emb2), s, "audio_project2", w)
    text = _ref_mapper(wte[prompt_ids], s, "text_project", w)
    sep = wte[sep_id].expand(emb1.shape[0], 1, -1)
    prefix = _ref_stack(torch.cat([a1, sep, a2, text], dim=1), s, "caption_decoder.cross_project.", 4, CROSS_LAYERS)
    logits = gpt(inputs_embeds=torch.cat([prefix, wte[target_ids]], dim=1)).logits
    n = target_ids.shape[1]
    return logits[:, -n - 1:-1]


@pytest.fixture(scope="module")
def imported(tiny_lm, tmp_path_factory):
    root = tmp_path_factory.mktemp("release")
    state = release_state(tiny_lm)
    torch.save(state, root / "adiff_release.ckpt")
    ckpt = import_release(root / "adiff_release.ckpt", root / "ours", lm=str(tiny_lm))
    model, cfg = checkpoint.load_model(root / "ours")
    gpt = GPT2LMHeadModel.from_pretrained(tiny_lm).eval()
    gpt_state = {k[len("caption_decoder.gpt."):]: v for k, v in state.items() if k.startswith("caption_decoder.gpt.")}
    unexpected = gpt.load_state_dict(gpt_state, strict=False).unexpected_keys
    assert all(k.endswith((".attn.bias", ".attn.masked_bias")) for k in unexpected)
    return root, state, model, cfg, gpt, ckpt


def _inputs(model):
    g = torch.Generator().manual_seed(3)
    emb1, emb2 = torch.randn(2, D_ENC, generator=g), torch.randn(2, D_ENC, generator=g)
    prompts = ["explain the difference in few words", "explain the difference in detail"]
    targets = torch.randint(1, len(model.tokenizer), (2, 6), generator=g)
    return emb1, emb2, prompts, targets


def test_imported_logits_equal_the_release_equations(imported):
    _, state, model, cfg, gpt, _ = imported
    assert (cfg.model.mapper_layers, cfg.model.cross_layers, cfg.model.prefix_length) == (4, 4, 40)
    assert not cfg.model.standardize and cfg.model.prompt_format == "release" and cfg.model.audio_fit == "repeat"
    emb1, emb2, prompts, targets = _inputs(model)
    tok = model.tokenizer
    ids = model.tokenize_prompts(prompts)
    # the release's prompt encoding: text + " <|endoftext|>", padded with "!" to 40 tokens
    for p, row in zip(prompts, ids.tolist()):
        want = tok(p + " <|endoftext|>")["input_ids"]
        assert row == want + [tok.convert_tokens_to_ids("!")] * (40 - len(want))
        assert want[-1] == model.sep_id
    with torch.no_grad():
        ours = model.logits(emb1, emb2, ids, targets)
        ref = reference_logits(state, gpt, emb1, emb2, ids, targets, model.sep_id)
    assert ours.shape == ref.shape == (2, 6, len(tok))
    torch.testing.assert_close(ours, ref, atol=2e-4, rtol=1e-4)
    enc = {k[len("encoder.base."):]: v for k, v in model.state_dict().items() if k.startswith("encoder.base.")}
    assert all(torch.equal(v, state[f"audio_encoder.base.{k}"]) for k, v in enc.items())


def test_wrong_packing_or_key_fails_and_module_prefix_loads(imported, tiny_lm, tmp_path):
    _, state, model, _, gpt, _ = imported
    emb1, emb2, prompts, targets = _inputs(model)
    ids = model.tokenize_prompts(prompts)
    swapped = dict(state)  # values then keys: the packing order matters
    for k, v in state.items():
        if k.endswith("to_keys_values.weight"):
            swapped[k] = torch.cat([v[v.shape[0] // 2:], v[: v.shape[0] // 2]])
    wrong = type(model)(model.cfg).eval()
    wrong.load_state_dict({**map_release(swapped), "embed_mean": model.embed_mean, "embed_std": model.embed_std})
    with torch.no_grad():
        ref = reference_logits(state, gpt, emb1, emb2, ids, targets, model.sep_id)
        assert not torch.allclose(wrong.logits(emb1, emb2, ids, targets), ref, atol=1e-3)
    # DataParallel's module. prefix reads to the same tensors
    torch.save({f"module.{k}": v for k, v in state.items() if "audio_encoder.base" not in k}, tmp_path / "dp.pt")
    dp = read_release(tmp_path / "dp.pt")
    assert set(dp) == {k for k in state if "audio_encoder.base" not in k}
    # a renamed key is named in a one-line error, and nothing is written
    key = "caption_decoder.audio_project1.transformer.layers.2.mlp.fc1.weight"
    bad = {(key.replace("fc1", "fc_1") if k == key else k): v for k, v in state.items()}
    torch.save(bad, tmp_path / "bad.pt")
    with pytest.raises(InputError, match=r"audio_map1\.transformer\.layers\.2\.linear1\.weight missing"):
        import_release(tmp_path / "bad.pt", tmp_path / "out", lm=str(tiny_lm))
    assert not (tmp_path / "out").exists()


def test_cli_refuses_a_file_that_is_not_a_release(tmp_path, capsys):
    from adcacc.cli import main

    torch.save({"encoder.weight": torch.zeros(2)}, tmp_path / "other.pt")
    assert main(["adiff", "import-release", str(tmp_path / "other.pt"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "not an ADIFF release checkpoint" in err and not (tmp_path / "o").exists()


def test_imported_checkpoint_stops_and_reads_channels_as_the_release(imported, tmp_path):
    _, _, model, _, _, ckpt = imported
    space = model.tokenizer.encode(" <|endoftext|>")[0]  # the release wrapper's stop_token_index
    assert model.stop_id == space != model.sep_id
    assert model.cfg.audio_channels == "concat"
    # imported before these options existed: the state's imported_from still decides
    old = tmp_path / "old"
    shutil.copytree(ckpt, old)
    cfg = yaml.safe_load((old / "config.yaml").read_text())
    del cfg["model"]["stop"], cfg["model"]["audio_channels"]
    (old / "config.yaml").write_text(yaml.safe_dump(cfg))
    again, _ = checkpoint.load_model(old)
    assert again.stop_id == space and again.cfg.audio_channels == "concat"
