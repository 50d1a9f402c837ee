"""Compare arms trained with several seeds: values, deltas and claim verdicts with 95% CIs.

`compare_experiment` is what `adcacc run` calls; `adcacc compare RUN...` (`compare_runs`)
is the same with one replicate per arm. Every number is a mean over an arm's seeds of the
per-seed corpus value, with a hierarchical-bootstrap interval over seeds and clips
(adcacc.evals.comparison.bootstrap); deltas are paired on clips and on seed indices (seed k is the same LoRA
init and data order in every arm). Beside each claim's verdict stand its bootstrap p-value,
a Holm-adjusted family-wise verdict and, where inconclusive, the smallest effect the design
could have detected (adcacc.evals.comparison.verdicts). All captioning runs are scored in one scorer
session (adcacc.evals.scoring.caption_metrics.score_caption_runs). A metric that could not be computed is recorded as
unavailable with the reason, never as a number.
"""
from __future__ import annotations

import json
import os
from functools import partial
from pathlib import Path

import numpy as np

from adcacc.common.errors import InputError
from adcacc.common.files import write_bytes
from adcacc.common.owned_dir import owned
from adcacc.evals.comparison.bootstrap import Resampler, distinct_multisets, interval
from adcacc.evals.comparison.replicates import EvalSetRuns, load
from adcacc.evals.comparison.verdicts import Claim, check_claim, detectable, family_wise, p_value, twice_chance, verdict
from adcacc.evals.scoring.caption_metrics import METRIC_NAMES
from adcacc.evals.scoring.pooled_metrics import pooled_score

# Measures that move before accuracy does (experiment_design.md, "Measures"), per clip, from
# runs made with `adcacc infer --teacher-forced` (adcacc.evals.inference.teacher_forcing) and the base's answers:
# ref_loglik, the mean per-token log-likelihood of the clip's references; label_logprob, the
# correct label's log-probability among the allowed labels; changed, 1 where the answer
# differs from the base model's answer to the same clip (0 for the base itself).
TEACHER_FORCED = {"ref_loglik": "ref_logprobs", "label_logprob": "label_logprobs"}  # metric -> row field
CAPTION_METRICS = (*METRIC_NAMES.values(), "ref_loglik", "changed")
# per clip from adcacc.evals.scoring.retention: strict (label or listed synonym named; else wrong), mapped
# (also the embedding fallback), agreement of the two, and whether the fallback was needed
RETENTION_METRICS = ("accuracy_strict", "accuracy_mapped", "agreement", "fallback_share", "label_logprob", "changed")


class Stats:
    """Per-clip statistics of every (eval set, metric, arm, seed), and what is unavailable."""

    def __init__(self, sets: dict[str, EvalSetRuns], base: str):
        self.sets = sets
        self.by: dict[tuple[str, str, str], list[np.ndarray]] = {}
        self.unavailable: dict[str, dict[str, str]] = {name: {} for name in sets}
        self.arm_unavailable: dict[tuple[str, str, str], str] = {}  # one arm's runs lack a measure
        self._captions([es for es in sets.values() if es.task == "caption"])
        for es in sets.values():
            if es.task != "caption":
                self._retention(es)
            self._per_clip(es, base)

    def _per_clip(self, es: EvalSetRuns, base: str) -> None:
        """The teacher-forced measures and the changed-answer share, where they can be had."""
        metric = "ref_loglik" if es.task == "caption" else "label_logprob"
        field = TEACHER_FORCED[metric]
        why = "not computed: made without teacher forcing (adcacc infer --teacher-forced)"
        for arm, reps in es.rows.items():
            if not all(field in r for rows in reps for r in rows):
                self.arm_unavailable[es.name, metric, arm] = f"runs of {arm!r} {why}"
                continue
            for rows in reps:
                values = [_ref_loglik(r[field]) if es.task == "caption" else
                          _label_logprob(r[field], r["label"]) for r in rows]
                self.by.setdefault((es.name, metric, arm), []).append(np.array(values, dtype=float))
        if not any((es.name, metric, arm) in self.by for arm in es.rows):
            self.unavailable[es.name][metric] = f"runs {why}"
        if base not in es.rows:
            self.unavailable[es.name]["changed"] = f"no run of the base {base!r} to compare answers with"
            return
        base_answers = [r["prediction"].strip() for r in es.rows[base][0]]
        for arm, reps in es.rows.items():
            for rows in reps:
                changed = [r["prediction"].strip() != b for r, b in zip(rows, base_answers)]
                self.by.setdefault((es.name, "changed", arm), []).append(np.array(changed, dtype=float))

    def _captions(self, caption_sets: list[EvalSetRuns]) -> None:
        from adcacc.evals.scoring.caption_metrics import score_caption_runs

        keys = [(es, arm, rows) for es in caption_sets for arm, reps in es.rows.items() for rows in reps]
        if not keys:
            return
        print(f"[compare] scoring {len(keys)} captioning run(s) in one scorer session")
        scored = score_caption_runs([([r["prediction"] for r in rows], [r["references"] for r in rows])
                                     for _, _, rows in keys])
        for (es, arm, _), sc in zip(keys, scored):
            for metric, stats in sc.stats.items():
                self.by.setdefault((es.name, metric, arm), []).append(stats)
            self.unavailable[es.name].update(sc.unavailable)

    def _retention(self, es: EvalSetRuns) -> None:
        from adcacc.evals.scoring.retention import score_retention

        for arm, reps in es.rows.items():
            for run, rows in zip(es.runs[arm], reps):
                preds = score_retention(rows, es.task, run.path)["predictions"]
                mapped = np.array([p["correct_mapped"] for p in preds], dtype=float)
                strict = np.array([p["correct_strict"] for p in preds], dtype=float)
                fallback = np.array([p["rule"] == "embedding" for p in preds], dtype=float)
                for metric, values in zip(RETENTION_METRICS, (strict, mapped, strict == mapped, fallback)):
                    self.by.setdefault((es.name, metric, arm), []).append(values.astype(float))

    def metrics(self, eval_set: str) -> list[str]:
        """The eval set's metrics in table order, the unavailable ones included."""
        known = CAPTION_METRICS if self.sets[eval_set].task == "caption" else RETENTION_METRICS
        return [m for m in known
                if m in self.unavailable[eval_set] or any((eval_set, m, a) in self.by for a in self.sets[eval_set].rows)]


class Estimates:
    """Per-seed values and resampled values of an arm on one eval set or the mean of several."""

    def __init__(self, stats: Stats, resampler: Resampler):
        self.stats, self.resampler = stats, resampler
        self._boot: dict[tuple[str, str, str], np.ndarray] = {}

    def of(self, sets: list[str], metric: str, arm: str) -> tuple[list[float], np.ndarray] | str:
        """(per-seed values, resampled means), or why it cannot be computed."""
        per_seed, boots = [], []
        for s in sets:
            if metric in self.stats.unavailable[s]:
                return self.stats.unavailable[s][metric]
            seeds = self.stats.by.get((s, metric, arm))
            if (s, metric, arm) in self.stats.arm_unavailable:
                return self.stats.arm_unavailable[s, metric, arm]
            if seeds is None:
                return f"no run of arm {arm!r} on eval set {s!r}"
            n = len(seeds[0])
            score = partial(pooled_score, metric)
            per_seed.append([float(score(x.reshape(n, -1).sum(axis=0), n)) for x in seeds])
            if (s, metric, arm) not in self._boot:
                self._boot[s, metric, arm] = self.resampler.values(s, arm, seeds, score)
            boots.append(self._boot[s, metric, arm])
        return np.mean(per_seed, axis=0).tolist(), np.mean(boots, axis=0)


def _ref_loglik(scores: list[list[float]]) -> float:
    """Mean over a clip's references of their per-token log-likelihood."""
    return float(np.mean([lp / n for lp, n in scores]))


def _label_logprob(scores: dict[str, float], label: str) -> float:
    """log P(correct label | the allowed labels): its score, normalised over the label set."""
    values = np.array(list(scores.values()), dtype=float)
    top = values.max()
    return float(scores[label] - (top + np.log(np.exp(values - top).sum())))


def _paired_effects(a: list[float], b: list[float]) -> list[float] | None:
    """Per-seed effects where seeds pair: same count, or one side a single run (the base)."""
    if len(a) == len(b):
        return [x - y for x, y in zip(a, b)]
    if len(b) == 1 or len(a) == 1:
        return [x - y for x in a for y in b]
    return None


def value_record(est: Estimates, sets: list[str], metric: str, arm: str) -> dict:
    """An arm's per-seed values, their mean and its 95% CI; or why it is unavailable."""
    got = est.of(sets, metric, arm)
    if isinstance(got, str):
        return {"arm": arm, "metric": metric, "unavailable": got}
    per_seed, boot = got
    return {"arm": arm, "metric": metric, "per_seed": per_seed, "mean": float(np.mean(per_seed)),
            "ci": list(interval(boot))}


def _delta(est: Estimates, sets: list[str], metric: str, a: str, b: str) -> tuple[dict, np.ndarray | None]:
    """The delta record and the resampled effects (None where unavailable)."""
    got_a, got_b = est.of(sets, metric, a), est.of(sets, metric, b)
    rec = {"a": a, "b": b, "metric": metric}
    for got in (got_a, got_b):
        if isinstance(got, str):
            return {**rec, "unavailable": got}, None
    (seeds_a, boot_a), (seeds_b, boot_b) = got_a, got_b
    effects = boot_a - boot_b
    return {**rec, "per_seed_a": seeds_a, "per_seed_b": seeds_b, "per_seed": _paired_effects(seeds_a, seeds_b),
            "delta": float(np.mean(seeds_a) - np.mean(seeds_b)), "ci": list(interval(effects))}, effects


def delta_record(est: Estimates, sets: list[str], metric: str, a: str, b: str) -> dict:
    """metric(a) - metric(b): per-seed values of both, per-seed effects, mean and 95% CI."""
    return _delta(est, sets, metric, a, b)[0]


def _claim_record(est: Estimates, claim: Claim, sets: list[str]) -> dict:
    """The claim's effect and verdict, its bootstrap p-value (and which verdict that p-value
    decides) and the smallest effect the design could detect (adcacc.evals.comparison.verdicts)."""
    delta, effects = _delta(est, sets, claim.metric, claim.a, claim.b)
    rec = {"id": claim.id, "text": claim.text, "role": claim.role, "metric": claim.metric,
           "eval_set": claim.eval_set, "eval_sets": sets, "direction": claim.direction, "margin": claim.margin,
           **delta}
    if effects is None:
        return {**rec, "verdict": f"unavailable ({rec['unavailable']})"}
    return _judged(rec, claim, effects)


def _judged(rec: dict, claim: Claim, effects: np.ndarray) -> dict:
    """`rec` with the claim's verdict from its CI, its bootstrap p-value (and which verdict
    that p-value decides) and the smallest effect the design could detect."""
    rec["verdict"] = verdict(claim.direction, *rec["ci"], claim.margin)
    rec["p"], rec["p_decides"] = p_value(claim.direction, effects, claim.margin)
    rec["detectable"] = detectable(claim.direction, effects)
    return rec


def _chance_gates(est: Estimates, sets: dict[str, EvalSetRuns], base_gates: list[Claim]) -> list[dict]:
    """Beside each base-vs-majority-class gate on a retention proxy, the twice-chance check
    (adcacc.evals.comparison.verdicts.twice_chance): the base's strict accuracy minus twice chance, with the
    base's CI."""
    records = []
    for g in base_gates:
        es = sets.get(g.eval_set)
        got = est.of([g.eval_set], "accuracy_strict", g.a) if es is not None and es.task != "caption" else ""
        if isinstance(got, str):
            continue
        (per_seed, boot), (check, floor) = got, twice_chance(g, es.task)
        rec = {"id": check.id, "role": check.role, "metric": check.metric, "text": check.text,
               "eval_set": check.eval_set, "eval_sets": [check.eval_set], "direction": check.direction,
               "margin": check.margin, "a": check.a, "b": check.b, "per_seed": [float(v - floor) for v in per_seed],
               "delta": float(np.mean(per_seed) - floor), "ci": list(interval(boot - floor))}
        records.append(_judged(rec, check, boot - floor))
    return records


def _void_unsupported(verdicts: list[dict], gates: list[dict], base: str) -> None:
    """Read each finding against the instrument checks, in place.

    VOID: an arm the claim compares failed its own precondition (a gate "arm beats the base on
    its own task" that does not hold): the treatment did not happen, so the claim tests nothing.
    Also VOID: the base failed a precondition on an eval set the claim reads (it does not beat
    the trivial baseline or twice chance there): it has nothing to lose on that task, so no
    loss can be measured there; claims on the other sets still stand (`comparison()["void"]`
    lists the failed base gates for the report's banner).
    UNSUPPORTED: a positive control on the same metric and an eval set the claim reads did not
    hold, so that measure was not shown able to move and cannot carry "keeps" or "forgets"."""
    failed_arms: dict[str, list[str]] = {}
    failed_sets: dict[str, list[str]] = {}
    for g in (g for g in gates if g["verdict"] != "holds"):
        if g["a"] != base:
            failed_arms.setdefault(g["a"], []).append(g["id"])
        for name in g["eval_sets"] if g["a"] == base else ():
            failed_sets.setdefault(name, []).append(g["id"])
    controls = [c for c in verdicts if c["role"] == "control" and c["verdict"] != "holds"]
    for rec in verdicts:
        if rec["role"] != "claim":
            continue
        void = [f"{arm}: precondition {gid} did not hold" for arm in (rec["a"], rec["b"])
                for gid in failed_arms.get(arm, [])]
        void += [f"{base}: precondition {gid} did not hold" for name in rec["eval_sets"]
                 for gid in failed_sets.get(name, [])]
        unsupported = [f"positive control {c['id']} did not move {c['metric']}" for c in controls
                       if c["metric"] == rec["metric"] and set(c["eval_sets"]) & set(rec["eval_sets"])]
        reasons = void or unsupported
        if reasons:
            rec["void" if void else "unsupported"] = reasons
            rec["verdict"] = ("VOID" if void else "unsupported") + f" ({'; '.join(reasons)})"
            rec.pop("p", None)


def seeds_record(arms: dict[str, list[Path]]) -> dict:
    """How many seeds were trained, that they are paired, and how few seed draws that allows."""
    per_arm = {arm: len(folders) for arm, folders in arms.items()}
    n = max(per_arm.values())
    note = (f"{n} training seed(s) per trained arm, paired across arms by seed index. Drawing {n} seeds with "
            f"replacement gives only {distinct_multisets(n)} distinct seed multiset(s), so the seed part of "
            "each interval rests on that few distinct resamples of the models"
            + (": with so few seeds the intervals are rough; more seeds would firm them up." if n > 1 else
               ": the intervals cover clip variation only, not a new training seed."))
    return {"per_arm": per_arm, "n": n, "paired": True, "distinct_multisets": distinct_multisets(n), "note": note}


def _examples(es: EvalSetRuns, k: int) -> list[dict]:
    """The same k clips (evenly spaced in the base's order) with each arm's first-seed caption."""
    n = len(es.ids)
    picks = sorted({round(i * (n - 1) / max(1, k - 1)) for i in range(min(k, n))})
    return [{"id": es.ids[i], "reference": es.rows[next(iter(es.rows))][0][i]["references"][0],
             "captions": {arm: reps[0][i]["prediction"] for arm, reps in es.rows.items()}} for i in picks]


def _check_request(arms: dict, contrasts, claims, sets: dict[str, EvalSetRuns]) -> dict:
    """Refuse contrasts and claims that name what is not compared, before anything is scored."""
    for a, b in contrasts:
        for arm in (a, b):
            if arm not in arms:
                raise InputError(None, f"contrast ({a}, {b}): no arm {arm!r} (arms: {', '.join(arms)})")
    tasks = {name: es.task for name, es in sets.items()}
    claim_sets = {}
    for claim in claims:
        claim_sets[claim.id] = check_claim(claim, list(arms), tasks)
        for s in claim_sets[claim.id]:
            known = CAPTION_METRICS if tasks[s] == "caption" else RETENTION_METRICS
            if claim.metric not in known:
                raise InputError(None, f"claim {claim.id!r}: metric {claim.metric!r} is not one of "
                                       f"eval set {s!r}'s ({', '.join(known)})")
    if len({c.id for c in claims}) != len(claims):
        raise InputError(None, "claims need distinct ids")
    return claim_sets


def comparison(arms: dict[str, list[Path]], base: str, contrasts: list[tuple[str, str]],
               claims: list[Claim], n_boot: int, seed: int, n_examples: int = 3,
               gates: list[Claim] = (), eval_sets: list[str] | None = None) -> dict:
    """The whole comparison as one JSON-ready dict (what comparison.json holds).

    `gates` are preconditions (e.g. the base model beats a trivial baseline): if one does not
    hold, "void" lists why, and the report says the claims test nothing. `eval_sets`, if
    given, are the only sets compared (see replicates.load)."""
    from adcacc.evals.comparison.paper_numbers import paper_entry

    sets, notes = load(arms, base, eval_sets)
    claim_sets = _check_request(arms, contrasts, [*claims, *gates], sets)
    stats = Stats(sets, base)
    est = Estimates(stats, Resampler(n_boot, seed, paired_seeds=True))
    pairs = [(a, base) for a in arms if a != base]
    pairs += [tuple(c) for c in contrasts if tuple(c) not in pairs]
    out_sets = {}
    for name, es in sets.items():
        metrics = stats.metrics(name)
        values = [value_record(est, [name], m, arm) for arm in arms for m in metrics]
        for rec in values:
            rec["paper"] = paper_entry(rec["arm"], es.loader, es.task, rec["metric"])
        out_sets[name] = {
            "task": es.task, "proxy": es.proxy, "n_clips": len(es.ids), "fingerprint": es.fingerprint,
            "arms_missing": [a for a in arms if a not in es.rows], "unavailable": stats.unavailable[name],
            "metrics": metrics, "values": values,
            "deltas": [delta_record(est, [name], m, a, b) for a, b in pairs for m in metrics],
            "examples": _examples(es, n_examples) if es.task == "caption" else []}
    gate_records = [_claim_record(est, g, claim_sets[g.id]) for g in gates]
    gate_records += _chance_gates(est, sets, [g for g in gates if g.a == base])
    verdicts = [_claim_record(est, c, claim_sets[c.id]) for c in claims]
    _void_unsupported(verdicts, gate_records, base)
    family = {**family_wise([r for r in verdicts if "void" not in r and "unsupported" not in r]),
              "n_controls": sum(c.role == "control" for c in claims), "n_gates": len(gate_records),
              "void_claims": [r["id"] for r in verdicts if "void" in r],
              "unsupported_claims": [r["id"] for r in verdicts if "unsupported" in r]}
    return {"base": base, "bootstrap": n_boot, "seed": seed, "seeds": seeds_record(arms), "family_wise": family,
            "gates": gate_records,
            "void": [f"{g['text']}: {g['verdict']}" for g in gate_records
                     if g["verdict"] != "holds" and g["a"] == base],
            "arms": {arm: [str(p) for p in folders] for arm, folders in arms.items()},
            "contrasts": [list(p) for p in pairs], "notes": notes,
            "verdicts": verdicts, "eval_sets": out_sets}


def compare_experiment(arms: dict[str, list[Path]], out: Path, *, base: str = "base",
                       contrasts: list[tuple[str, str]] = (), claims: list[Claim] = (),
                       n_boot: int = 1000, seed: int = 0, gates: list[Claim] = (),
                       eval_sets: list[str] | None = None, model: str | None = None) -> dict:
    """Compare arms (name -> replicate run folders, one per training seed) and write
    comparison.json (byte-identical for the same inputs and seed), comparison.md,
    comparison.csv, figures/*.png and a self-contained report.html into `out`. `model`: what
    the report says the arms were trained from (its family), when known."""
    from adcacc.evals.comparison.report_html import render_report
    from adcacc.evals.comparison.report_tables import comparison_csv, comparison_markdown

    if n_boot < 1:
        raise InputError(None, f"n_boot must be >= 1, got {n_boot}")
    result = comparison(arms, base, list(contrasts), list(claims), n_boot, seed, gates=list(gates),
                        eval_sets=eval_sets)
    if model:
        result["model"] = model
    # run folders relative to the report: the same experiment in another folder (or moved
    # with its report) gives the same comparison.json
    result["arms"] = {arm: [os.path.relpath(Path(p).resolve(), Path(out).resolve()) for p in folders]
                      for arm, folders in arms.items()}
    text = json.dumps(result, indent=1, ensure_ascii=False) + "\n"
    md, csv = comparison_markdown(result), comparison_csv(result)
    page, figures = render_report(result)  # everything computed before the first write
    with owned(out, "adcacc compare") as folder:
        for fname, png in figures.items():
            write_bytes(folder.path(f"figures/{fname}"), png)
        for name, body in (("comparison.csv", csv), ("comparison.md", md), ("report.html", page),
                           ("comparison.json", text)):
            folder.write_text(name, body)
    return result


def compare_runs(arm_dirs: list[Path], out: Path, names: list[str] | None = None,
                 n_boot: int = 1000, seed: int = 0) -> int:
    """`adcacc compare RUN...`: each RUN one arm with one replicate, the first the base."""
    names = names or [Path(d).name for d in arm_dirs]
    if len(names) != len(arm_dirs) or len(set(names)) != len(names):
        raise InputError(None, f"--names needs {len(arm_dirs)} distinct names, got {names}")
    if len(arm_dirs) < 2:
        raise InputError(None, "compare needs a base run and at least one arm")
    result = compare_experiment({n: [Path(d)] for n, d in zip(names, arm_dirs)}, out, base=names[0],
                                n_boot=n_boot, seed=seed)
    for note in result["notes"]:
        print(f"[compare] {note}")
    print((Path(out) / "comparison.md").read_text())
    print(f"[compare] wrote {out}/comparison.md, comparison.csv, comparison.json, report.html, figures/")
    return 0
