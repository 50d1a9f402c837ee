"""`adcacc run --dry-run`: every stage, the call it makes, whether it will be skipped, and
what it should cost (CPU minutes here; GPU-hours for GPU recipes).

Costs are estimates from measurements, not promises: CPU rates were measured on the 2-core
dev machine with the tiny Qwen2-Audio (`CPU_RATES`); GPU-hours come from the recipe's
measured H100 time per training row (adcacc.recipes.spec.Hardware.gpu_s_per_row) and the rows a
build gives (its build_report.json, or the bases it will use).
"""
from __future__ import annotations

import json
import math
from pathlib import Path

from adcacc.common.vocabulary import ARMS, ROWS_PER_BASE, arm_rows_per_base
from adcacc.experiment import Experiment
from adcacc.plan import Stage, build_plan, is_done
from adcacc.stages import describe, eval_data

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


def train_bases(exp: Experiment) -> int | None:
    """Training bases of the build: from its report when built, else from the settings."""
    report = exp.out / "data" / "build_report.json"
    if report.is_file():
        rows = json.loads(report.read_text(encoding="utf-8"))["rows"]
        return rows.get("ac_train.jsonl")
    n = exp.data.build.get("max_bases") or (exp.data.corpus or {}).get("bases", 60 if exp.data.corpus else None)
    if n is None:
        return None
    return round(n * exp.data.build.get("splits", [0.8, 0.1, 0.1])[0])


def eval_clips(data: Path) -> int | None:
    """Clips of a CSV eval set (rows below the header); None for other layouts or before it exists."""
    if data.suffix != ".csv" or not data.is_file():
        return None
    return max(0, len(data.read_text(encoding="utf-8", errors="replace").splitlines()) - 1)


def stage_cost(stage: Stage, exp: Experiment) -> dict[str, float]:
    """{"cpu_min": x} or {"gpu_hours": y}; empty when it cannot be estimated."""
    from adcacc.recipes.spec import EFFECTIVE_BATCH, HARDWARE

    bases = train_bases(exp)
    if stage.kind == "train":
        over = stage.params["overrides"]
        recipe = stage.params["recipe"]
        per_base = arm_rows_per_base(recipe)
        if stage.params.get("balance"):  # each dataset as many rows as the largest
            kinds = ARMS[recipe].datasets
            per_base = max(ROWS_PER_BASE[d] for d in kinds) * len(kinds)
        rows = bases * per_base if bases is not None else None
        if stage.params["device"] == "cpu":
            steps = over.get("max_steps") or (math.ceil(rows / 2) if rows else None)
            return {"cpu_min": (CPU_RATES["swift_start_s"] + steps * CPU_RATES["train_step_s"]) / 60} if steps else {}
        per_row = HARDWARE[stage.params["hardware"]].gpu_s_per_row
        if over.get("max_steps"):
            rows = over["max_steps"] * EFFECTIVE_BATCH
        epochs = over.get("num_train_epochs", 1)
        return {"gpu_hours": rows * epochs * per_row / 3600} if rows and per_row else {}
    if stage.kind == "pretrain" and exp.device == "cpu":
        from adcacc.pretraining import FLAGS

        steps = stage.params.get("overrides", {}).get("max_steps", FLAGS["max_steps"])
        return {"cpu_min": (CPU_RATES["swift_start_s"] + steps * CPU_RATES["pretrain_step_s"]) / 60}
    if stage.kind == "infer":
        clips = eval_clips(eval_data(exp, stage.params["data"]))
        limit = stage.params.get("limit")
        clips = limit if clips is None else min(clips, limit or clips)
        if exp.device != "cpu" or clips is None:
            return {}
        return {"cpu_min": (CPU_RATES["infer_start_s"] + clips * CPU_RATES["infer_clip_s"]) / 60}
    if stage.kind == "build" and bases is not None:
        return {"cpu_min": bases / 0.8 * CPU_RATES["build_base_s"] / 60}
    if stage.kind == "compare":
        return {"cpu_min": CPU_RATES["compare_s"] / 60}
    return {}


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
    from adcacc.stages import gate_claims

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
