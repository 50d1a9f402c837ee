"""Loading user files never runs code: weights_only everywhere, --trust-checkpoint to opt out."""
from __future__ import annotations

import pytest
import torch

from adcacc.adiff_small.encoders import read_state_dict
from adcacc.cli import main
from adcacc.common.errors import InputError
from adcacc.common.torch_files import load_torch_file


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


@pytest.mark.parametrize("content", [b"not a checkpoint\n", b"hello, not torch\x00\x01" * 8, b"",
                                     b"PK\x03\x04 a truncated zip"])
def test_a_file_that_is_no_torch_file_is_not_offered_trust(tmp_path, content):
    """--trust-checkpoint only helps a real pickle that weights_only refuses; garbage stays garbage."""
    junk = tmp_path / "junk.pt"
    junk.write_bytes(content)
    for trust in (False, True):
        with pytest.raises(InputError, match="not a torch checkpoint") as err:
            load_torch_file(junk, trust=trust)
        assert "--trust-checkpoint" not in str(err.value) and str(err.value).startswith(f"{junk}: ")


def test_a_plain_pickle_weights_only_refuses_is_offered_trust(tmp_path):
    import pickle

    raw = tmp_path / "raw.pt"
    raw.write_bytes(pickle.dumps({"w": [1.0, 2.0]}, protocol=4))  # not torch's format, still a pickle
    with pytest.raises(InputError, match="--trust-checkpoint"):
        load_torch_file(raw)


def test_explain_on_a_garbage_safetensors_checkpoint_is_one_line(tmp_path, capsys):
    ckpt = tmp_path / "step-0000001"
    ckpt.mkdir()
    (ckpt / "config.yaml").write_text("{}\n")
    (ckpt / "model.safetensors").write_bytes(b"garbage, not safetensors\n")
    wav = tmp_path / "a.wav"
    assert main(["adiff", "explain", "--checkpoint", str(ckpt), str(wav), str(wav)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "SafetensorError" not in err
    assert err.startswith(f"adcacc: error: {ckpt / 'model.safetensors'}: not a readable safetensors file")
    assert "checkpoint" in err.split("; ", 1)[1]  # what to do
