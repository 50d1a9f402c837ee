"""Safetensors checkpoints that survive a kill: each is written to a temporary folder and
renamed into place, so `latest()` only ever sees complete ones."""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path

import torch
import yaml
from safetensors.torch import save_file

from adcacc.adiff_small.release_io import RELEASE_IO
from adcacc.common.devices import torch_device
from adcacc.common.errors import InputError
from adcacc.common.torch_files import read_safetensors

KEEP = 2  # newest checkpoints kept on disk
DAMAGED = "this checkpoint is damaged: pass another one (an earlier step-* folder) or train again"


def save(run_dir: Path, step: int, weights: dict, cfg: dict, state: dict,
         optim: dict | None) -> Path:
    ckpt_root = run_dir / "checkpoints"
    ckpt_root.mkdir(parents=True, exist_ok=True)
    final = ckpt_root / f"step-{step:07d}"
    tmp = ckpt_root / f".tmp-step-{step:07d}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    save_file(weights, str(tmp / "model.safetensors"), metadata={"format": "pt"})
    (tmp / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    (tmp / "state.json").write_text(json.dumps(state, indent=1), encoding="utf-8")
    if optim is not None:
        torch.save(optim, tmp / "optimizer.pt")
    shutil.rmtree(final, ignore_errors=True)
    os.replace(tmp, final)
    for old in sorted(ckpt_root.glob("step-*"))[:-KEEP]:
        shutil.rmtree(old, ignore_errors=True)
    return final


def latest(run_dir: Path) -> Path | None:
    found = sorted((run_dir / "checkpoints").glob("step-*"))
    return found[-1] if found else None


def resolve(path: str | Path) -> Path:
    """A checkpoint folder, or a run folder (its newest checkpoint)."""
    path = Path(path)
    if (path / "model.safetensors").is_file():
        return path
    found = latest(path) if path.is_dir() else None
    if found is None:
        raise InputError(path, "no ADIFF checkpoint here (expected model.safetensors or "
                               "checkpoints/step-*/); train one with `adcacc adiff train`")
    return found


def load_model(path: str | Path, trust_checkpoint: bool = False, device: str = "cpu"):
    """The model of a checkpoint folder: config, then the pretrained parts, then its tensors.

    A checkpoint that holds the encoder's weights does not re-read the encoder checkpoint
    named in its config (which may be a pickle that needs --trust-checkpoint). An imported
    release reads audio and stops decoding as the release does (release_io.RELEASE_IO).
    `device`: cpu, cuda or cuda:N (adcacc.common.devices)."""
    from adcacc.adiff_small.config import load_config
    from adcacc.adiff_small.model import ADiff

    ckpt = resolve(path)
    cfg = load_config(ckpt / "config.yaml")
    weights = read_safetensors(ckpt / "model.safetensors", DAMAGED)
    model_cfg = cfg.model
    if any(k.startswith("encoder.") for k in weights):
        model_cfg = dataclasses.replace(cfg.model, encoder_checkpoint=None)
    if "imported_from" in read_state(ckpt):
        model_cfg = dataclasses.replace(model_cfg, **RELEASE_IO)
    model = ADiff(model_cfg, trust_checkpoint=trust_checkpoint)
    restore(model, ckpt, weights)
    return model.to(torch_device(device)).eval(), cfg


def read_state(ckpt: Path) -> dict:
    """The checkpoint's state.json ({} where it has none)."""
    path = ckpt / "state.json"
    if not path.is_file():
        return {}
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InputError(path, DAMAGED) from None
    if not isinstance(state, dict):
        raise InputError(path, DAMAGED)
    return state


def restore(model, ckpt: Path, weights: dict | None = None) -> None:
    weights = read_safetensors(ckpt / "model.safetensors", DAMAGED) if weights is None else weights
    missing, unexpected = model.load_state_dict(weights, strict=False)
    bad = [k for k in missing if not k.startswith(("lm.", "encoder."))] + list(unexpected)
    if bad:
        raise InputError(ckpt, f"checkpoint does not match the model ({bad[0]} ...)")
