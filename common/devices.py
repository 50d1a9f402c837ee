"""Where torch runs: a device name a user gives, checked before any work starts."""
from __future__ import annotations

import re

from adcacc.common.errors import InputError

DEVICE = re.compile(r"cpu|cuda(:\d+)?")


def torch_device(name: str):
    """`cpu`, `cuda` or `cuda:N` as a torch.device; one line saying what to do when the name
    is not one of those or no such CUDA device is visible."""
    import torch

    if not DEVICE.fullmatch(name):
        raise InputError(None, f"--device {name!r}: use cpu, cuda or cuda:N")
    device = torch.device(name)
    if device.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if (device.index or 0) >= count:
            raise InputError(None, f"--device {name}: {count} CUDA device(s) visible here "
                                   "(torch.cuda.is_available() is False or the index is too high); use --device cpu")
    return device
