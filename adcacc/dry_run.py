"""`adcacc run --dry-run`: every stage, the call it makes, whether it will be skipped, and
what it should cost (CPU minutes here; GPU-hours for GPU recipes).

Costs are estimates from measurements, not promises: CPU rates were measured on the 2-core
dev machine with the tiny Qwen2-Audio (`CPU_RATES`); GPU-hours come from the recipe's
measured H100 time per training row (adcacc.recipes.spec.Hardware.gpu_s_per_row) and the rows a
build gives (its build_report.json, or the bases it will use).
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from adcacc.experiment import Experiment
from adcacc.plan import build_plan
from adcacc.stage import Stage, is_done
from adcacc.stage_kinds import KINDS, describe

# Seconds, measured on the idle 2-core dev machine (tiny Qwen2-Audio, 10 s clips).
CPU_RATES = {
    "swift_start_s": 30.0,  # imports and model load of one `swift sft`
    "train_step_s": 0.5,  # one optimizer step of 2 rows (CPU overrides: accumulation 2)
    "pretrain_step_s": 1.2,  # one full-model step of 8 rows, trimmed vocabulary (adcacc/pretraining.py)
    "infer_start_s": 10.0,
    "infer_clip_s": 0.35,  # greedy decoding at batch 16
    "build_base_s": 0.008,  # one base: three 10 s mixes (README build benchmark, 2 workers)
    "compare_s": 90.0,  # Java metrics start-up and bootstrap
}


@dataclass(frozen=True)
class Estimates:
    """What a stage kind's `cost` reads: the measured rates, and the build's training bases."""
    rates: dict[str, float]
    bases: int | None


def train_bases(exp: Experiment) -> int | None:
    """Training bases of the build: from its report when built, else from the settings."""
    from adcacc.data_builders.corpus.build import SCENES

    report = exp.out / "data" / "build_report.json"
    if report.is_file():
        rows = json.loads(report.read_text(encoding="utf-8"))["rows"]
        return rows.get("ac_train.jsonl")
    n = exp.data.build.get("max_bases") or (exp.data.corpus or {}).get("bases", SCENES["bases"] if exp.data.corpus else None)
    if n is None:
        return None
    return round(n * exp.data.build.get("splits", [0.8, 0.1, 0.1])[0])


def stage_cost(stage: Stage, exp: Experiment) -> dict[str, float]:
    """{"cpu_min": x} or {"gpu_hours": y} (its kind's `cost`); empty when it cannot be estimated."""
    return KINDS[stage.kind].cost(stage, exp, Estimates(CPU_RATES, train_bases(exp)))


def plan_text(exp: Experiment) -> str:
    """The plan as a table, with totals."""
    stages = build_plan(exp)
    by_id = {s.id: s for s in stages}
    lines, cpu, gpu = [], 0.0, 0.0
    for s in stages:
        cost = stage_cost(s, exp)
        cpu += cost.get("cpu_min", 0.0)
        gpu += cost.get("gpu_hours", 0.0)
        est = (f"~{cost['cpu_min']:.1f} CPU min" if "cpu_min" in cost else
               f"~{cost['gpu_hours']:.1f} GPU-h (H100-measured)" if "gpu_hours" in cost else "cost unknown")
        lines.append(f"{'skip' if is_done(s) else 'run '}  {s.id:<40} {est}\n      {describe(s, exp, by_id)}")
    head = (f"experiment {exp.name} -> {exp.out}: {len(stages)} stages, "
            f"{sum(not is_done(s) for s in stages)} to run")
    total = f"estimated total: {cpu:.0f} CPU minutes" + (f", {gpu:.1f} GPU-hours" if gpu else "")
    notes = [f"not found here (fine for a plan; needed to run): {m}" for m in exp.missing]
    return "\n".join([head, *lines, total, *findings_text(exp), *notes])


def findings_text(exp: Experiment) -> list[str]:
    """What the report will judge, in the order it reads them: preconditions, controls, claims."""
    from adcacc.kinds.compare import gate_claims

    gates = gate_claims(exp)
    chance = _chance_lines(exp, gates)
    controls = [c for c in exp.claims if c.role == "control"]
    claims = [c for c in exp.claims if c.role == "claim"]
    lines = [f"the report judges {len(gates) + len(chance)} precondition(s), {len(controls)} positive control(s) "
             f"and {len(claims)} claim(s) (Holm-adjusted across the claims):"]
    for kind, items in (("precondition", gates), ("control", controls), ("claim", claims)):
        lines += [f"  {kind:<12} {c.id}: {c.a} vs {c.b}, {c.metric} on {c.eval_set} ({c.direction})"
                  for c in items]
        lines += chance if kind == "precondition" else []
    return lines


def _chance_lines(exp: Experiment, gates: list) -> list[str]:
    """The twice-chance checks adcacc.evals.comparison.compare adds beside each base-vs-majority-class gate."""
    from adcacc.evals.comparison.verdicts import twice_chance
    from adcacc.evals.sets.eval_sets import SET_TASKS
    from adcacc.evals.sets.tasks import CAPTION

    tasks = {es.id: SET_TASKS[es.name] for es in exp.eval_sets}
    checks = [twice_chance(g, tasks[g.eval_set]) for g in gates
              if g.a == "base" and tasks.get(g.eval_set, CAPTION) != CAPTION]
    return [f"  {'precondition':<12} {c.id}: {c.a} vs {c.b} ({floor:.3f}), {c.metric} on {c.eval_set} ({c.direction})"
            for c, floor in checks]
