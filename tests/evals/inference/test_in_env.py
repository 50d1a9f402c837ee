"""`run_inference_in`: run_inference through another environment's Python (.venv-omni's, as the
runner calls it for a Qwen-Omni experiment). A refused input must come back as the same one-line
error, not as a failed subprocess; the Omni environment's full run is the slow smoke_omni test."""
from __future__ import annotations

import pytest

from adcacc.common.errors import InputError
from adcacc.common.model_families import FAMILIES
from adcacc.evals.inference.in_env import run_inference_in


def test_a_refused_input_comes_back_as_the_same_one_line_error(tmp_path):
    data = tmp_path / "captions.csv"
    data.write_text("id,path,caption\n")
    with pytest.raises(InputError, match="unknown eval set 'no-such-set'"):
        run_inference_in(FAMILIES["qwen2_5_omni"].require_env(), "some/model", "no-such-set", data,
                         tmp_path / "out", backend="omni", batch_size=2)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
