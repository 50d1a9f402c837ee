"""Device names: checked before any work, one line when the device is not there."""
import pytest
import torch

from adcacc.common.devices import torch_device
from adcacc.common.errors import InputError


def test_cpu_and_visible_cuda_devices_are_accepted(monkeypatch):
    assert torch_device("cpu") == torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert torch_device("cuda") == torch.device("cuda") and torch_device("cuda:1") == torch.device("cuda", 1)
    with pytest.raises(InputError, match="2 CUDA device"):
        torch_device("cuda:2")


@pytest.mark.parametrize("name, says", [("gpu", "use cpu, cuda or cuda:N"), ("cuda:x", "use cpu, cuda or cuda:N"),
                                        ("cpu --x", "use cpu, cuda or cuda:N")])
def test_bad_names_are_one_line(name, says):
    with pytest.raises(InputError, match=says) as err:
        torch_device(name)
    assert "\n" not in str(err.value)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the refusal on a machine without CUDA")
def test_cuda_without_a_gpu_says_to_use_the_cpu():
    with pytest.raises(InputError, match="use --device cpu"):
        torch_device("cuda")
