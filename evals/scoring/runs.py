"""Score one run folder: captioning metrics or retention accuracy, chosen from its run.json.

`score_run` is what `adcacc eval captions|retention` and the experiment runner call. It reads
and validates the run, refuses a partial run (fewer clips than run.json promises) unless told
otherwise, computes everything, and only then writes `<kind>.json` and `<kind>.md` to `out`.
"""
from __future__ import annotations

from pathlib import Path

from adcacc.common.errors import InputError
from adcacc.common.owned_dir import owned
from adcacc.common.report_files import markdown_table, skipped_note, write_report
from adcacc.evals.inference.predictions import Run, read_predictions
from adcacc.evals.scoring.caption_metrics import score_captions_detailed
from adcacc.evals.sets.tasks import CAPTION

KINDS = {"captions": "references", "retention": "label"}  # report kind -> field each row needs


def run_kind(run: Run) -> str:
    """"captions" or "retention": from run.json's task, else from the rows' fields."""
    task = run.meta.get("eval_set", {}).get("task")
    if task is not None:
        return "captions" if task == CAPTION else "retention"
    return "captions" if "references" in run.rows[0] else "retention"


def score_run(run_dir: Path, out: Path, *, task: str | None = None, kind: str | None = None,
              allow_partial: bool = False) -> dict:
    """Score the run in `run_dir` (or a bare predictions file) into `out`; returns the payload.

    `task` forces the retention task (default: run.json, else the labels); `kind` ("captions"
    or "retention") is what the caller expects, refused if the run is the other kind.
    """
    run = read_predictions(run_dir)
    found = run_kind(run)
    if kind is not None and kind != found:
        raise InputError(run.path, f"is a {found} run; use `adcacc eval {found}`")
    run = read_predictions(run_dir, need=KINDS[found])
    partial = _partial(run, allow_partial)
    if found == "captions":
        payload, md = caption_report(run)
    else:
        from adcacc.evals.scoring.retention import retention_report

        payload, md = retention_report(run, task)
    if partial:
        payload["partial"] = partial
        md += (f"\nPARTIAL RUN: {partial['scored']} of the {partial['expected']} clips run.json "
               "promises are scored; finish the run with the same `adcacc infer` call.\n")
    with owned(out, "adcacc eval"):
        write_report(out, found, payload, md)
    return payload


def _partial(run: Run, allow: bool) -> dict | None:
    """{"expected", "scored"} when the run holds fewer clips than run.json promises."""
    expected = run.meta.get("eval_set", {}).get("n_items")
    if expected is None or len(run.rows) >= expected:
        return None
    if not allow:
        raise InputError(run.path, f"partial run: {len(run.rows)} of the {expected} clips in run.json "
                                   "have predictions; rerun the same `adcacc infer` call to finish it "
                                   "(or pass --allow-partial to score what is there)")
    return {"expected": expected, "scored": len(run.rows)}


def caption_report(run: Run) -> tuple[dict, str]:
    """Score a validated captioning Run; return the JSON payload and its Markdown table."""
    rows = run.rows
    scores = score_captions_detailed([r["prediction"] for r in rows], [r["references"] for r in rows])
    payload = {
        "eval_set": run.eval_set,
        "n_items": len(rows),
        "metrics": scores.corpus,
        "unavailable": scores.unavailable,
        "empty_predictions": run.empty_ids,
        "skipped_clips": run.meta.get("skipped", []),
        "item_scores": {r["id"]: {m: v[i] for m, v in scores.items.items()} for i, r in enumerate(rows)},
    }
    names = list(scores.corpus) + list(scores.unavailable)
    md = f"# Captioning metrics: {run.eval_set} ({len(rows)} clips)\n\n"
    md += markdown_table(["metric", "score"], [[n, scores.corpus.get(n, "unavailable")] for n in names])
    if scores.unavailable:
        md += "\nUnavailable metrics (not computed, not zero):\n\n"
        md += "".join(f"- {n}: {why}\n" for n, why in scores.unavailable.items())
    if run.empty_ids:
        md += f"\n{len(run.empty_ids)} empty prediction(s) were scored as given (e.g. {run.empty_ids[:3]}).\n"
    return payload, md + skipped_note(run.meta.get("skipped", []))
