"""Stages run from an experiment file name its keys, not the CLI options, in their errors."""
from __future__ import annotations

import pytest
import yaml

from adcacc.experiment import load_experiment
from adcacc.plan import build_plan
from adcacc.stages import run_stage
from common.errors import InputError


@pytest.mark.parametrize("key, value", [("splits", [0.5, 0.5, 0.5]), ("ratio_db", [10, 0]),
                                        ("duration_s", 0), ("max_bases", 0), ("workers", 0)])
def test_a_bad_build_setting_names_the_experiment_key(tmp_path, key, value):
    spec = yaml.safe_load(open("experiments/smoke.yaml", encoding="utf-8"))
    spec["data"]["build"][key] = value
    path = tmp_path / "exp.yaml"
    path.write_text(yaml.safe_dump(spec))
    exp = load_experiment(path, out=tmp_path / "out")
    by_id = {s.id: s for s in build_plan(exp)}
    with pytest.raises(InputError) as err:
        run_stage(by_id["build"], exp, by_id)
    assert str(err.value).startswith(f"{path}: data.build.{key}: ")
    assert "--" not in str(err.value)  # no CLI option named for a YAML key
    assert not (tmp_path / "out" / "data").exists()
