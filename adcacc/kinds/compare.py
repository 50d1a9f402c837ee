"""compare: the report: preconditions (the base beats trivial baselines; every arm learned its own
task), positive controls and claims, with bootstrap CIs over clips and seeds, verdicts, the
forest plot and the HTML report."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from adcacc.kinds.shared import call_text
from adcacc.stage import TRIVIAL, Stage

if TYPE_CHECKING:
    from adcacc.dry_run import Estimates
    from adcacc.experiment import Experiment

STEP = "compare"
CONTRASTS = (("acc", "adc"), ("acc", "ac"), ("acc", "ac_matched"), ("adc", "ac"), ("ac_acc", "ac_adc"))


def plan(exp: Experiment, stages: list[Stage]) -> list[Stage]:
    runs = tuple(s.id for s in stages if s.kind in ("infer", "baseline"))
    params = {"bootstrap": exp.eval_options["bootstrap"], "claims": [c.__dict__ for c in exp.claims]}
    return [Stage("compare", "compare", runs, params, exp.out / "report")]


def gate_claims(exp: Experiment) -> list:
    """Preconditions of the replication, read before any claim.

    The base is worth measuring: on each held-out set it beats the trivial baseline (CIDEr-D
    for captioning, strict accuracy for a retention proxy). Each trained arm learned its own
    task: on every own-task set of its recipe (adcacc.evals.sets.eval_sets.OWN_TASK_SETS) its reference
    log-likelihood (teacher-forced, per row, paired) and its generated answers' CIDEr-D are
    above the base model's. A failed arm precondition voids the claims about that arm. A named
    control arm (`forget_control: {recipe: adc, ...}`) has none: it is built to break things,
    and its own verdicts are the positive controls."""
    from adcacc.common.vocabulary import ARMS, CAPTION
    from adcacc.evals.comparison.verdicts import Claim
    from adcacc.evals.sets.eval_sets import OWN_TASK_SETS, SET_TASKS

    gates = []
    for es in exp.eval_sets:
        if es.name in OWN_TASK_SETS or exp.model.pretrain is None:  # no trivial baseline to beat
            continue
        caption = SET_TASKS[es.name] == CAPTION
        what = "the most frequent training caption" if caption else "the majority training class"
        gates.append(Claim(f"base_beats_trivial_{es.id}", f"The base model beats {what} on {es.id}",
                           "CIDEr-D" if caption else "accuracy_strict", es.id, "base", TRIVIAL, "greater"))
    for arm in (a for a in exp.trained_arms if a in ARMS):  # a named arm is a control: built to break
        for es in exp.eval_sets:
            if exp.recipe(arm) not in OWN_TASK_SETS.get(es.name, ()):
                continue
            for metric, what in (("ref_loglik", "teacher-forced log-likelihood of the held-out answers"),
                                 ("CIDEr-D", "CIDEr-D of its generated answers")):
                gates.append(Claim(f"{arm}_learned_{es.id}_{metric}", f"{arm} beats the base model on its own "
                                   f"task ({es.id}): {what}", metric, es.id, arm, "base", "greater"))
    return gates if "base" in exp.arms else []


def run(stage: Stage, exp: Experiment, by_id: dict[str, Stage], gpu: str | None) -> dict:
    from adcacc.evals.comparison.compare import compare_experiment
    from adcacc.evals.comparison.verdicts import Claim

    arms: dict[str, list[Path]] = {}
    for arm in exp.arms:
        seeds = [None] if arm == "base" else list(exp.seeds)
        arms[arm] = [exp.out / "runs" / arm / (f"s{s}" if s is not None else "") for s in seeds]
    if "pretrain" in by_id and "base" in arms:
        arms[TRIVIAL] = [exp.out / "runs" / TRIVIAL]
    contrasts = [(a, b) for a, b in CONTRASTS if a in arms and b in arms]
    claims = [Claim(**c) for c in stage.params["claims"]]
    result = compare_experiment(arms, stage.out, base="base" if "base" in arms else next(iter(arms)),
                                contrasts=contrasts, claims=claims, n_boot=stage.params["bootstrap"], seed=0,
                                gates=gate_claims(exp), eval_sets=[es.id for es in exp.eval_sets],
                                model=model_text(exp))
    return {"verdicts": result["verdicts"], "gates": result["gates"], "void": result["void"]}


def model_text(exp: Experiment) -> str:
    """The report's model line: the family, and what of it was trained (a tiny or a named model)."""
    from adcacc.common.model_families import FAMILIES

    family = FAMILIES[exp.model.family]
    which = exp.model.id or ("a tiny random model of its classes, pretrained here" if exp.model.pretrain
                             else "a tiny random model of its classes")
    return f"{family.title} ({exp.model.family} family, run in {family.env}): {which}"


def describe(stage: Stage, exp: Experiment, by_id: dict[str, Stage]) -> str:
    return call_text("compare_experiment", stage)


def cost(stage: Stage, exp: Experiment, est: Estimates) -> dict[str, float]:
    return {"cpu_min": est.rates["compare_s"] / 60}
