"""The model families the recipes target: which model, which ms-swift model_type, which
environment runs it, on which machines, and what its recipes set beyond the shared keys.

One environment cannot hold every family: ms-swift registers `qwen2_audio` for transformers
<4.49 and the Qwen-Omni models for >=4.50 (Qwen3-Omni: >=4.57), so `scripts/setup.sh` builds
`.venv` and `.venv-omni`, and whatever runs inside a model (swift, the tiny-model builder,
inference) is launched with its family's Python. The rest of the toolkit does not care which.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adcacc.common.errors import InputError

REPO = Path(__file__).resolve().parents[1]  # setup.sh builds every environment in the repository root
OWN_ENV = ".venv"  # the toolkit's own environment (the one running this code)
DEFAULT_FAMILY = "qwen2_audio"  # the ACC paper's model
# Thinker only: ms-swift's Qwen-Omni loaders read ENABLE_AUDIO_OUTPUT into the config's
# `enable_audio_output`, and transformers builds the talker and the vocoder only when it is true.
_THINKER_ONLY = ({"ENABLE_AUDIO_OUTPUT": 0},
                 "thinker only (audio in, text out): ms-swift's loader sets enable_audio_output false, so "
                 "transformers never builds, loads or trains the talker and vocoder; the adapter is for text "
                 "answers, and speech output after LoRA is not evaluated")


@dataclass(frozen=True)
class Family:
    """One model family: its recipes live in recipes/<name>/."""

    name: str
    title: str  # what a recipe header and a report call the model
    model_id: str  # the hub id the recipes load
    model_type: str  # ms-swift's model_type (needed when --model is a local folder)
    env: str  # the environment folder whose Python and swift run this family
    backend: str  # the `adcacc infer` backend that generates with it (adcacc.evals.inference.backends)
    tiny: str  # the tiny model of its classes (adcacc.recipes.tiny_model, or tiny_omni's --family)
    hardware: tuple[str, ...]  # the machines (adcacc.recipes.spec.HARDWARE) it has recipes for
    env_vars: tuple[dict[str, Any], str] | None = None  # merged into the hardware's ENV, with the reason
    memory: dict[str, str] = field(default_factory=dict)  # hardware -> the header's Memory line, where not the hardware's

    def python(self) -> Path:
        """The interpreter of this family's environment: the running one for the toolkit's own,
        else `<repo>/<env>/bin/python` (`ADCACC_PYTHON_<NAME>` names another)."""
        if self.env == OWN_ENV:
            return Path(sys.executable)
        return Path(os.environ.get(f"ADCACC_PYTHON_{self.name.upper()}") or REPO / self.env / "bin" / "python")

    def environment(self) -> dict[str, str]:
        """The environment variables this family's recipes set (their ENV), for a swift run
        without a recipe (the toy pretraining)."""
        return {k: str(v) for k, v in (self.env_vars[0] if self.env_vars else {}).items()}

    def require_env(self) -> Path:
        """`python()`, or one line saying how to build the environment when it is missing."""
        python = self.python()
        if not python.is_file():
            raise InputError(python, f"the {self.title} family runs in {self.env}, which is not built; "
                                     "run `bash scripts/setup.sh` (it builds every environment)")
        return python


def _not_measured(weights: str) -> str:
    return (f"not measured (no GPU was lent to this project yet): {weights}; the Qwen2-Audio-7B "
            "rtx4090 recipe (8.4 B parameters) peaks at 19.6 GiB, 20.5 GiB at its worst case (benchmarks/results/)")


_OMNI_7B = "8.93 B parameters in the thinker (16.6 GiB in bf16; LM 7.6 B, audio 0.64 B, vision 0.68 B by the config's shapes)"
FAMILIES: dict[str, Family] = {f.name: f for f in [
    Family("qwen2_audio", "Qwen2-Audio-7B-Instruct (the ACC paper's model)", "Qwen/Qwen2-Audio-7B-Instruct",
           "qwen2_audio", OWN_ENV, "transformers", "qwen2_audio", ("rtx4090", "rtx4090_qlora", "a100x8")),
    Family("qwen2_5_omni", "Qwen2.5-Omni-7B, thinker only", "Qwen/Qwen2.5-Omni-7B", "qwen2_5_omni", ".venv-omni", "omni", "qwen2_5_omni",
           ("rtx4090", "rtx4090_qlora", "a100x8"), env_vars=_THINKER_ONLY,
           memory={"rtx4090": _not_measured(_OMNI_7B) + "; by that ratio about 21 GiB, so bf16 LoRA should fit "
                              "24 GB with little room: if it does not, take the _qlora recipe",
                   "rtx4090_qlora": _not_measured(_OMNI_7B + ", the LM 4-bit")}),
    Family("qwen2_5_omni_3b", "Qwen2.5-Omni-3B, thinker only", "Qwen/Qwen2.5-Omni-3B", "qwen2_5_omni", ".venv-omni", "omni", "qwen2_5_omni",
           ("rtx4090", "a100x8"), env_vars=_THINKER_ONLY,
           memory={"rtx4090": _not_measured("4.7 B parameters in the thinker (8.8 GiB in bf16): bf16 LoRA fits "
                                            "24 GB with room, so there is no QLoRA recipe")}),
    Family("qwen3_omni", "Qwen3-Omni-30B-A3B-Instruct (MoE), thinker only", "Qwen/Qwen3-Omni-30B-A3B-Instruct",
           "qwen3_omni_moe", ".venv-omni", "omni", "qwen3_omni", ("a100x8_mp",), env_vars=_THINKER_ONLY,
           memory={"a100x8_mp": "not measured (needs 8 GPUs): a 30B-A3B MoE thinker, about 60 GiB of bf16 weights, "
                                "split over 2 GPUs per replica; ms-swift's own Qwen3-Omni LoRA example runs on 2 x 48 GiB"}),
]}


def family(name: str) -> Family:
    """The family called `name`, or one line listing them."""
    if name not in FAMILIES:
        raise InputError(None, f"unknown model family {name!r}; choose from {', '.join(FAMILIES)}")
    return FAMILIES[name]
