"""Experiment files are checked whole before anything runs: one line naming file and key."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from adcacc.cli import main
from adcacc.experiment import load_experiment
from common.errors import InputError

EXPERIMENTS = Path(__file__).resolve().parents[2] / "experiments"


def _write(tmp_path: Path, edit) -> Path:
    exp = yaml.safe_load((EXPERIMENTS / "smoke.yaml").read_text())
    edit(exp)
    path = tmp_path / "exp.yaml"
    path.write_text(yaml.safe_dump(exp))
    return path


@pytest.mark.parametrize("edit, where", [
    (lambda e: e.update(colour="red"), "unknown key 'colour'"),
    (lambda e: e["arms"].append("xyz"), "arms: unknown arm 'xyz'"),
    (lambda e: e.update(hardware="tpu"), "hardware: no recipe ac_tpu.yaml"),
    (lambda e: e["eval"]["sets"].append({"name": "audioset", "data": "x"}), "eval.sets[3].name: unknown eval set"),
    (lambda e: e.update(seeds=[0, "one"]), "seeds: must be a non-empty list of integers"),
    (lambda e: e.update(seeds=[1.5]), "seeds: must be a non-empty list of integers"),
    (lambda e: e["data"].update(corpus=None, audiocaps="/nope", event_dir="/nope2"),
     "data.audiocaps: folder not found: /nope"),
    (lambda e: e["eval"].update(batch_size=0), "eval.batch_size: must be at least 1"),
    (lambda e: e["arms"].remove("base") or e.update(claims=[{
        "id": "x", "text": "t", "metric": "CIDEr-D", "eval_set": "captions-csv", "a": "acc", "b": "base",
        "direction": "greater"}]), "claims[0].b: arm 'base' is not in arms"),
    (lambda e: e.update(claims=[{"id": "x", "text": "t", "metric": "m", "eval_set": "captions-csv",
                                 "a": "acc", "b": "ac", "direction": "bigger"}]), "claims[0].direction"),
    (lambda e: e.update(claims=[{"id": "x", "text": "t", "metric": "accuracy", "eval_set": "retention",
                                 "a": "acc", "b": "ac", "direction": "less"}]), "claims[0].metric: unknown metric"),
])
def test_bad_experiment_is_one_line_and_writes_nothing(tmp_path, capsys, edit, where):
    path = _write(tmp_path, edit)
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and str(path) in err and where in err, err
    assert not out.exists()


def test_shipped_experiments_load():
    for name in ("smoke", "demo"):
        exp = load_experiment(EXPERIMENTS / f"{name}.yaml")
        assert exp.arms and exp.seeds and exp.eval_sets
    with pytest.raises(InputError, match="data.audiocaps: folder not found"):
        load_experiment(EXPERIMENTS / "paper.yaml")  # placeholder paths: fine for a plan only
    plan = load_experiment(EXPERIMENTS / "paper.yaml", check_paths=False)
    assert plan.missing and plan.model.id == "Qwen/Qwen2-Audio-7B-Instruct"
