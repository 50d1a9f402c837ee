"""Encoders: aisfx's shipped weights, HTSAT from a user checkpoint, the tiny test encoder."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from adcacc.adiff_small.encoders import build_encoder
from adcacc.common.errors import InputError


def _tone(sr: int, seconds: float = 1.0) -> np.ndarray:
    return (0.3 * np.sin(2 * np.pi * 440 * np.arange(int(sr * seconds)) / sr)).astype(np.float32)


def test_aisfx_pretrained_vs_random():
    pre = build_encoder("aisfx").eval()
    torch.manual_seed(0)
    rnd = build_encoder("aisfx", pretrained=False).eval()
    with torch.no_grad():
        a = pre([_tone(44_100, 3.0)])
        b = rnd([_tone(44_100, 3.0)])
    assert a.embedding.shape == (1, 512) and a.frames[0].shape[1] == 512 and not a.frames_are_probs
    assert not torch.allclose(a.embedding, b.embedding)
    # the package's checkpoint really was loaded: a second load gives the same weights
    again = build_encoder("aisfx")
    assert all(torch.equal(x, y) for x, y in zip(pre.state_dict().values(), again.state_dict().values()))


@pytest.mark.slow
def test_htsat_loads_release_style_checkpoint(tmp_path):
    torch.manual_seed(0)
    src = build_encoder("htsat", pretrained=False)
    ckpt = tmp_path / "adiff_release.safetensors"
    save_file({f"audio_encoder.base.htsat.{k}": v.contiguous() for k, v in src.base.htsat.state_dict().items()},
              str(ckpt))
    torch.manual_seed(1)
    loaded = build_encoder("htsat", checkpoint=str(ckpt)).eval()
    assert all(torch.equal(a, b) for a, b in zip(src.base.htsat.state_dict().values(),
                                                 loaded.base.htsat.state_dict().values()))
    with torch.no_grad():
        out = loaded([_tone(32_000)])
    assert out.embedding.shape == (1, 768) and out.frames_are_probs and out.frames[0].shape[1] == 527
    wrong = tmp_path / "wrong.safetensors"
    save_file({"x.weight": torch.zeros(2)}, str(wrong))
    with pytest.raises(InputError, match="does not hold weights for HTSAT"):
        build_encoder("htsat", checkpoint=str(wrong))


def test_tiny_encoder_and_unknown_kind():
    torch.manual_seed(0)
    enc = build_encoder("tiny", dim=16)
    out = enc([_tone(16_000), _tone(16_000, 0.5)])
    assert out.embedding.shape == (2, 16) and len(out.frames) == 2
    with pytest.raises(InputError, match="unknown encoder kind"):
        build_encoder("panns")
