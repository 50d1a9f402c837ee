"""Each model family names an environment that exists after setup, a backend, and machines its
recipes are generated for; a missing environment is one line saying how to build it."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from adcacc.common.errors import InputError
from adcacc.common.model_families import FAMILIES, family
from adcacc.evals.inference.backends import BACKENDS
from adcacc.recipes.launch import family_swift
from adcacc.recipes.spec import HARDWARE


def test_every_family_runs_in_a_built_environment_with_a_known_backend():
    for fam in FAMILIES.values():
        assert fam.require_env().is_file() and (fam.python().parent / "swift").is_file(), fam.name
        assert fam.backend in BACKENDS and set(fam.hardware) <= set(HARDWARE)
    assert FAMILIES["qwen2_audio"].python() == Path(sys.executable)
    assert family_swift("qwen2_audio") is None  # run_swift's own SWIFT, which tests may stub
    assert family_swift("qwen2_5_omni").parent.parent.name == ".venv-omni"
    assert FAMILIES["qwen3_omni"].hardware == ("a100x8_mp",) and HARDWARE["a100x8_mp"].gpus == 8


def test_the_omni_families_load_the_thinker_only():
    for name in ("qwen2_5_omni", "qwen2_5_omni_3b", "qwen3_omni"):
        assert FAMILIES[name].environment() == {"ENABLE_AUDIO_OUTPUT": "0"}
    assert FAMILIES["qwen2_audio"].environment() == {}


def test_a_missing_environment_or_family_is_one_line(monkeypatch, tmp_path):
    monkeypatch.setenv("ADCACC_PYTHON_QWEN2_5_OMNI", str(tmp_path / "nowhere" / "python"))
    with pytest.raises(InputError, match="runs in .venv-omni, which is not built; run `bash scripts/setup.sh`"):
        FAMILIES["qwen2_5_omni"].require_env()
    with pytest.raises(InputError, match="unknown model family 'llama'; choose from qwen2_audio"):
        family("llama")
