"""`adcacc adiff eval`: per-tier captioning metrics of a checkpoint on released-layout CSVs.

Every row is explained with its tier's canonical prompt under a named decoding protocol
and scored against its answer by `adcacc.evals.scoring.caption_metrics.score_captions` (BLEU-1..4, METEOR,
ROUGE-L, CIDEr-D; SPICE/SPIDEr when their artifacts exist, otherwise reported as
unavailable with the reason), per dataset, split and tier, next to the paper's numbers.
A row whose audio cannot be read (e.g. a silent clip, which our mono reading refuses) is
skipped and named in skipped.csv, so one clip does not cost the run's other rows.
"""
from __future__ import annotations

import json
from pathlib import Path

from tqdm import tqdm

from adcacc.adiff_small import paper_numbers, prompts
from adcacc.adiff_small.data import Row
from adcacc.adiff_small.embeddings import EmbeddingCache
from adcacc.adiff_small.generate import Decoding, explain
from adcacc.common.errors import InputError
from adcacc.common.files import csv_text
from adcacc.common.owned_dir import Owned, owned

# "paper": top-k 3 / top-p 0.8 sampling (paper section 3.4 and appendix N), seeded; 300 new
# tokens as the release's generate loop (tier-3 references average about 190 words).
# "greedy": the release wrapper's and the leaderboard's decoding.
PROTOCOLS = ("paper", "greedy")


def protocol_decoding(protocol: str, seed: int = 0, max_new_tokens: int = 300) -> Decoding:
    if protocol == "paper":
        return Decoding("sample", top_k=3, top_p=0.8, max_new_tokens=max_new_tokens, seed=seed)
    if protocol == "greedy":
        return Decoding("greedy", max_new_tokens=max_new_tokens, seed=seed)
    raise ValueError(f"unknown protocol {protocol!r} (choose {' or '.join(PROTOCOLS)})")


def predict(model, rows: list[Row], dec: Decoding, batch_size: int = 16,
            progress: bool = True, cache: EmbeddingCache | None = None) -> list[str]:
    cache = cache or EmbeddingCache(model)
    cache.fill(_clips(rows), progress)
    out = []
    for i in tqdm(range(0, len(rows), batch_size), desc="explaining", disable=not progress):
        batch = rows[i:i + batch_size]
        out += explain(model, cache.get([r.audio1 for r in batch]), cache.get([r.audio2 for r in batch]),
                       [prompts.canonical(r.task) for r in batch], dec)
    return out


def _clips(rows: list[Row]) -> list[tuple[Path, str]]:
    return [(p, r.where) for r in rows for p in (r.audio1, r.audio2)]


def usable_rows(model, rows: list[Row], progress: bool) -> tuple[list[Row], EmbeddingCache, list[list[str]]]:
    """The rows whose two clips the model can read, their filled cache, and one record
    [clip, where named, problem] per clip it cannot (InputError if no row is left)."""
    cache = EmbeddingCache(model)
    cache.fill(_clips(rows), progress, skip_unusable=True)
    usable = [r for r in rows if r.audio1 not in cache.skipped and r.audio2 not in cache.skipped]
    skipped = [[str(p), where, problem] for p, (where, problem) in cache.skipped.items()]
    if not usable:
        raise InputError(skipped[0][1], f"{skipped[0][0]}: {skipped[0][2]}; no row has usable audio")
    return usable, cache, skipped


def score_tiers(rows: list[Row], preds: list[str], by_source: bool = False) -> dict:
    """{tier: {"n", "scores", "unavailable"}} through the evals package; with `by_source`
    the keys are "<dataset>_<split> <tier>" for rows of released-layout files."""
    from adcacc.evals.scoring.caption_metrics import score_captions

    groups: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        if r.task.startswith("tier"):
            key = f"{r.dataset}_{r.split} {r.task}" if by_source and r.dataset else r.task
            groups.setdefault(key, []).append(i)
    result = {}
    for key in sorted(groups):
        idx = groups[key]
        scores, unavailable = score_captions([preds[i] for i in idx], [[rows[i].answer] for i in idx])
        result[key] = {"n": len(idx), "scores": scores, "unavailable": unavailable}
    return result


def combine_seeds(per_seed: list[dict]) -> dict:
    """One `score_tiers` result per sampling seed -> the mean of each metric, with its
    per-seed values and range (one seeded sample has no spread; issue 24 item 5)."""
    out = {}
    for key, first in per_seed[0].items():
        values = {m: [g[key]["scores"][m] for g in per_seed] for m in first["scores"]}
        out[key] = {"n": first["n"], "scores": {m: sum(v) / len(v) for m, v in values.items()},
                    "per_seed": values, "range": {m: [min(v), max(v)] for m, v in values.items()},
                    "unavailable": first["unavailable"]}
    return out


def with_paper(result: dict, protocol: str, training: str = "acd_cld") -> dict:
    """Adds "paper" (the paper's scores for the same dataset, split, tier, protocol and
    checkpoint training, or None) and "paper_source" to each group of a
    `score_tiers(..., by_source=True)` result."""
    for key, r in result.items():
        source, _, task = key.rpartition(" ")
        dataset, _, split = source.partition("_")
        r["paper"] = (paper_numbers.paper_scores(protocol, dataset, split, int(task[-1]), training)
                      if source else None)
        r["paper_source"] = paper_numbers.SOURCE[paper_numbers.table_key(protocol, training)] if r["paper"] else None
    return result


def format_paper_table(result: dict, protocol: str) -> str:
    """One line per group and metric: ours next to the paper's (or why it is missing)."""
    lines = [f"protocol: {protocol}"]
    for key, r in result.items():
        lines.append(f"{key} (n={r['n']})" + ("" if r.get("paper") else ": the paper reports no number here"))
        for m in paper_numbers.COLUMNS:
            ours = f"{r['scores'][m]:.3f}" if m in r["scores"] else f"unavailable ({r['unavailable'].get(m, 'not computed')})"
            if m in r.get("range", {}) and len(r["per_seed"][m]) > 1:
                lo, hi = r["range"][m]
                ours += f" (range {lo:.3f}-{hi:.3f} over {len(r['per_seed'][m])} seeds)"
            paper = f"   paper {r['paper'][m]:.3f}" if r.get("paper") else ""
            lines.append(f"  {m:<8} {ours}{paper}")
    sources = {r["paper_source"] for r in result.values() if r.get("paper_source")}
    lines += [f"paper numbers: {s}" for s in sorted(sources)]
    return "\n".join(lines)


def evaluate_checkpoint(ckpt: str, data_paths: list[str], audio_roots: list[str], out: Path, *,
                        split: str | None = None, max_rows: int | None = None, protocol: str = "paper",
                        seed: int = 0, max_new_tokens: int = 300, batch_size: int = 16,
                        progress: bool = True, trust: bool = False, n_seeds: int = 3, device: str = "cpu") -> dict:
    """Explain and score every tier row of the CSVs into `out` (claimed before the long work,
    so a folder that is not ours is refused at once); returns what metrics.json holds:
    protocol, decoding, "seeds", "groups" (the scored groups: under the sampling protocol the
    mean over `n_seeds` seeds from `seed` on, with each seed's value and the range), "rows" and
    "skipped" (rows without usable audio, their clips in skipped.csv). Greedy decoding is
    deterministic, so it runs once."""
    from dataclasses import asdict

    from adcacc.adiff_small import checkpoint, data

    with owned(out, "adcacc adiff eval") as folder:
        model, _ = checkpoint.load_model(ckpt, trust, device)
        rows = [r for r in data.load_split(data_paths, audio_roots, split, max_rows) if r.task.startswith("tier")]
        seeds = [seed + k for k in range(n_seeds if protocol == "paper" else 1)]
        usable, cache, skipped = usable_rows(model, rows, progress)
        preds = {s: predict(model, usable, protocol_decoding(protocol, s, max_new_tokens), batch_size, progress, cache)
                 for s in seeds}
        training = paper_numbers.training_of(checkpoint.read_state(checkpoint.resolve(ckpt)))
        groups = combine_seeds([score_tiers(usable, preds[s], by_source=True) for s in seeds])
        report = {"protocol": protocol, "training": training, "seeds": seeds,
                  "decoding": asdict(protocol_decoding(protocol, seed, max_new_tokens)),
                  "groups": with_paper(groups, protocol, training),
                  "rows": len(rows), "skipped": len(rows) - len(usable)}
        _write_report(folder, usable, preds, skipped, report)
    return report


def _write_report(folder: Owned, rows: list[Row], preds: dict[int, list[str]], skipped: list[list[str]],
                  report: dict) -> None:
    folder.write_text("predictions.csv", csv_text(
        ["seed", "task", "filepath1", "filepath2", "reference", "prediction"],
        [[s, r.task, r.audio1, r.audio2, r.answer, p] for s, ps in preds.items() for r, p in zip(rows, ps)]))
    folder.write_text("skipped.csv", csv_text(["clip", "named_in", "problem"], skipped))
    folder.write_text("metrics.json", json.dumps(report, indent=1) + "\n")

