"""The demo's numbers: every measurement of every arm with its CI, reference and verdict.

References: for label accuracy and direction the higher of chance and the majority baseline
(what always saying the training data's most frequent answer scores); zero for swap
consistency and for every difference (full vs its shuffled-audio control, vs the audio-blind
model, vs the ablation). The full model must also clear the models that do not listen: the
audio-blind model, and for the forced choice (chance shown for reading only) itself under
shuffled audio (_clear_every_reference).
"""
from __future__ import annotations

import numpy as np

from adcacc.adiff_small.demo import listening
from adcacc.adiff_small.demo.verdicts import difference, estimate, verdict
from adcacc.evals.comparison.bootstrap import Resampler

Measured = dict[str, list[dict[str, np.ndarray]]]  # arm -> per seed -> measure -> outcomes


def item_set(measure: str) -> str:
    """Measures on the same held-out items share one pair draw (paired differences)."""
    if measure.startswith("forced choice"):
        return "forced choice"
    if measure.startswith(("label", "swap")):
        return "tier-1 label pairs"
    return measure


def reference(measure: str, baselines: dict) -> tuple[str, float]:
    """(name, value) that an estimate must exceed."""
    if measure.startswith("forced choice"):
        kind = measure.split()[2].rstrip(",")
        return "chance", round(listening.CHANCE[kind], 3)
    base = baselines.get(measure)
    if base is None:
        return "zero", 0.0
    return max(((k, v) for k, v in base.items()), key=lambda kv: kv[1])


def build(measured: Measured, baselines: dict, control: str, ablation: str,
          n_boot: int = 2000, seed: int = 0, clips: dict[str, list[tuple[str, str]]] | None = None) -> dict[str, list[dict]]:
    """{"estimates": [...], "differences": [...]} with CIs and verdicts. `clips` (item set ->
    each item's two clips, outcomes.item_clips) makes the bootstrap resample clips rather
    than pairs: pairs that share a clip are not independent."""
    rs = Resampler(n_boot, seed)
    for items, members in (clips or {}).items():
        rs.cluster(items, members)
    jobs = [(arm, m) for arm, runs in measured.items() for m in runs[0]]
    contrasts = [pair for m in measured["full"][0] for pair in _contrasts(measured, m, control, ablation)]
    family = len(jobs) + len(contrasts)  # every interval the report prints
    wide = "ci_family" if family > 1 else "ci95"  # the simultaneous interval (verdicts._intervals)
    est = []
    for arm, m in jobs:
        r = estimate(rs, item_set(m), arm, [run[m] for run in measured[arm]], family)
        name, ref = reference(m, baselines)
        est.append({"arm": arm, "measure": m, **r, "reference": {name: ref}, "verdict": verdict(r, ref, name),
                    "verdict_family": verdict(r, ref, name, wide)})
    diffs = []
    for (a, ma), (b, mb) in contrasts:
        r = difference(rs, item_set(ma), (a, [x[ma] for x in measured[a]]), (b, [x[mb] for x in measured[b]]), family)
        diffs.append({"a": f"{a}: {ma}", "b": f"{b}: {mb}", **r, "verdict": verdict(r, 0.0, "zero"),
                      "verdict_family": verdict(r, 0.0, "zero", wide)})
    for key in ("verdict", "verdict_family"):
        _clear_every_reference(est, diffs, control, key)
    return {"estimates": est, "differences": diffs, "family": family}


def _contrasts(measured: Measured, m: str, control: str, ablation: str) -> list[tuple[tuple[str, str], tuple[str, str]]]:
    """The differences formed for the full model's measure `m`: against the audio-blind model
    and the ablation, and a matched-audio condition against its shuffled-audio control."""
    pairs = [(("full", m), (other, m)) for other in (control, ablation) if m in measured[other][0]]
    if m.endswith(", matched audio") and m.replace("matched", "shuffled") in measured["full"][0]:
        pairs.append((("full", m), ("full", m.replace("matched", "shuffled"))))
    return pairs


def _clear_every_reference(est: list[dict], diffs: list[dict], control: str, key: str = "verdict") -> None:
    """In place: the full model's "shown" must clear the best of chance, the majority answer
    and the models that do not listen. A measured condition of the full model is shown only
    if its paired difference from the audio-blind model (and, for the forced choice, from
    itself under shuffled audio, which scores the language model's prior) is shown too; the
    forced choice is judged by those differences, not by chance. And "full beats audio-blind"
    is not shown where the full model itself does not clear its reference (a blind model
    below a constant guesser proves nothing)."""
    full = {r["measure"]: r for r in est if r["arm"] == "full"}
    for m, r in full.items():
        if "unavailable" in r or m.endswith((", shuffled audio", ", swapped audio", " shape")):
            continue  # controls themselves; and the tier's shape is about following the prompt, not hearing
        against = [d for d in diffs if d["a"] == f"full: {m}"
                   and (d["b"].startswith(f"{control}:") or d["b"].endswith(", shuffled audio"))]
        failed = [d["b"] for d in against if d[key] != "shown"]
        r["judged_against"] = [d["b"] for d in against]
        if m.startswith("forced choice"):
            why = f"not clear of {'; '.join(failed)}" if against else "no control to judge it against"
            r[key] = "shown" if against and not failed else f"not shown ({why})"
        elif r[key] == "shown" and failed:
            r[key] = f"not shown (not clear of {'; '.join(failed)})"
    for d in diffs:
        arm, _, m = d["a"].partition(": ")
        base = full.get(m)
        if (arm == "full" and d["b"].startswith(f"{control}:") and d[key] == "shown" and base
                and not m.startswith("forced choice") and base[key] != "shown"):
            (name, ref), = base["reference"].items()
            d[key] = f"not shown (full itself does not clear {name} {ref:.3g})"


def _ci(r: dict) -> str:
    if "unavailable" in r:
        return f"unavailable ({r['unavailable']})"
    seeds = "/".join(f"{v:.2f}" for v in r.get("per_seed", []))
    return f"{r['value']:.3f} [{r['ci95'][0]:.3f}, {r['ci95'][1]:.3f}]" + (f" seeds {seeds}" if seeds else "")


def format_report(report: dict, n_seeds: int) -> str:
    k = report.get("family", 1)
    lines = [f"95% CIs: bootstrap over {n_seeds} training seeds and the held-out clips (pairs sharing a clip "
             "are drawn together; adcacc.evals.comparison.bootstrap)",
             f"{k} intervals reported; family-wise: each also at {100 * (1 - 0.05 / k):.2f}% (Bonferroni), so "
             "that all hold together 95% of the time"]
    for r in report["estimates"]:
        (name, ref), = r["reference"].items()
        lines.append(f"{r['arm']:<24} {r['measure']:<46} n={r['n']:<3} {_ci(r)}  vs {name} {ref:.3f}: "
                     f"{r['verdict']}{_family(r)}")
    lines.append("differences (paired on held-out clips):")
    for r in report["differences"]:
        lines.append(f"  [{r['a']}] - [{r['b']}] n={r['n']}: {_ci(r)}: {r['verdict']}{_family(r)}")
    return "\n".join(lines)


def _family(r: dict) -> str:
    if "ci_family" not in r:
        return ""
    low, high = r["ci_family"]
    return f"; family-wise [{low:.3f}, {high:.3f}]: {r['verdict_family']}"
