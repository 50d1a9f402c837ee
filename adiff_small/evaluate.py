"""`adcacc adiff eval`: per-tier captioning metrics of a checkpoint on released-layout CSVs.

Every row is explained with its tier's canonical prompt and scored against its answer by
`evals.captioning.score_captions` (BLEU-4, METEOR, ROUGE-L, CIDEr-D; SPICE/SPIDEr when
their artifacts exist, otherwise reported as unavailable with the reason).
"""
from __future__ import annotations

import json
from pathlib import Path

from tqdm import tqdm

from adiff_small import prompts
from adiff_small.data import Row
from adiff_small.embeddings import EmbeddingCache
from adiff_small.generate import Decoding, explain


def predict(model, rows: list[Row], dec: Decoding, batch_size: int = 16,
            progress: bool = True) -> list[str]:
    cache = EmbeddingCache(model)
    cache.fill([(p, r.where) for r in rows for p in (r.audio1, r.audio2)], progress)
    out = []
    for i in tqdm(range(0, len(rows), batch_size), desc="explaining", disable=not progress):
        batch = rows[i:i + batch_size]
        out += explain(model, cache.get([r.audio1 for r in batch]), cache.get([r.audio2 for r in batch]),
                       [prompts.canonical(r.task) for r in batch], dec)
    return out


def score_tiers(rows: list[Row], preds: list[str]) -> dict:
    """{tier: {"n", "scores", "unavailable"}} through the evals package."""
    from evals.captioning import score_captions

    result = {}
    for task in ("tier1", "tier2", "tier3"):
        idx = [i for i, r in enumerate(rows) if r.task == task]
        if not idx:
            continue
        scores, unavailable = score_captions([preds[i] for i in idx], [[rows[i].answer] for i in idx])
        result[task] = {"n": len(idx), "scores": scores, "unavailable": unavailable}
    return result


def write_report(out_dir: Path, rows: list[Row], preds: list[str], result: dict) -> None:
    from common.files import csv_text, write_text

    write_text(out_dir / "predictions.csv", csv_text(
        ["task", "filepath1", "filepath2", "reference", "prediction"],
        [[r.task, r.audio1, r.audio2, r.answer, p] for r, p in zip(rows, preds)]))
    write_text(out_dir / "metrics.json", json.dumps(result, indent=1) + "\n")


def format_table(results: dict[str, dict], metrics=("BLEU-4", "METEOR", "ROUGE-L", "CIDEr-D", "SPIDEr")) -> str:
    """Rows = model x tier; a metric that could not run shows 'n/a' and its reason once."""
    lines, reasons = [], {}
    for name, res in results.items():
        for task, r in res.items():
            if task == "grounding":
                lines.append(f"{name:<14} grounding: {r}")
                continue
            cells = [f"{m}={r['scores'][m]:.3f}" if m in r["scores"] else f"{m}=n/a" for m in metrics]
            lines.append(f"{name:<14} {task} (n={r['n']}): " + "  ".join(cells))
            reasons.update({m: why for m, why in r["unavailable"].items() if m in metrics})
    lines += [f"{m} unavailable: {why}" for m, why in reasons.items()]
    return "\n".join(lines)


def plot(out: Path, results: dict[str, dict], metric: str = "CIDEr-D") -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(results)
    tasks = sorted({t for r in results.values() for t in r if t.startswith("tier")})
    fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
    width = 0.8 / max(len(names), 1)
    for k, name in enumerate(names):
        vals = [results[name].get(t, {}).get("scores", {}).get(metric, float("nan")) for t in tasks]
        ax.bar([i + k * width for i in range(len(tasks))], vals, width, label=name)
    ax.set_xticks([i + width * (len(names) - 1) / 2 for i in range(len(tasks))], tasks)
    ax.set(ylabel=metric, title=f"{metric} per tier on held-out pairs")
    ax.legend()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
