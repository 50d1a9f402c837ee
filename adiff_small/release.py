"""`adcacc adiff import-release`: the authors' released ADIFF checkpoint in our format.

The release (github.com/soham97/ADIFF: model/adiff.py, model/decoder.py, wrapper.py) saves
one state dict. Its names map onto ours as follows (checked against that code):

  audio_encoder.base.*                       -> encoder.base.*     (HTSAT, same msclap layout)
  audio_encoder.projection.linear1/linear2   -> projection.linear1/linear2
  audio_encoder.projection.layer_norm        -> projection.norm
  caption_decoder.audio_project1/2.*         -> audio_map1/2.*     (TransformerMapper)
  caption_decoder.text_project.*             -> text_map.*         (TransformerMapperSeq)
  caption_decoder.cross_project.*            -> cross.*
  caption_decoder.gpt.*                      -> lm.*  (without transformers-4.28's attn.bias /
                                                       attn.masked_bias buffers)
  inside a mapper: linear -> linear, prefix_const -> const, transformer.layers.i -> transformer.layers.i

Each release transformer layer is pre-norm (norm1 -> attention, norm2 -> ReLU MLP of 2x
width); its attention keeps queries in `to_queries` and keys then values in
`to_keys_values` (no bias), which we pack as [q; k; v] into nn.MultiheadAttention's
in-projection with a zero bias; `project` is the out-projection, `mlp.fc1/fc2` the
feed-forward layers. Keys saved through DataParallel carry a `module.` prefix.

Release behaviours become model options: mapper depth num_layers/2 = 4, no embedding
standardisation, prompts encoded with " <|endoftext|>" and "!" padding, clips tiled or
cropped to 10 s, the channels of a multi-channel file joined end to end (its reshape(-1))
and a silent clip processed, decoding stopped at the first id of " <|endoftext|>" (its
wrapper's stop_token_index). A checkpoint whose state names `imported_from` decodes and
reads audio that way even if its config predates those options (release_io.RELEASE_IO).
"""
from __future__ import annotations

import re
from pathlib import Path

import torch

from adcacc.adiff_small import checkpoint
from adcacc.adiff_small.config import ADiffConfig, ModelConfig, to_dict
from adcacc.adiff_small.encoders import read_state_dict
from adcacc.adiff_small.release_io import RELEASE_IO
from adcacc.common.errors import InputError
from adcacc.common.files import sha256_file
from adcacc.common.owned_dir import owned

_PARTS = (("audio_encoder.base.", "encoder.base."),
          ("audio_encoder.projection.layer_norm.", "projection.norm."),
          ("audio_encoder.projection.", "projection."),
          ("caption_decoder.audio_project1.", "audio_map1."),
          ("caption_decoder.audio_project2.", "audio_map2."),
          ("caption_decoder.text_project.", "text_map."),
          ("caption_decoder.cross_project.", "cross."),
          ("caption_decoder.gpt.", "lm."))
_DROPPED = (".attn.bias", ".attn.masked_bias")  # causal-mask buffers of transformers 4.28
_LAYER = re.compile(r"^(?P<head>.*layers\.\d+\.)(?P<rest>.+)$")
_LAYER_NAMES = {"mlp.fc1.": "linear1.", "mlp.fc2.": "linear2.", "attn.project.": "self_attn.out_proj.",
                "norm1.": "norm1.", "norm2.": "norm2."}


def read_release(path: str | Path, trust: bool = False) -> dict[str, torch.Tensor]:
    """The release's tensors, without a DataParallel `module.` prefix."""
    state = read_state_dict(path, trust)
    if state and all(k.startswith("module.") for k in state):
        state = {k[len("module."):]: v for k, v in state.items()}
    if not any(k.startswith("caption_decoder.") for k in state):
        raise InputError(path, "not an ADIFF release checkpoint (no caption_decoder.* weights)")
    return state


def _rename(key: str) -> str:
    for old, new in _PARTS:
        if key.startswith(old):
            key = new + key[len(old):]
            break
    else:
        raise InputError(None, f"release key {key!r} has no counterpart in our model")
    if key.startswith(("lm.", "encoder.", "projection.")):
        return key
    key = key.replace(".prefix_const", ".const") if key.endswith(".prefix_const") else key
    m = _LAYER.match(key)
    if not m:
        return key
    for old, new in _LAYER_NAMES.items():
        if m["rest"].startswith(old):
            return m["head"] + new + m["rest"][len(old):]
    return key  # attention q/k/v: packed by map_release


def map_release(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Our state-dict names and layouts for the release's tensors."""
    out: dict[str, torch.Tensor] = {}
    for key, value in state.items():
        if key.startswith("caption_decoder.gpt.") and key.endswith(_DROPPED):
            continue
        if ".attn.to_keys_values." in key or ".attn.to_queries." in key:
            continue
        out[_rename(key)] = value
    for key in state:
        if not key.endswith(".attn.to_queries.weight"):
            continue
        stem = key[: -len("to_queries.weight")]
        kv = state.get(stem + "to_keys_values.weight")
        if kv is None:
            raise InputError(None, f"release checkpoint lacks {stem}to_keys_values.weight")
        q = state[key]
        # to_keys_values' rows are keys then values: [q; k; v] is nn.MultiheadAttention's layout.
        target = _rename(stem + "project.weight").replace("out_proj.weight", "")
        out[target + "in_proj_weight"] = torch.cat([q, kv], dim=0)
        qb, kvb = state.get(stem + "to_queries.bias"), state.get(stem + "to_keys_values.bias")
        out[target + "in_proj_bias"] = (torch.cat([qb, kvb]) if qb is not None and kvb is not None
                                        else torch.zeros(q.shape[0] + kv.shape[0], dtype=q.dtype))
    return out


def _layers(state: dict, prefix: str) -> int:
    found = {int(m[1]) for k in state if (m := re.match(re.escape(prefix) + r"(\d+)\.", k))}
    return max(found) + 1 if found else 0


def release_model_config(state: dict[str, torch.Tensor], lm: str) -> ModelConfig:
    """Our ModelConfig for the release's shapes, with the release's behaviours switched on."""
    try:
        width = state["caption_decoder.gpt.transformer.wte.weight"].shape[1]
        d_proj = state["audio_encoder.projection.linear1.weight"].shape[0]
        prefix = state["caption_decoder.audio_project1.prefix_const"].shape[0]
        clip = state["caption_decoder.audio_project1.linear.weight"].shape[0] // width
        text = state["caption_decoder.text_project.prefix_const"].shape[0]
    except KeyError as err:
        raise InputError(None, f"release checkpoint lacks {err.args[0]}") from None
    if clip != prefix:
        raise InputError(None, f"release mapper expands to {clip} tokens but keeps {prefix}: "
                               "unequal clip/prefix lengths are not supported")
    if not any(k.startswith("audio_encoder.base.htsat.") for k in state):
        raise InputError(None, "release checkpoint has no HTSAT encoder (audio_encoder.base.htsat.*)")
    return ModelConfig(
        encoder="htsat", lm=lm, prefix_length=prefix, text_length=text, d_proj=d_proj, dropout=0.5,
        mapper_layers=_layers(state, "caption_decoder.audio_project1.transformer.layers."),
        cross_layers=_layers(state, "caption_decoder.cross_project.layers."), cross_projection=True,
        normalize_prefix=True, standardize=False, prompt_format="release", audio_fit="repeat", **RELEASE_IO)


def import_release(ckpt: str | Path, out: str | Path, lm: str = "gpt2", trust: bool = False) -> Path:
    """Convert a release checkpoint into a checkpoint folder under `out`; returns the folder.

    `lm` names the GPT-2 the release was trained from (a hub id or local folder): its
    tokenizer and architecture are needed, its weights are replaced by the release's."""
    ckpt, out = Path(ckpt), Path(out)
    with owned(out, "adcacc adiff import-release"):
        return _import_into(ckpt, out, lm, trust)


def _import_into(ckpt: Path, out: Path, lm: str, trust: bool) -> Path:
    """import_release's work, inside the claimed folder."""
    from adcacc.adiff_small.model import ADiff

    state = read_release(ckpt, trust)
    cfg = ADiffConfig(model=release_model_config(state, lm))
    model = ADiff(cfg.model)
    ours = map_release(state)
    ours.setdefault("embed_mean", torch.zeros_like(model.embed_mean))
    ours.setdefault("embed_std", torch.ones_like(model.embed_std))
    expected = model.state_dict()
    missing = sorted(set(expected) - set(ours))
    extra = sorted(set(ours) - set(expected))
    wrong = [k for k in expected if k in ours and ours[k].shape != expected[k].shape]
    if missing or extra or wrong:
        k = (missing or extra or wrong)[0]
        what = "missing" if missing else "unexpected" if extra else (
            f"shape {tuple(ours[k].shape)} vs ours {tuple(expected[k].shape)} (is --lm {lm} the release's LM?)")
        raise InputError(ckpt, f"does not match ADIFF's architecture: {k} {what}")
    model.load_state_dict(ours, strict=True)
    weights = model.trainable_state(include_lm=True, include_encoder=True)
    state_info = {"imported_from": str(ckpt), "sha256": sha256_file(ckpt), "step": 0}
    return checkpoint.save(out, 0, weights, to_dict(cfg), state_info, None)
