"""The shipped configs load, and the paper config says where each value comes from."""
from __future__ import annotations

import re
from importlib import resources

import pytest
import torch
import yaml

from adcacc.adiff_small.config import StageConfig, load_config, to_dict
from adcacc.adiff_small.train import _scheduler
from adcacc.common.errors import InputError

CONFIGS = resources.files("adcacc.adiff_small").joinpath("configs")


SHIPPED = sorted(p.name for p in CONFIGS.iterdir() if p.name.endswith(".yaml"))


def _written_over(loaded, written):
    """`loaded` with every value the file writes put over it (stages matched by position)."""
    if isinstance(written, dict) and isinstance(loaded, dict):
        return {**loaded, **{k: _written_over(loaded.get(k), v) for k, v in written.items()}}
    if isinstance(written, list) and isinstance(loaded, list) and len(written) == len(loaded) \
            and all(isinstance(w, dict) for w in written):
        return [_written_over(lo, w) for lo, w in zip(loaded, written)]
    return written


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_configs_load(name):
    """Each shipped config loads with every value it writes, as written (the rest defaults)."""
    written = yaml.safe_load(CONFIGS.joinpath(name).read_text(encoding="utf-8"))
    loaded = to_dict(load_config(str(CONFIGS.joinpath(name))))
    assert written and _written_over(loaded, written) == loaded


def test_paper_config_marks_every_value_and_follows_the_release():
    text = CONFIGS.joinpath("paper_gpt2.yaml").read_text(encoding="utf-8")
    for line in text.splitlines():
        if re.match(r"^\s+[-\w]+:\s*[^#\s]", line) and not line.strip().startswith("- name"):
            assert re.search(r"#.*\b(paper|release|our choice)\b", line), line
    cfg = load_config(str(CONFIGS.joinpath("paper_gpt2.yaml")))
    m = cfg.model
    assert (m.mapper_layers, m.cross_layers, m.standardize, m.prompt_format) == (4, 4, False, "release")
    assert [s.epochs for s in cfg.train.stages] == [30, 10] and cfg.train.stages[1].lr == 1e-6
    assert not cfg.train.stages[0].train_lm and cfg.train.stages[1].train_lm


def test_unknown_keys_are_errors(tmp_path):
    bad = tmp_path / "c.yaml"
    bad.write_text("train:\n  stages:\n    - {name: grounding, train_encoder: true}\n")
    with pytest.raises(InputError, match="unknown key train.stages\\[0\\].train_encoder"):
        load_config(bad)


def test_step_schedule_warms_up_then_decays_per_epochs():
    opt = torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    stage = StageConfig("grounding", 4, 1.0, warmup_steps=2, scheduler="step", step_epochs=1, step_gamma=0.5)
    sched = _scheduler(opt, stage, total=12, per_epoch=3)
    lrs = []
    for _ in range(9):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert lrs == pytest.approx([0.5, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25])


def test_broken_set_value_is_one_line(capsys):
    """Issue 21 case 15: a --set value that is not YAML names the option, no traceback."""
    from adcacc.cli import main

    code = main(["adiff", "train", "--config", str(CONFIGS.joinpath("demo_gpt2_small.yaml")), "--set", "k=[1"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.startswith("adcacc: error: --set 'k=[1'") and "not valid YAML" in err
    assert err.count("\n") == 0


def test_broken_checkpoint_config_is_one_line(tmp_path, capsys):
    from adcacc.cli import main

    ckpt = tmp_path / "ckpt"
    ckpt.mkdir()
    (ckpt / "model.safetensors").write_bytes(b"")
    (ckpt / "config.yaml").write_text("model: {encoder: tiny\n")
    code = main(["adiff", "explain", "a.wav", "b.wav", "--checkpoint", str(ckpt)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and f"{ckpt / 'config.yaml'} row " in err and "not valid YAML" in err and err.count("\n") == 0


@pytest.mark.parametrize("argv, limit", [
    (["adiff", "eval", "--checkpoint", "c", "--data", "d", "--batch-size", "100000"], "from 1 to 256"),
    (["adiff", "explain", "a", "b", "--checkpoint", "c", "--max-new-tokens", "1000000"], "from 1 to 1024"),
    (["adiff", "demo", "--seeds", "-1"], "from 0 to 4294967295"),
    (["compare", "a", "b", "--out", "o", "--bootstrap", "1000000000"], "from 1 to 10000"),
    (["infer", "--model", "m", "--eval-set", "audiocaps", "--data", "d", "--out", "o", "--batch-size", "99999"],
     "from 1 to 256"),
])
def test_sizes_are_bounded_naming_the_limit(argv, limit, capsys):
    """Issue 21 case 13: every size a user sets has a limit, named when it is passed."""
    from adcacc.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2 and limit in capsys.readouterr().err
