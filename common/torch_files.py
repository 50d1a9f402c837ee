"""Loading a user's tensor file (.safetensors, or torch's .pt/.pth/.ckpt) without running code.

`torch.load` unpickles, and a pickle can execute anything: a downloaded checkpoint must not.
So files load with `weights_only=True`; one that needs more is refused unless the user says
they trust it (--trust-checkpoint). Prefer safetensors, which holds tensors only.
"""
from __future__ import annotations

import pickle
import pickletools
import zipfile
from pathlib import Path

from adcacc.common.errors import InputError

TRUST_HINT = ("convert it to .safetensors, or pass --trust-checkpoint if you trust where it came "
              "from (unpickling arbitrary objects can run code)")
NOT_TORCH = ("not a torch checkpoint (neither torch's zip format nor a pickle: damaged, or "
             "another format); export or download it again, preferably as .safetensors")


def _is_pickle(path: Path) -> bool:
    """Whether the file (or a torch zip's data.pkl) is a whole pickle stream.

    pickletools only parses the opcodes: it builds nothing and runs nothing. Only such a file
    can load with --trust-checkpoint, so only it is offered the option.
    """
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                name = next(n for n in archive.namelist() if n.rsplit("/", 1)[-1] == "data.pkl")
                with archive.open(name) as stream:
                    _walk(stream)
        else:
            with open(path, "rb") as stream:
                _walk(stream)
    except Exception:  # noqa: BLE001 - whatever fails to parse is no pickle
        return False
    return True


def _walk(stream) -> None:
    """Parse a pickle's opcodes up to its STOP; ValueError if it is not one."""
    for _ in pickletools.genops(stream):
        pass


def load_torch_file(path: str | Path, *, trust: bool = False, allow: tuple = ()):
    """`torch.load` that never runs code from the file unless the user said `trust`.

    weights_only unpickling builds only tensors, containers, numbers and the `allow`-listed
    plain-data types. A pickle that needs more (a Lightning checkpoint pickling its
    hyper-parameters) is refused with a one-line error naming --trust-checkpoint; a file that
    is no pickle at all is refused as such (trusting it would not help).
    """
    import torch

    try:
        with torch.serialization.safe_globals(list(allow)):
            return torch.load(str(path), map_location="cpu", weights_only=True)
    except OSError:
        raise
    except pickle.UnpicklingError as err:
        if not _is_pickle(Path(path)):
            raise InputError(path, NOT_TORCH) from None
        if not trust:
            why = next((ln.strip() for ln in str(err).splitlines() if "Unsupported global" in ln
                        or "Can only build" in ln), "it pickles Python objects besides tensors")
            raise InputError(path, f"refused: not a plain tensor file ({why[:160]}); {TRUST_HINT}") from None
    except Exception:  # noqa: BLE001 - torch raises KeyError, EOFError, RuntimeError... on junk
        raise InputError(path, NOT_TORCH) from None
    return torch.load(str(path), map_location="cpu", weights_only=False)


def safetensors_error(path: str | Path, err: Exception, fix: str) -> InputError:
    """The one line for a file safetensors cannot read: its reason, then `fix` (what to do)."""
    reason = (str(err).splitlines() or ["unreadable"])[0][:160]
    return InputError(path, f"not a readable safetensors file ({reason}); {fix}")


def read_safetensors(path: str | Path, fix: str) -> dict:
    """The tensors of a .safetensors file, or an InputError naming it and `fix`."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    try:
        return load_file(str(path))
    except SafetensorError as err:
        raise safetensors_error(path, err, fix) from None


def check_safetensors(path: str | Path, fix: str) -> None:
    """Read a .safetensors file's header (and so its layout) before a library loads it."""
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(str(path), framework="pt") as f:
            f.keys()
    except SafetensorError as err:
        raise safetensors_error(path, err, fix) from None
