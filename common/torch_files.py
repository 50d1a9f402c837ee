"""Loading a user's torch file (.pt/.pth/.ckpt) without running code from it.

`torch.load` unpickles, and a pickle can execute anything: a downloaded checkpoint must not.
So files load with `weights_only=True`; one that needs more is refused unless the user says
they trust it (--trust-checkpoint). Prefer safetensors, which holds tensors only.
"""
from __future__ import annotations

import pickle
from pathlib import Path

from common.errors import InputError

TRUST_HINT = ("convert it to .safetensors, or pass --trust-checkpoint if you trust where it came "
              "from (unpickling arbitrary objects can run code)")


def load_torch_file(path: str | Path, *, trust: bool = False, allow: tuple = ()):
    """`torch.load` that never runs code from the file unless the user said `trust`.

    weights_only unpickling builds only tensors, containers, numbers and the `allow`-listed
    plain-data types. A file that needs more (a Lightning checkpoint pickling its
    hyper-parameters) is refused with a one-line error naming --trust-checkpoint.
    """
    import torch

    try:
        with torch.serialization.safe_globals(list(allow)):
            return torch.load(str(path), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        if not trust:
            why = next((ln.strip() for ln in str(err).splitlines() if "Unsupported global" in ln
                        or "Can only build" in ln), "it pickles Python objects besides tensors")
            raise InputError(path, f"refused: not a plain tensor file ({why[:160]}); {TRUST_HINT}") from None
    return torch.load(str(path), map_location="cpu", weights_only=False)
