"""The comparison's tables, as Markdown, CSV and the cells the HTML page renders.

Tables a person can scan: one row per arm (or per contrast), metrics as columns; every
value is the mean over seeds with its 95% CI, and the per-seed values under it. A metric
that could not be computed reads "unavailable" and its reason is listed, never a number.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from adcacc.common.files import csv_text
from adcacc.common.report_files import markdown_table

PROXY_NOTE = ("PROXY sets are stand-ins built from the embedded corpus (real sounds from Debian "
              "packages and soundfonts); they are not the paper's benchmarks and are never "
              "compared with its numbers.")
POOLED_NOTE = ("BLEU and METEOR pool counts over the corpus, so their CIs rescore each resample's "
               "summed counts (n-grams and lengths; Meteor's alignment statistics) rather than "
               "averaging clip scores.")
RETENTION_NOTE = ("strict: exact, mentioned-label or listed-synonym answers only; mapped: also the "
                  "embedding fallback (nearest label), which credits off-format answers. The paper "
                  "column is compared with strict accuracy. label log-prob: the correct label's "
                  "teacher-forced log-probability among the allowed labels (0 is certain; it moves "
                  "before accuracy does); changed: the share of answers that differ from the base's.")
RETENTION_COLUMNS = {"accuracy_strict": "strict accuracy", "accuracy_mapped": "mapped accuracy",
                     "agreement": "strict = mapped", "fallback_share": "fallback share",
                     "label_logprob": "label log-prob", "changed": "changed vs base"}
RETENTION_DELTAS = {"accuracy_strict": "Δ strict vs base", "label_logprob": "Δ label log-prob vs base"}


@dataclass
class Cell:
    text: str
    sub: str = ""  # per-seed values, or a note
    flag: str = ""  # e.g. "unavailable" or "inconsistent": how the HTML styles it
    ci: str = ""  # the 95% CI, shown under the value

    def markdown(self) -> str:
        return " ".join(p for p in (self.text, self.ci, f"({self.sub})" if self.sub else "") if p)


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[Cell]]
    notes: list[str] = field(default_factory=list)


def num(value: float, signed: bool = False) -> str:
    """4 decimals as the papers print them; a rounded-away negative sign is dropped (no -0.0000)."""
    value = round(value, 4) + 0.0
    return f"{value:+.4f}" if signed else f"{value:.4f}"


def _seeds(values: list[float] | None, signed: bool = False) -> str:
    if not values or len(values) < 2:
        return ""
    return "seeds: " + ", ".join(num(v, signed) for v in values)


def value_cell(rec: dict) -> Cell:
    if "unavailable" in rec:
        return Cell("unavailable", flag="unavailable")
    lo, hi = rec["ci"]
    return Cell(num(rec["mean"]), _seeds(rec["per_seed"]), ci=f"[{num(lo)}, {num(hi)}]")


def delta_cell(rec: dict) -> Cell:
    if "unavailable" in rec:
        return Cell("unavailable", flag="unavailable")
    lo, hi = rec["ci"]
    return Cell(num(rec["delta"], True), _seeds(rec["per_seed"], True), ci=f"[{num(lo, True)}, {num(hi, True)}]")


def _paper_cell(paper: dict | None) -> Cell:
    if not paper:
        return Cell("–")
    return Cell(f"{paper['value']:.4f}" + (" *" if paper.get("flag") else ""),
                flag="inconsistent" if paper.get("flag") else "")


DETECTABLE_NOTE = ("Under an inconclusive verdict: the smallest effect this design could have detected, "
                   "(1.96 + 0.84) × the bootstrap standard error of the effect (80% power, 5% two-sided); "
                   "for an equivalence claim, the smallest margin within which equivalence could have been "
                   "shown if the true effect were 0, (1.96 + 1.28) × the standard error.")
HOLM_NOTE = ("Family-wise: Holm's step-down adjustment of each claim's bootstrap p-value (p: twice the "
             "share of resamples on the wrong side of 0, or of the margin for an equivalence claim; "
             "p < 0.05 is the 95% CI's verdict) over the claims above, so that the chance of any false "
             "holds/fails among them stays at 5%.")


def _effect_text(v: dict) -> str:
    effect = f"{v['metric']} on {v['eval_set']}: {v['a']} − {v['b']}"
    return effect + (f" (within ±{v['margin']:g})" if v["direction"] == "equivalent" else "")


def detectable_text(v: dict) -> str:
    """For an inconclusive verdict, what this design could have detected; else empty."""
    if not v["verdict"].startswith("inconclusive") or "detectable" not in v:
        return ""
    if v["direction"] == "equivalent":
        return f"could show equivalence only within ±{num(v['detectable'])}"
    return f"could detect only effects beyond ±{num(v['detectable'])}"


def verdict_table(records: list[dict], title: str = "Verdicts", family: bool = False) -> Table | None:
    """One row per claim; `family` adds the Holm-adjusted verdict beside the per-claim one."""
    if not records:
        return None
    rows = []
    for v in records:
        cell = delta_cell(v)
        row = [Cell(v["id"]), Cell(v["text"]), Cell(_effect_text(v)), Cell(_seeds(v.get("per_seed"), True) or "–"),
               Cell(cell.text, ci=cell.ci), Cell(v["verdict"], detectable_text(v), flag=v["verdict"].split(" ")[0])]
        if family:
            holm = v.get("verdict_holm", v["verdict"])
            row.append(Cell(holm, f"p = {v['p']:.3g}, Holm p = {v['p_holm']:.3g}" if "p_holm" in v else "",
                            flag=holm.split(" ")[0]))
        rows.append(row)
    notes = ["holds / fails: the 95% CI lies entirely on one side; inconclusive: it does not."]
    notes += [DETECTABLE_NOTE] if any(detectable_text(v) for v in records) else []
    return Table(title, ["claim", "statement", "effect measured", "per-seed effects",
                         "effect, mean over seeds [95% CI]", "verdict"] + (["family-wise (Holm)"] if family else []),
                 rows, notes + ([HOLM_NOTE] if family else []))


def family_text(result: dict) -> str:
    """How many claims are read together, and how many survive Holm's adjustment."""
    fw = result["family_wise"]
    if not (fw["n_tested"] or fw["not_tested"] or fw["n_controls"] or fw["n_gates"]):
        return ""
    text = (f"{fw['n_tested']} claim(s) tested together; {fw['decisive']} decisive (holds or fails) after "
            f"Holm's adjustment for testing them together (family-wise error 5%)")
    if fw["not_tested"]:
        text += f"; not tested (unavailable): {', '.join(fw['not_tested'])}"
    if fw.get("void_claims"):
        text += f"; VOID (an arm did not learn its own task): {', '.join(fw['void_claims'])}"
    if fw.get("unsupported_claims"):
        text += f"; unsupported (the measure's positive control did not move): {', '.join(fw['unsupported_claims'])}"
    return (text + f". Checked apart: {fw['n_controls']} control(s) and {fw['n_gates']} precondition(s); "
            "a claim is read only if every precondition of its arms and every positive control of its "
            "measure holds, which needs no adjustment.")


def void_text(result: dict) -> str:
    """Empty, or why the claims test nothing (a precondition did not hold)."""
    if not result.get("void"):
        return ""
    return ("VOID where the base is not worth measuring: on the eval sets named below the base model "
            "does not clearly beat a trivial baseline or twice chance, so a loss from fine-tuning cannot "
            "be measured there, and every claim reading them reads VOID (claims on other sets stand). "
            "Failed: " + "; ".join(result["void"]) + ".")


def _by(recs: list[dict], key: str) -> dict:
    return {(r[key], r["metric"]): r for r in recs}


def shown_metrics(es: dict) -> list[str]:
    """The metrics computed for this eval set; the others are listed as unavailable, with why."""
    return [m for m in es["metrics"] if m not in es["unavailable"]]


def caption_tables(name: str, es: dict) -> list[Table]:
    metrics, vals = shown_metrics(es), _by(es["values"], "arm")
    arms = list(dict.fromkeys(r["arm"] for r in es["values"]))
    rows = [[Cell(arm)] + [value_cell(vals[arm, m]) for m in metrics] for arm in arms]
    notes = [POOLED_NOTE]
    if es["unavailable"]:
        notes.append(f"{', '.join(es['unavailable'])}: unavailable here (reasons under 'Not computed').")
    for arm in arms:
        papers = {m: vals[arm, m].get("paper") for m in es["metrics"] if "paper" in vals[arm, m]}
        if any(papers.values()):
            row = next(p["row"] for p in papers.values() if p)
            rows.append([Cell(f"paper: {row}", flag="paper")] + [_paper_cell(papers.get(m)) for m in metrics])
            notes += sorted({p["note"] for p in papers.values() if p and p.get("note")} - set(notes))
            notes += [f"* paper {row} {m} {p['value']:.4f}: {p['flag']}" for m, p in papers.items()
                      if p and p.get("flag")]
    title = f"Captioning on {name} ({es['n_clips']} clips): mean over seeds [95% CI]"
    deltas = _by([{**d, "pair": f"{d['a']} − {d['b']}"} for d in es["deltas"]], "pair")
    pairs = list(dict.fromkeys(f"{d['a']} − {d['b']}" for d in es["deltas"]))
    return [Table(title, ["arm"] + metrics, rows, notes),
            Table(f"Differences on {name}: mean over seeds [95% CI], paired on clips", ["contrast"] + metrics,
                  [[Cell(p)] + [delta_cell(deltas[p, m]) for m in metrics] for p in pairs])]


def retention_table(name: str, es: dict, base: str) -> Table:
    vals = _by(es["values"], "arm")
    arms = list(dict.fromkeys(r["arm"] for r in es["values"]))
    deltas = {(d["a"], d["metric"]): d for d in es["deltas"] if d["b"] == base}
    cols = list(RETENTION_COLUMNS)
    rows = []
    for arm in arms:
        row = [Cell(arm)] + [value_cell(vals[arm, m]) for m in cols]
        row += [delta_cell(deltas[arm, m]) if (arm, m) in deltas else Cell("–") for m in RETENTION_DELTAS]
        rows.append(row + [_paper_cell(vals[arm, "accuracy_strict"].get("paper"))])
    label = f"{es['task'].upper()} on {name}" + (" [PROXY]" if es["proxy"] else "")
    headers = ["arm"] + [RETENTION_COLUMNS[m] for m in cols] + list(RETENTION_DELTAS.values()) + ["paper (vs strict)"]
    return Table(f"Retention: {label} ({es['n_clips']} clips)", headers, rows,
                 [RETENTION_NOTE] + ([PROXY_NOTE] if es["proxy"] else []))


def retention_contrasts(result: dict) -> Table | None:
    sets = {n: es for n, es in result["eval_sets"].items() if es["task"] != "caption"}
    pairs = [p for p in result["contrasts"] if p[1] != result["base"]]
    if not sets or not pairs:
        return None
    rows = []
    for a, b in pairs:
        by = {(n, d["metric"]): d for n, es in sets.items() for d in es["deltas"] if (d["a"], d["b"]) == (a, b)}
        rows.append([Cell(f"{a} − {b}")] + [delta_cell(by[n, m]) for n in sets for m in RETENTION_DELTAS])
    headers = ["contrast"] + [f"{n} {k}" for n in sets for k in ("strict", "label log-prob")]
    return Table("Retention differences between arms: mean over seeds [95% CI]", headers, rows)


def example_table(name: str, es: dict) -> Table:
    arms = list(es["examples"][0]["captions"]) if es["examples"] else []
    rows = [[Cell(ex["id"]), Cell(ex["reference"])] + [Cell(ex["captions"][a]) for a in arms]
            for ex in es["examples"]]
    return Table(f"Example captions on {name} (first seed of each arm)", ["clip", "a reference"] + arms, rows)


def by_role(result: dict) -> dict[str, list[dict]]:
    """The claim records by role: findings ("claim"), controls, and preconditions ("gate")."""
    return {"claim": [v for v in result["verdicts"] if v.get("role", "claim") == "claim"],
            "control": [v for v in result["verdicts"] if v.get("role") == "control"],
            "gate": result.get("gates", [])}


def tables(result: dict) -> list[Table]:
    """Verdicts first, then the controls, preconditions, captioning, retention and example captions."""
    roles = by_role(result)
    out = [t for t in (verdict_table(roles["claim"], family=True),
                       verdict_table(roles["control"], "Controls: checks that the measures can move (or stay)"),
                       verdict_table(roles["gate"], "Preconditions: the base model against trivial "
                                     "baselines and twice chance on held-out data; each trained arm against the base "
                                     "on its own task (a failed one voids the claims about that arm)")) if t]
    sets = result["eval_sets"]
    for name, es in sets.items():
        if es["task"] == "caption":
            out += caption_tables(name, es)
    out += [retention_table(n, es, result["base"]) for n, es in sets.items() if es["task"] != "caption"]
    out += [t for t in (retention_contrasts(result),) if t]
    out += [example_table(n, es) for n, es in sets.items() if es["task"] == "caption"]
    return out


def unavailable_lines(result: dict) -> list[str]:
    return [f"{name} {metric}: unavailable ({why})" for name, es in result["eval_sets"].items()
            for metric, why in es["unavailable"].items()] + [
        f"{name}: no run of arm {arm!r}" for name, es in result["eval_sets"].items() for arm in es["arms_missing"]]


def header_text(result: dict) -> str:
    seeds = ", ".join(f"{arm} {len(f)}" for arm, f in result["arms"].items())
    return (f"Base: {result['base']}. Seeds per arm: {seeds}. Values are means over seeds; 95% CIs from a "
            f"hierarchical bootstrap ({result['bootstrap']} resamples, seed {result['seed']}): seeds, then "
            "clips, resampled; differences are paired on clips and on seed indices (seed k is the same "
            "init and data order in every arm; a single run, such as the base, pairs with every seed).")


def header_paragraphs(result: dict) -> list[str]:
    """What the numbers are, how many seeds stand behind them, and how many claims are read."""
    model = f"Model: {result['model']}." if result.get("model") else ""
    return [t for t in (model, header_text(result), result["seeds"]["note"], family_text(result)) if t]


def comparison_markdown(result: dict) -> str:
    md = "# Comparison\n\n" + "\n\n".join(header_paragraphs(result)) + "\n"
    if void_text(result):
        md += f"\n**{void_text(result)}**\n"
    for t in tables(result):
        cells = [[c.markdown() for c in row] for row in t.rows]
        md += f"\n## {t.title}\n\n" + markdown_table(t.headers, cells)
        md += "".join(f"\n{note}\n" for note in t.notes)
    extra = unavailable_lines(result) + result["notes"]
    return md + ("\n## Not computed\n\n" + "".join(f"- {line}\n" for line in extra) if extra else "")


def comparison_csv(result: dict) -> str:
    """Long form: one line per value and per difference, per-seed values joined by ';'."""
    rows = []
    for name, es in result["eval_sets"].items():
        for r in es["values"]:
            rows.append(["value", name, r["metric"], r["arm"], *_numbers(r, "mean"),
                         (r.get("paper") or {}).get("value", "")])
        for d in es["deltas"]:
            rows.append(["difference", name, d["metric"], f"{d['a']} - {d['b']}", *_numbers(d, "delta"), ""])
    return csv_text(["kind", "eval_set", "metric", "arm", "value", "ci_low", "ci_high", "per_seed",
                     "unavailable", "paper"], rows)


def _numbers(rec: dict, key: str) -> list:
    if "unavailable" in rec:
        return ["", "", "", "", rec["unavailable"]]
    return [f"{rec[key]:.6f}", f"{rec['ci'][0]:.6f}", f"{rec['ci'][1]:.6f}",
            ";".join(f"{v:.6f}" for v in rec.get("per_seed") or []), ""]
