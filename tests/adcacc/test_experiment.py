"""Experiment files are checked whole before anything runs: one line naming file and key."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from adcacc.cli import main
from adcacc.common.errors import InputError
from adcacc.experiment import load_experiment

EXPERIMENTS = Path(__file__).resolve().parents[2] / "experiments"


def _write(tmp_path: Path, edit) -> Path:
    exp = yaml.safe_load((EXPERIMENTS / "smoke.yaml").read_text())
    edit(exp)
    path = tmp_path / "exp.yaml"
    path.write_text(yaml.safe_dump(exp))
    return path


@pytest.mark.parametrize("edit, where", [
    (lambda e: e.update(colour="red"), "unknown key 'colour'"),
    (lambda e: e["arms"].update(xyz={}), "arms: unknown arm 'xyz'"),
    (lambda e: e.update(hardware="tpu"), "hardware: no recipe ac_tpu.yaml"),
    (lambda e: e["eval"]["sets"].append({"name": "audioset", "data": "x"}), "eval.sets[4].name: unknown eval set"),
    (lambda e: e.update(seeds=[0, "one"]), "seeds: must be a non-empty list of integers"),
    (lambda e: e.update(seeds=[1.5]), "seeds: must be a non-empty list of integers"),
    (lambda e: e["data"].update(corpus=None, audiocaps="/nope", event_dir="/nope2"),
     "data.audiocaps: folder not found: /nope"),
    (lambda e: e["eval"].update(batch_size=0), "eval.batch_size: must be from 1 to 256"),
    (lambda e: (e["arms"].pop("base"), e.update(claims=[{
        "id": "x", "text": "t", "metric": "CIDEr-D", "eval_set": "captions-csv", "a": "acc", "b": "base",
        "direction": "greater"}])), "claims[0].b: arm 'base' is not in arms"),
    (lambda e: e.update(claims=[{"id": "x", "text": "t", "metric": "m", "eval_set": "captions-csv",
                                 "a": "acc", "b": "ac", "direction": "bigger"}]), "claims[0].direction"),
    (lambda e: e.update(claims=[{"id": "x", "text": "t", "metric": "accuracy", "eval_set": "retention",
                                 "a": "acc", "b": "ac", "direction": "less"}]), "claims[0].metric: unknown metric"),
    (lambda e: e["model"].update(family="gemma"), "model.family: unknown model family 'gemma'"),
    (lambda e: e["model"].update(family="qwen3_omni"), "hardware: no recipe ac_rtx4090.yaml for arm 'ac' (see recipes/qwen3_omni/)"),
    (lambda e: e["model"].update(family="qwen2_5_omni", tiny={"seed": 0, "vocab": "bpe"}), "model.tiny.vocab: unknown key 'vocab'; allowed: seed"),
])
def test_bad_experiment_is_one_line_and_writes_nothing(tmp_path, capsys, edit, where):
    path = _write(tmp_path, edit)
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and str(path) in err and where in err, err
    assert not out.exists()


def test_shipped_experiments_load():
    for name in ("smoke", "demo", "smoke_omni"):
        exp = load_experiment(EXPERIMENTS / f"{name}.yaml")
        assert exp.arms and exp.seeds and exp.eval_sets
    assert load_experiment(EXPERIMENTS / "smoke.yaml").model.family == "qwen2_audio"  # the default
    assert load_experiment(EXPERIMENTS / "smoke_omni.yaml").model.family == "qwen2_5_omni"
    with pytest.raises(InputError, match="data.audiocaps: folder not found"):
        load_experiment(EXPERIMENTS / "paper.yaml")  # placeholder paths: fine for a plan only
    plan = load_experiment(EXPERIMENTS / "paper.yaml", check_paths=False)
    assert plan.missing and plan.model.id == "Qwen/Qwen2-Audio-7B-Instruct"


MARGIN = "claims[0]: claim 'x': margin must be a finite number >= 0"
CLAIM = {"id": "x", "text": "t", "metric": "CIDEr-D", "eval_set": "captions-csv", "a": "acc", "b": "ac",
         "direction": "greater"}
# What the run itself would refuse (or run wrongly), refused when the file is loaded, so
# `--dry-run` accepts exactly what a run accepts (issue 21 cases 5, 12, 13, 14, 10).
REFUSED = {
    "seed-negative": (lambda e: e.update(seeds=[-1]), "seeds: must be an integer from 0 to 4294967295"),
    "seed-huge": (lambda e: e.update(seeds=[10**23]), "seeds: must be an integer from 0 to 4294967295"),
    "arm-twice": (lambda e: e.update(arms=["base", "ac", "ac"]), "arms: lists an arm twice"),
    "steps-negative": (lambda e: e["overrides"].update(max_steps=-3),
                       "overrides.max_steps: must be an integer from 1"),
    "lr-text": (lambda e: e["overrides"].update(learning_rate="fast"), "overrides.learning_rate: must be a number"),
    "batch-zero": (lambda e: e["overrides"].update(per_device_train_batch_size=0),
                   "overrides.per_device_train_batch_size: must be an integer from 1"),
    "accumulation-float": (lambda e: e["overrides"].update(gradient_accumulation_steps=1.5),
                           "overrides.gradient_accumulation_steps: must be an integer"),
    "epochs-nan": (lambda e: e["overrides"].update(num_train_epochs=float("nan")), "overrides.num_train_epochs"),
    "output-dir": (lambda e: e["overrides"].update(output_dir="/tmp/elsewhere"),
                   "overrides.output_dir: set by adcacc run (each stage writes inside --out); remove it"),
    "arm-output-dir": (lambda e: e.update(arms={"ac": {"overrides": {"logging_dir": "/tmp/x"}}}),
                       "arms.ac.overrides.logging_dir: set by adcacc run"),
    "pretrain-dataset": (lambda e: e["model"]["pretrain"]["overrides"].update(dataset="/tmp/x.jsonl"),
                         "model.pretrain.overrides.dataset: set by adcacc run"),
    "seed-override": (lambda e: e["overrides"].update(seed=3), "overrides.seed: set by adcacc run from seeds"),
    "flag-in-key": (lambda e: e["overrides"].update({"max_steps=1 --output_dir": 2}), "is not a swift flag name"),
    "flag-in-value": (lambda e: e["overrides"].update(report_to=["none", "--output_dir", "/tmp"]),
                      "overrides.report_to: '--output_dir': a value may not start with '-'"),
    "splits": (lambda e: e["data"]["build"].update(splits=[0.5, 0.2]), "data.build.splits: needs three fractions"),
    "workers": (lambda e: e["data"]["build"].update(workers=100000), "data.build.workers: must be from 1 to"),
    "ratio": (lambda e: e["data"]["build"].update(ratio_db=[10, 0]), "data.build.ratio_db: needs MIN MAX"),
    "duration": (lambda e: e["data"]["build"].update(duration_s=1e9), "data.build.duration_s: must be a number"),
    "max-bases": (lambda e: e["data"]["build"].update(max_bases=0), "data.build.max_bases: must be at least 1"),
    "build-seed": (lambda e: e["data"]["build"].update(seed=-1), "data.build.seed: must be an integer from 0"),
    "corpus-bases": (lambda e: e["data"]["corpus"].update(bases=0), "data.corpus.bases: must be an integer from 1"),
    "corpus-heldout": (lambda e: e["data"]["corpus"].update(heldout=10**9), "data.corpus.heldout: must be an integer"),
    "bootstrap": (lambda e: e["eval"].update(bootstrap=10**9), "eval.bootstrap: must be from 1 to 10,000"),
    "margin-nan": (lambda e: e.update(claims=[{**CLAIM, "margin": float("nan")}]), MARGIN),
    "margin-inf": (lambda e: e.update(claims=[{**CLAIM, "direction": "equivalent", "margin": float("inf")}]),
                   MARGIN),
    "margin-negative": (lambda e: e.update(claims=[{**CLAIM, "margin": -0.1}]), MARGIN),
    "claim-twice": (lambda e: e.update(claims=[CLAIM, CLAIM]), "claims[1].id: repeats claim id 'x'"),
    "claim-self": (lambda e: e.update(claims=[{**CLAIM, "b": "acc"}]), "compares arm 'acc' with itself"),
    "caption-metric-on-retention": (lambda e: e.update(claims=[{**CLAIM, "eval_set": "retention"}]),
                                    "claims[0].metric: 'CIDEr-D' does not fit eval set 'mic-proxy'"),
    "retention-metric-on-captions": (lambda e: e.update(claims=[{**CLAIM, "metric": "accuracy_strict"}]),
                                     "'accuracy_strict' does not fit eval set 'captions-csv'"),
    "out-empty": (lambda e: e.update(out=""), "out: '' is the current folder"),
    "name-newline": (lambda e: e.update(name="x\ntouch PWNED"), "name: must be 1-64 characters"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_dry_run_refuses_what_the_run_refuses(tmp_path, capsys, case):
    edit, where = REFUSED[case]
    path = _write(tmp_path, edit)
    out = tmp_path / "out"
    assert main(["run", str(path), "--dry-run", *([] if case == "out-empty" else ["--out", str(out)])]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and str(path) in err and where in err, err
    assert not out.exists()


def test_repeated_yaml_key_is_refused_not_merged(tmp_path, capsys):
    text = (EXPERIMENTS / "smoke.yaml").read_text().replace("  ac_matched: {}\n", "  ac_matched: {}\n  ac: {}\n")
    path = tmp_path / "exp.yaml"
    path.write_text(text)
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "--dry-run"]) == 2
    err = capsys.readouterr().err.strip()
    assert "duplicate key 'ac'" in err and f"{path} row " in err and err.count("\n") == 0


def test_out_at_the_current_folder_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = _write(tmp_path, lambda e: None)
    assert main(["run", str(path), "--out", ".", "--dry-run"]) == 2
    assert "--out: '.' is the current folder" in capsys.readouterr().err


def test_bad_claim_edit_on_a_finished_run_leaves_its_report(tmp_path, capsys):
    """Case 5: a claim edit is checked with the whole file, before any stage is touched."""
    out = tmp_path / "out"
    (out / "report").mkdir(parents=True)
    (out / "report" / "report.html").write_text("the finished run's report")
    path = _write(tmp_path, lambda e: e.update(claims=[CLAIM, {**CLAIM, "margin": -1}]))
    assert main(["run", str(path), "--out", str(out)]) == 2
    assert "claims[1]" in capsys.readouterr().err
    assert (out / "report" / "report.html").read_text() == "the finished run's report"


def test_shipped_experiments_dry_run(capsys):
    for name in ("smoke", "demo", "paper"):
        assert main(["run", str(EXPERIMENTS / f"{name}.yaml"), "--dry-run"]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out.splitlines()
    demo = out[max(i for i, line in enumerate(out) if line.startswith("experiment demo")):]
    # the report's twice-chance checks are listed with the other preconditions, before the controls
    chance = [i for i, line in enumerate(demo) if "base_twice_chance_" in line]
    assert len(chance) == 2 and "(0.182)" in demo[chance[0]] and "(0.500)" in demo[chance[1]]
    assert chance[-1] < min(i for i, line in enumerate(demo) if line.lstrip().startswith("control"))


def test_a_claim_can_be_a_control_and_reaches_the_comparison_as_one(tmp_path):
    from adcacc.evals.comparison.verdicts import Claim
    from adcacc.plan import build_plan

    control = {"id": "ctl", "text": "ADC moves retention", "metric": "accuracy_strict", "eval_set": "retention",
               "a": "adc", "b": "base", "direction": "less", "role": "control"}
    exp = load_experiment(_write(tmp_path, lambda e: e.update(claims=[control])), tmp_path / "o")
    compare = next(s for s in build_plan(exp) if s.kind == "compare")
    assert Claim(**compare.params["claims"][0]).role == "control"
    bad = _write(tmp_path, lambda e: e.update(claims=[{**control, "role": "finding"}]))
    with pytest.raises(InputError, match=r"claims\[0\].role: must be one of claim, control"):
        load_experiment(bad, tmp_path / "o")


@pytest.mark.parametrize("key, value", [("splits", [0.5, 0.5, 0.5]), ("ratio_db", [10, 0]),
                                        ("duration_s", 0), ("max_bases", 0), ("workers", 0)])
def test_a_bad_build_setting_names_the_experiment_key(tmp_path, key, value):
    spec = yaml.safe_load(open("experiments/smoke.yaml", encoding="utf-8"))
    spec["data"]["build"][key] = value
    path = tmp_path / "exp.yaml"
    path.write_text(yaml.safe_dump(spec))
    with pytest.raises(InputError) as err:
        load_experiment(path, out=tmp_path / "out")
    assert str(err.value).startswith(f"{path}: data.build.{key}: ")
    assert "--" not in str(err.value)  # no CLI option named for a YAML key
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("arms, where", [
    ({"base": {}, "hot": {"overrides": {"learning_rate": 0.01}}}, "arms: unknown arm 'hot'"),
    ({"base": {}, "adc": {"recipe": "acc"}}, "arms.adc.recipe: an arm with its own name"),
    ({"base": {}, "trivial": {"recipe": "adc"}}, "arms.trivial.recipe"),
    ({"base": {}, "hot": {"recipe": "base"}}, "arms.hot.recipe"),
    ({"base": {}, "a b": {"recipe": "adc"}}, "arms.a b.recipe"),
    ({"base": {}, "ac": {"balance": True}}, "arms.ac.balance: draws each dataset of a joint recipe"),
    ({"base": {}, "ac_adc": {"balance": "yes"}}, "arms.ac_adc.balance"),
])
def test_a_named_arm_needs_a_known_recipe_and_a_name_of_its_own(tmp_path, capsys, arms, where):
    path = _write(tmp_path, lambda e: e.update(arms=arms, claims=[]))
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "--dry-run"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and where in err, err


def test_a_control_arm_trains_its_recipe_with_its_own_overrides(tmp_path):
    from adcacc.plan import build_plan

    path = _write(tmp_path, lambda e: e.update(
        arms={"base": {}, "adc": {}, "hot": {"recipe": "adc", "overrides": {"learning_rate": 0.01}}}, claims=[]))
    exp = load_experiment(path, tmp_path / "out")
    by_id = {s.id: s for s in build_plan(exp)}
    hot, adc = by_id["train/hot/s0"], by_id["train/adc/s0"]
    assert hot.params["recipe"] == adc.params["recipe"] == "adc" and hot.needs == adc.needs
    assert hot.params["overrides"]["learning_rate"] == 0.01 and "learning_rate" not in adc.params["overrides"]
    assert hot.out.name == "s0" and hot.out.parent.name == "hot"


def test_a_balanced_joint_arm_draws_each_dataset_as_often_as_the_largest(tmp_path, capsys):
    """`balance: true` reaches the train stage's fingerprinted params and swift's `path#N`;
    the dry run, before the build exists, says so instead of counting rows."""
    from adcacc.plan import build_plan
    from adcacc.stage_kinds import describe

    path = _write(tmp_path, lambda e: e.update(arms={"base": {}, "ac_adc": {"balance": True}, "ac_acc": {}},
                                               claims=[]))
    exp = load_experiment(path, tmp_path / "out")
    by_id = {s.id: s for s in build_plan(exp)}
    joint, plain = by_id["train/ac_adc/s0"], by_id["train/ac_acc/s0"]
    assert joint.params["balance"] is True and plain.params["balance"] is False
    assert "drawn as often as the largest" in describe(joint, exp, by_id)
    build = by_id["build"].out
    build.mkdir(parents=True)
    for name, n in (("ac", 3), ("adc", 18)):
        (build / f"{name}_train.jsonl").write_text('{"messages": []}\n' * n)
    text = describe(joint, exp, by_id)
    assert f"{build / 'ac_train.jsonl'}#18" in text and f"{build / 'adc_train.jsonl'}#18" in text
    assert "#" not in describe(plain, exp, by_id).split("--val_dataset")[0].split("--dataset")[-1]


def test_the_dry_run_names_each_swift_flag_once_with_the_experiments_value_winning(tmp_path):
    """The CPU overrides set max_steps 2; the experiment's overrides set it too: one flag."""
    import shlex

    from adcacc.plan import build_plan
    from adcacc.stage_kinds import describe

    path = _write(tmp_path, lambda e: e["overrides"].update(max_steps=60))
    exp = load_experiment(path, tmp_path / "out")
    by_id = {s.id: s for s in build_plan(exp)}
    argv = shlex.split(describe(by_id["train/ac/s0"], exp, by_id))
    flags = [a for a in argv if a.startswith("--")]
    assert len(flags) == len(set(flags)), flags
    assert argv[argv.index("--max_steps") + 1] == "60" and argv[argv.index("--bf16") + 1] == "false"
    assert argv[-2:] == ["--output_dir", str(by_id["train/ac/s0"].out)]


def test_eval_sets_of_one_loader_need_their_own_ids_and_take_a_bounded_limit(tmp_path, capsys):
    from adcacc.plan import build_plan

    def two(e):
        e["eval"]["sets"].append(dict(e["eval"]["sets"][0]))
    assert main(["run", str(_write(tmp_path, two)), "--out", str(tmp_path / "o"), "--dry-run"]) == 2
    assert "lists an eval set twice (give a second set of the same loader its own id)" in capsys.readouterr().err

    def second(e):
        e["eval"]["sets"].append({**e["eval"]["sets"][0], "id": "again", "limit": 3})
    exp = load_experiment(_write(tmp_path, second), tmp_path / "out")
    infer = [s for s in build_plan(exp) if s.id.startswith("infer/base/")]
    limits = {s.id.rsplit("/", 1)[1]: s.params["limit"] for s in infer}
    assert limits["again"] == 3 and limits[exp.eval_sets[0].id] == exp.eval_options["limit"]

    def huge(e):
        e["eval"]["sets"][0]["limit"] = 10**9
    assert main(["run", str(_write(tmp_path, huge)), "--out", str(tmp_path / "o"), "--dry-run"]) == 2
    assert "eval.sets[0].limit: must be from 1 to" in capsys.readouterr().err


def test_own_task_sets_read_the_experiments_build_and_cannot_leave_it(tmp_path, capsys):
    from adcacc.eval_data import eval_data
    from adcacc.plan import build_plan

    def own(e):
        e["eval"]["sets"].append({"name": "own-acc", "data": "data:acc_val.jsonl"})
    exp = load_experiment(_write(tmp_path, own), tmp_path / "out")
    stage = next(s for s in build_plan(exp) if s.id == "infer/base/own-acc")
    assert "build" in stage.needs
    assert eval_data(exp.out, "data:acc_val.jsonl") == (tmp_path / "out" / "data" / "acc_val.jsonl").resolve()
    assert not any(s.id == "baseline/own-acc" for s in build_plan(exp))  # judged against the base instead

    for bad in ("data:../../etc/passwd", "data:/etc/passwd", "data:", "corpus:../x.csv"):
        def escape(e, bad=bad):
            e["eval"]["sets"].append({"name": "own-acc", "data": bad})
        assert main(["run", str(_write(tmp_path, escape)), "--out", str(tmp_path / "o"), "--dry-run"]) == 2
        assert "must name a file inside the experiment's" in capsys.readouterr().err


def test_the_dry_run_names_the_pretrained_checkpoint_every_arm_starts_from(tmp_path):
    """Before anything ran, the train stage's --model is where the pretraining will save."""
    import shlex

    from adcacc.plan import build_plan
    from adcacc.stage_kinds import describe

    exp = load_experiment(EXPERIMENTS / "demo.yaml", tmp_path / "demo")
    by_id = {s.id: s for s in build_plan(exp)}
    argv = shlex.split(describe(by_id["train/acc/s0"], exp, by_id))
    steps = exp.model.pretrain["overrides"]["max_steps"]
    assert argv[argv.index("--model") + 1] == str(tmp_path / "demo" / "pretrain" / "sft" / f"checkpoint-{steps}")
