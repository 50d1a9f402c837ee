"""Loading user files never runs code: weights_only everywhere, --trust-checkpoint to opt out."""
from __future__ import annotations

import pytest
import torch

from adcacc.cli import main
from common.torch_files import load_torch_file
from adiff_small.encoders import read_state_dict
from common.errors import InputError


class _Payload:
    """Unpickling this calls open(marker, "w"): the marker file proves code ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return open, (self.marker, "w")


def _evil(path, marker, tensors=True):
    obj = {"state_dict": {"w": torch.ones(2)} if tensors else {}, "hyper_parameters": _Payload(marker)}
    torch.save(obj, path)
    return path


def test_plain_tensor_files_load_and_pickles_are_refused(tmp_path):
    plain = tmp_path / "plain.pt"
    torch.save({"state_dict": {"w": torch.arange(3.0)}}, plain)
    assert torch.equal(read_state_dict(plain)["w"], torch.arange(3.0))
    marker = tmp_path / "ran"
    evil = _evil(tmp_path / "lightning.ckpt", marker)
    with pytest.raises(InputError, match="--trust-checkpoint") as err:
        read_state_dict(evil)
    assert "lightning.ckpt" in str(err.value) and "\n" not in str(err.value)
    assert not marker.exists()
    with pytest.raises(InputError, match="--trust-checkpoint"):
        load_torch_file(evil)
    assert not marker.exists()
    # the user's explicit opt-in loads it (and then, by design, runs its code)
    assert torch.equal(read_state_dict(evil, trust=True)["w"], torch.ones(2))
    assert marker.exists()


def test_train_refuses_a_pickled_encoder_checkpoint_in_one_line(tiny_lm, tmp_path, capsys):
    marker = tmp_path / "ran"
    evil = _evil(tmp_path / "htsat.ckpt", marker)
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"model: {{encoder: htsat, encoder_checkpoint: {evil}, lm: {tiny_lm}}}\n"
                   f"data: {{train: [{tmp_path}]}}\ntrain: {{out_dir: {tmp_path / 'run'}}}\n")
    assert main(["adiff", "train", "--config", str(cfg), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "htsat.ckpt" in err and "--trust-checkpoint" in err
    assert not marker.exists()
