"""Fingerprints: an edit reruns exactly the stages it touches; the dry run prints the plan."""
from __future__ import annotations

import copy
import os
import shutil
from pathlib import Path

import pytest
import yaml

from adcacc.cli import main
from adcacc.code_graph import PACKAGES
from adcacc.common import content_hash
from adcacc.experiment import load_experiment
from adcacc.plan import build_plan, code_digest, code_version
from adcacc.stage_kinds import KINDS

EXPERIMENTS = Path(__file__).resolve().parents[2] / "experiments"


def _plan(tmp_path: Path, raw: dict, name: str) -> dict[str, str]:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(raw))
    return {s.id: s.fingerprint for s in build_plan(load_experiment(path, tmp_path / "out"))}


def test_an_arm_override_reruns_only_that_arm_and_the_comparison(tmp_path):
    raw = yaml.safe_load((EXPERIMENTS / "smoke.yaml").read_text())
    before = _plan(tmp_path, raw, "a")
    edited = copy.deepcopy(raw)
    edited["arms"]["adc"] = {"overrides": {"learning_rate": 2e-4}}
    after = _plan(tmp_path, edited, "b")
    changed = sorted(k for k in before if before[k] != after[k])
    assert changed == ["compare", "infer/adc/s0/captions-csv", "infer/adc/s0/mic-proxy",
                       "infer/adc/s0/own-adc", "infer/adc/s0/vsc-proxy", "train/adc/s0"]
    assert _plan(tmp_path, raw, "c") == before  # same file, same fingerprints


def test_another_hub_model_reruns_every_stage_that_runs_it(tmp_path):
    """Without a model stage, the model the arms start from is a parameter: a changed `model.id`
    may not reuse trainings and inferences of the old one."""
    def plan(raw: dict, name: str) -> dict[str, str]:  # the paper's data is not here: plan only
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(raw))
        return {s.id: s.fingerprint for s in build_plan(load_experiment(path, tmp_path / "out", check_paths=False))}

    raw = yaml.safe_load((EXPERIMENTS / "paper.yaml").read_text())
    before = plan(raw, "a")
    raw["model"]["id"] = "/models/another-qwen2-audio"
    after = plan(raw, "b")
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {k for k in before if k.split("/")[0] in ("train", "infer", "matched", "compare")}
    assert "build" not in changed and any(k.startswith("train/") for k in changed)


def test_ac_matched_trains_on_the_matched_data(tmp_path):
    exp = load_experiment(EXPERIMENTS / "smoke.yaml", tmp_path / "out")
    by_id = {s.id: s for s in build_plan(exp)}
    assert by_id["train/ac_matched/s0"].needs[0] == "matched"
    assert "matched" in by_id and by_id["matched"].needs[0] == "build"


def test_dry_run_of_the_paper_prints_the_gpu_plan(capsys):
    assert main(["run", str(EXPERIMENTS / "paper.yaml"), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "train/acc/s0" in out and "GPU-h" in out and "estimated total" in out
    assert "swift sft" in out and "acc_rtx4090.yaml" in out and "not found here" in out


def test_the_demo_pretrains_a_trimmed_model_and_compares_against_trivial_baselines(tmp_path):
    exp = load_experiment(EXPERIMENTS / "demo.yaml", tmp_path / "out")
    by_id = {s.id: s for s in build_plan(exp)}
    assert by_id["model"].params["trim_vocab"] and by_id["model"].needs == ("build", "corpus")
    assert by_id["pretrain"].needs == ("model", "build", "corpus")
    assert by_id["train/adc/s0"].needs == ("build", "pretrain")  # every arm starts from the pretrained model
    baselines = [s for s in by_id.values() if s.kind == "baseline"]
    from adcacc.evals.sets.eval_sets import OWN_TASK_SETS

    held_out = {e.id for e in exp.eval_sets if e.name not in OWN_TASK_SETS}  # own tasks: judged against the base
    assert {s.params["set_id"] for s in baselines} == held_out and "own-adc" not in held_out
    assert all(s.out.parent == tmp_path / "out" / "runs" / "trivial" for s in baselines)
    assert {s.id for s in baselines} <= set(by_id["compare"].needs)


def _rewrite_like_touch_r(path: Path, data: bytes) -> None:
    """Same size, new bytes, the old mtime restored (`touch -r`), once the file system's clock
    has moved on from the last change (polled, not slept), as it has for a real user."""
    st = path.stat()
    assert len(data) == st.st_size
    while path.stat().st_ctime_ns == st.st_ctime_ns:
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    path.write_bytes(data)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def test_replaced_data_reruns_the_stages_that_read_it(tmp_path, monkeypatch):
    """Fingerprints follow the content of the user's data, not its paths: a base clip rewritten
    in place (same size and mtime) reruns the build and all after it; an edited reference or a
    rewritten eval clip reruns that eval set's inference and the comparison only."""
    from tests.evals.files import tone

    monkeypatch.setattr(content_hash, "RACY_NS", 0)  # cache the hashes of files written just now
    ac, events, sets = tmp_path / "audiocaps", tmp_path / "events", tmp_path / "sets"
    tone(ac / "audio_32000Hz" / "train" / "abc_30.wav")
    (ac / "train.csv").write_text("audiocap_id,youtube_id,start_time,caption\n1,abc,30,a dog barks\n")
    tone(events / "Animals" / "dog.wav")
    tone(sets / "audio" / "c0.wav")
    (sets / "captions.csv").write_text("id,path,caption_1\nc0,audio/c0.wav,a tone plays\n")
    raw = {"name": "tiny", "data": {"audiocaps": str(ac), "event_dir": str(events)}, "model": {"id": "m"},
           "arms": ["base", "ac"], "seeds": [0], "eval": {"sets": [{"name": "captions-csv",
                                                                   "data": str(sets / "captions.csv")}]}}
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(raw))
    out = tmp_path / "out"

    def plan() -> dict[str, str]:
        return {s.id: s.fingerprint for s in build_plan(load_experiment(path, out), save_hashes=True)}

    def changed(before: dict[str, str]) -> list[str]:
        return sorted(k for k, v in plan().items() if v != before[k])

    first = plan()
    assert (out / ".stages" / "input_hashes.json").is_file()
    assert plan() == first  # unchanged inputs (now from the hash cache): same fingerprints
    clip = ac / "audio_32000Hz" / "train" / "abc_30.wav"
    _rewrite_like_touch_r(clip, clip.read_bytes()[:-2] + b"\x11\x22")
    after_base = plan()
    assert changed(first) == ["build", "compare", "infer/ac/s0/captions-csv", "train/ac/s0"]
    (sets / "captions.csv").write_text("id,path,caption_1\nc0,audio/c0.wav,a beep sounds\n")
    infer = ["compare", "infer/ac/s0/captions-csv", "infer/base/captions-csv"]
    assert changed(after_base) == infer
    after_refs = plan()
    eval_clip = sets / "audio" / "c0.wav"
    _rewrite_like_touch_r(eval_clip, eval_clip.read_bytes()[:-2] + b"\x33\x44")
    assert changed(after_refs) == infer

    listing = sorted((p, p.stat().st_mtime_ns) for p in out.rglob("*"))
    for folder in (out, tmp_path / "new"):  # a dry run writes nothing, not even the hash cache
        assert main(["run", str(path), "--out", str(folder), "--dry-run"]) == 0
    assert sorted((p, p.stat().st_mtime_ns) for p in out.rglob("*")) == listing
    assert not (tmp_path / "new").exists()


ROOT = Path(__file__).resolve().parents[2]
EDITS = {  # stage kind -> files whose edit reruns it (imports reached through others among them)
    # | files whose edit does not (another kind's code, the runner, the dry run's estimates)
    "corpus": (["adcacc/kinds/corpus.py", "data_builders/corpus/scenes.py", "common/audio.py"],
               ["evals/sets/tasks.py", "data_builders/datasets.py", "adcacc/dry_run.py"]),
    "build": (["adcacc/kinds/build.py", "data_builders/targets.py", "common/swift_rows.py"],
              ["data_builders/corpus/scenes.py", "adcacc/kinds/corpus.py"]),
    "matched": (["data_builders/layout.py", "common/files.py", "adcacc/kinds/shared.py"], ["data_builders/datasets.py"]),
    "model": (["evals/sets/tasks.py", "data_builders/prompts.py", "recipes/trimmed_vocab.py"], ["recipes/launch.py"]),
    "pretrain": (["evals/sets/tasks.py", "recipes/spec.py", "data_builders/layout.py", "recipes/swift_flags.py"],
                 ["evals/inference/infer.py", "adcacc/kinds/train.py"]),
    "baseline": (["evals/inference/predictions.py", "evals/inference/backends/transformers.py", "adcacc/pretraining.py",
                  "adcacc/kinds/eval_inputs.py"], ["evals/comparison/compare.py", "recipes/launch.py", "adcacc/kinds/infer.py"]),
    "train": (["recipes/spec.py", "adcacc/kinds/train.py", "recipes/generate.py", "recipes/qwen2_audio/acc_rtx4090.yaml",
               "common/model_families.py", "recipes/qwen2_5_omni/acc_rtx4090.yaml"],
              ["evals/comparison/compare.py", "evals/inference/infer.py", "adcacc/pretraining.py", "adcacc/plan.py",
               "adcacc/experiment.py", "adcacc/runner.py", "adcacc/dry_run.py"]),
    "infer": (["evals/inference/predictions.py", "common/swift_rows.py", "evals/inference/backends/vllm.py",
               "evals/inference/in_env.py",
               "evals/sets/tasks.py", "adcacc/eval_data.py"], ["evals/comparison/compare.py", "data_builders/datasets.py"]),
    "compare": (["evals/comparison/verdicts.py", "evals/comparison/report_html.py", "evals/sets/eval_sets.py",
                 "adcacc/kinds/compare.py"], ["evals/inference/infer.py", "evals/inference/backends/chat.py"]),
}


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    """A copy of our packages' source (and data files), to edit."""
    root = tmp_path_factory.mktemp("src")
    for folder in PACKAGES.values():
        shutil.copytree(ROOT / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def test_every_stage_kind_has_its_code(tree):
    assert set(KINDS) == set(EDITS)
    kinds_dir = {p.stem for p in (ROOT / "adcacc" / "kinds").glob("*.py")} - {"__init__", "shared", "eval_inputs"}
    assert kinds_dir == set(KINDS)  # every kind module is listed; helpers are no kind
    for kind in KINDS:  # the hash names files relative to the root: a copy hashes the same
        assert code_digest(kind, tree) == code_version(kind)


@pytest.mark.parametrize("kind", sorted(EDITS))
def test_editing_code_a_stage_kind_reaches_reruns_it_and_other_code_does_not(tree, kind):
    before = code_digest(kind, tree)
    reaches, misses = EDITS[kind]
    for rel, expect_change in [(r, True) for r in reaches] + [(r, False) for r in misses]:
        path = tree / rel
        original = path.read_bytes()
        path.write_bytes(original + b"\n# edited\n")
        try:
            assert (code_digest(kind, tree) != before) == expect_change, rel
        finally:
            path.write_bytes(original)
    assert code_digest(kind, tree) == before
