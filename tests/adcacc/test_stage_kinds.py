"""Every stage kind is one module with the same parts, and the plan they build reads in order."""
from __future__ import annotations

from pathlib import Path

from adcacc.dry_run import stage_cost
from adcacc.experiment import load_experiment
from adcacc.plan import build_plan
from adcacc.slurm import STEPS
from adcacc.stage_kinds import KINDS, describe, takes_gpu

EXPERIMENTS = Path(__file__).resolve().parents[2] / "experiments"


def test_every_kind_has_its_parts_and_one_slurm_step():
    for name, kind in KINDS.items():
        assert all(callable(getattr(kind, f)) for f in ("plan", "run", "describe", "cost")), name
        assert kind.STEP in {"prepare", "train", "infer", "compare"}, name
    assert [s for s, _ in STEPS] == ["prepare", "train", "infer", "compare"]
    assert sorted(k for _, kinds in STEPS for k in kinds) == sorted(KINDS)
    assert {k for k, m in KINDS.items() if getattr(m, "GPU", False)} == {"pretrain", "train"}


def test_the_demo_plan_needs_only_earlier_stages_and_every_stage_describes_and_costs_itself(tmp_path):
    exp = load_experiment(EXPERIMENTS / "demo.yaml", tmp_path / "demo")
    stages = build_plan(exp)
    seen: set[str] = set()
    for s in stages:
        assert set(s.needs) <= seen, (s.id, s.needs)
        seen.add(s.id)
    by_id = {s.id: s for s in stages}
    kinds = list(dict.fromkeys(s.kind for s in stages))
    assert kinds == [k for k in KINDS if k in kinds]  # kind by kind, in the registry's order
    assert {"corpus", "build", "model", "pretrain", "baseline", "matched", "train", "infer", "compare"} == set(kinds)
    for s in stages:
        assert describe(s, exp, by_id) and isinstance(stage_cost(s, exp), dict)
    assert takes_gpu(by_id["train/acc/s0"]) and not takes_gpu(by_id["compare"])
    assert by_id["train/ac_adc/s0"].needs == ("build", "pretrain")
    assert set(by_id["compare"].needs) == {s.id for s in stages if s.kind in ("infer", "baseline")}
    assert by_id["corpus"].params["heldout"] == 100 and by_id["corpus"].params["seed"] == 0


def test_an_omni_experiment_runs_its_model_steps_in_the_family_environment(tmp_path):
    """The same plan as for Qwen2-Audio, with the family's recipes, swift, builder and backend."""
    from adcacc.kinds.compare import model_text

    qwen2_audio = build_plan(load_experiment(EXPERIMENTS / "smoke.yaml", tmp_path / "a"))
    exp = load_experiment(EXPERIMENTS / "smoke_omni.yaml", tmp_path / "o")
    by_id = {s.id: s for s in build_plan(exp)}
    assert "family" not in {k for s in qwen2_audio for k in s.params}  # Qwen2-Audio stages keep their parameters
    assert by_id["model"].params["family"] == by_id["train/acc/s0"].params["family"] == "qwen2_5_omni"
    assert by_id["model"].params["trim_vocab"] is True
    assert describe(by_id["train/acc/s0"], exp, by_id).startswith(".venv-omni/bin/swift sft ")
    assert "recipes/qwen2_5_omni/acc_rtx4090.yaml" in describe(by_id["train/acc/s0"], exp, by_id)
    assert "by .venv-omni's Python" in describe(by_id["model"], exp, by_id)
    assert model_text(exp).startswith("Qwen2.5-Omni-7B, thinker only (qwen2_5_omni family, run in .venv-omni): a tiny")
