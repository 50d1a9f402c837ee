"""Retention scoring: answers mapped to labels, accuracy, per-class recall, confusion matrix.

Two accuracies per run: strict (the answer names the label or a listed synonym; anything else
is wrong) and mapped (the embedding fallback may also credit an off-format answer), with their
agreement: the share of clips on which the two verdicts are the same. Per clip, `correct_strict`
and `correct_mapped` let `compare` bootstrap both. The share of answers that needed the
fallback is reported too: a high share means the model stopped answering in the label
vocabulary (itself a sign of forgetting). Recall and confusion use the mapped labels.
"""
from __future__ import annotations

from collections import Counter

from adcacc.common.report_files import markdown_table, skipped_note
from adcacc.evals.scoring.label_mapping import map_answers
from adcacc.evals.sets.tasks import TASK_LABELS, TASK_NAMES


def run_task(run) -> str:
    """The retention task of a run (from run.json, else inferred from its labels)."""
    from adcacc.common.errors import InputError

    task = run.meta.get("eval_set", {}).get("task")
    if task in TASK_LABELS:
        return task
    if task == "caption":
        raise InputError(run.path, "is a captioning run; use `adcacc eval captions`")
    labels = {r["label"] for r in run.rows}
    matches = [t for t, allowed in TASK_LABELS.items() if labels <= set(allowed)]
    if len(matches) != 1:
        raise InputError(run.path, f"cannot tell the retention task from labels {sorted(labels)[:5]}; "
                                   "pass --task")
    return matches[0]


def score_retention(rows: list[dict], task: str, source=None) -> dict:
    """Accuracy etc. over rows with `prediction` and `label`; adds the mapping per row."""
    from adcacc.common.errors import InputError

    for n, row in enumerate(rows, start=1):
        if row["label"] not in TASK_LABELS[task]:
            raise InputError(source, f"label {row['label']!r} is not a {task.upper()} label "
                                     f"({', '.join(TASK_LABELS[task])}): predictions of another eval set?", row=n)
    mapped = map_answers([r["prediction"] for r in rows], task)
    labels = list(TASK_LABELS[task])
    confusion = {t: {p: 0 for p in labels + ["(none)"]} for t in labels}
    per_row, correct, strict = [], [], []
    for row, m in zip(rows, mapped):
        confusion[row["label"]][m.label or "(none)"] += 1
        correct.append(m.label == row["label"])
        strict.append(m.strict_label == row["label"])
        per_row.append({"id": row["id"], "label": row["label"], "prediction": row["prediction"],
                        "mapped": m.label, "rule": m.rule, "similarity": m.score,
                        "correct_mapped": correct[-1], "correct_strict": strict[-1]})
    support = Counter(r["label"] for r in rows)
    rules = Counter(m.rule for m in mapped)
    n = len(rows)
    return {
        "task": task,
        "n_items": n,
        "accuracy_mapped": sum(correct) / n,
        "accuracy_strict": sum(strict) / n,
        "strict_mapped_agreement": sum(a == b for a, b in zip(strict, correct)) / n,
        "per_class_recall": {lab: confusion[lab][lab] / support[lab] for lab in labels if support[lab]},
        "support": {lab: support[lab] for lab in labels if support[lab]},
        "confusion": confusion,
        "rules": dict(sorted(rules.items())),
        "fallback_share": rules["embedding"] / n,
        "predictions": per_row,
    }


def retention_report(run, task: str | None = None) -> tuple[dict, str]:
    task = task or run_task(run)
    result = score_retention(run.rows, task, run.path)
    proxy = bool(run.meta.get("eval_set", {}).get("proxy"))
    name = run.eval_set + (" (PROXY set from the embedded corpus, not the paper's benchmark)" if proxy else "")
    notes = run.meta.get("notes", [])
    payload = {"eval_set": run.eval_set, "proxy": proxy, "skipped_clips": run.meta.get("skipped", []),
               "empty_predictions": run.empty_ids, "prompt": run.meta.get("prompt"), "notes": notes,
               **result}
    md = f"# Retention: {TASK_NAMES[task]} on {name}\n\n"
    md += markdown_table(["accuracy (mapped)", "fallback share", "items", "accuracy (strict)",
                          "strict/mapped agreement"],
                         [[result["accuracy_mapped"], result["fallback_share"], result["n_items"],
                           result["accuracy_strict"], result["strict_mapped_agreement"]]])
    md += ("\nStrict: the answer names the label or a listed synonym; mapped: an embedding "
           "fallback may also credit other answers.\n")
    md += "\n## Per-class recall\n\n" + markdown_table(
        ["class", "recall", "support"],
        [[lab, rec, result["support"][lab]] for lab, rec in result["per_class_recall"].items()])
    cols = [c for c in TASK_LABELS[task] + ("(none)",)]
    md += "\n## Confusion matrix (rows: true, columns: mapped answer)\n\n" + markdown_table(
        ["true \\ mapped"] + cols,
        [[t] + [result["confusion"][t][c] for c in cols] for t in result["support"]])
    md += "\nMapping rules used: " + ", ".join(f"{k} {v}" for k, v in result["rules"].items()) + "\n"
    md += "".join(f"\nNote: {n}\n" for n in notes)
    return payload, md + skipped_note(run.meta.get("skipped", []))
