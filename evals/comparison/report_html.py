"""The comparison as PNG figures and one self-contained HTML page.

The HTML embeds its figures as data URIs and its style inline, so it opens from disk (or
as an e-mail attachment) without a server. A forest plot of every claim's effect comes first,
then the verdict table; proxy sets are labelled PROXY wherever shown; a metric that could not
be computed reads "unavailable".
"""
from __future__ import annotations

import base64
import html
import io

from adcacc.evals.comparison.report_tables import (Cell, Table, by_role, header_paragraphs, shown_metrics, tables,
                                                   unavailable_lines, void_text)


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    return buf.getvalue()


def _bars(ax, groups: list[str], arms: list[str], get, first_color: int = 0) -> None:
    """One bar per arm in each group with its 95% CI; `get(group, arm)` -> (value, lo, hi) or None."""
    import numpy as np

    width = 0.8 / max(1, len(arms))
    x = np.arange(len(groups))
    for i, arm in enumerate(arms):
        got = [get(g, arm) for g in groups]
        vals = [v[0] if v else np.nan for v in got]
        err = np.array([[v[0] - v[1], v[2] - v[0]] if v else [0, 0] for v in got]).T
        ax.bar(x + (i - (len(arms) - 1) / 2) * width, vals, width, yerr=err, capsize=3, label=arm,
               color=f"C{first_color + i}")
    ax.set_xticks(x, groups, rotation=20, ha="right")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))  # beside the bars, never over them


def _value(rec: dict | None, sign: float = 1.0):
    if rec is None or "unavailable" in rec:
        return None
    mid = rec.get("mean", rec.get("delta"))
    lo, hi = sorted((sign * rec["ci"][0], sign * rec["ci"][1]))
    return sign * mid, lo, hi


FOREST = "forest.png"
VERDICT_COLORS = {"holds": "#1e8449", "fails": "#c0392b", "inconclusive": "#b9770e", "VOID": "#6c3483",
                  "unsupported": "#2e86c1", "unavailable": "#7f8c8d"}
ROLE_MARKERS = (("claim", "Claims", "o"), ("control", "Controls", "D"), ("gate", "Preconditions", "s"))


def _forest_panels(result: dict) -> list[tuple[str, str, str, list[dict]]]:
    """(role, section title, marker, records) per section and metric, in report order: effects
    on different metrics have different scales, so each metric gets its own axis."""
    roles, panels = by_role(result), []
    for role, title, marker in ROLE_MARKERS:
        for metric in dict.fromkeys(v["metric"] for v in roles[role]):
            panels.append((role, f"{title}: {metric}", marker, [v for v in roles[role] if v["metric"] == metric]))
    return panels


def _forest_row(ax, y: float, rec: dict, marker: str, role: str) -> None:
    """One claim: its effect and 95% CI, the equivalence band if any, and its verdict(s) at the right."""
    import matplotlib.transforms as transforms

    word = rec["verdict"].split(" ")[0]
    color = VERDICT_COLORS.get(word, VERDICT_COLORS["unavailable"])
    if rec["direction"] == "equivalent":
        m = rec["margin"]
        ax.fill_betweenx([y - 0.38, y + 0.38], -m, m, color=VERDICT_COLORS["holds"], alpha=0.12, linewidth=0)
        ax.vlines([-m, m], y - 0.38, y + 0.38, colors=VERDICT_COLORS["holds"], linestyles="dashed", linewidth=1)
    if "ci" in rec:
        lo, hi = rec["ci"]
        ax.errorbar([rec["delta"]], [y], xerr=[[rec["delta"] - lo], [hi - rec["delta"]]], fmt=marker, color=color,
                    markersize=8, capsize=4, elinewidth=2)
    side = transforms.blended_transform_factory(ax.transAxes, ax.transData)
    if role == "claim" and "verdict_holm" in rec:
        word += f" · Holm: {rec['verdict_holm'].split(' ')[0]}"
    ax.text(1.01, y, word, transform=side, va="center", fontsize=10, color=color, fontweight="bold")


def _forest_label(rec: dict) -> str:
    """'id: a − b > 0 (eval set)': which arms, what the claim expects, where."""
    expects = {"greater": "> 0", "less": "< 0"}.get(rec["direction"], f"within ±{rec['margin']:g}")
    return f"{rec['id']}: {rec['a']} − {rec['b']} {expects} ({rec['eval_set']})"


def forest_figure(result: dict) -> bytes | None:
    """Every claim, control and precondition as one row: effect a − b (mean over seeds) with
    its 95% CI, the zero line, and the equivalence margin as a shaded band; marker shape by
    role, colour by verdict. None when there is nothing to plot."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    panels = _forest_panels(result)
    if not panels:
        return None
    heights = [len(recs) + 1.3 for *_, recs in panels]
    height = 0.45 * sum(heights) + 0.6
    fig, axes = plt.subplots(len(panels), 1, figsize=(11, height), squeeze=False,
                             gridspec_kw={"height_ratios": heights})
    for ax, (role, title, marker, recs) in zip(axes[:, 0], panels):
        n = len(recs)
        for i, rec in enumerate(recs):
            _forest_row(ax, n - 1 - i, rec, marker, role)
        ax.axvline(0, color="black", linewidth=1)
        ax.set_yticks(range(n - 1, -1, -1), [_forest_label(r) for r in recs], fontsize=10)
        ax.set_ylim(-0.7, n - 0.3)
        bounds = [0.0] + [x for r in recs for x in r.get("ci", [])] + [
            s * r["margin"] for r in recs if r["direction"] == "equivalent" for s in (-1, 1)]
        pad = 0.08 * (max(bounds) - min(bounds) or 1.0)
        ax.set_xlim(min(bounds) - pad, max(bounds) + pad)
        ax.set_title(f"{title} (effect a − b, mean over seeds, 95% CI)", loc="left", fontsize=11)
        ax.grid(axis="x", color="#ddd", linewidth=0.6)
    handles = [Line2D([], [], marker=mk, linestyle="none", color="#444", markersize=8, label=title)
               for _, title, mk in ROLE_MARKERS]
    handles += [Line2D([], [], marker="o", linestyle="none", color=c, markersize=8, label=w)
                for w, c in VERDICT_COLORS.items() if w != "unavailable"]
    handles.append(Patch(color=VERDICT_COLORS["holds"], alpha=0.25, label="equivalence margin"))
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=9, frameon=False,
               bbox_to_anchor=(0.5, 0.0))
    fig.tight_layout(rect=(0, 0.35 / height, 1, 1))
    png = _png(fig)
    plt.close(fig)
    return png


def figures(result: dict) -> dict[str, bytes]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out, arms, base = {}, list(result["arms"]), result["base"]
    forest = forest_figure(result)
    if forest:
        out[FOREST] = forest
    caps = {n: es for n, es in result["eval_sets"].items() if es["task"] == "caption"}
    if caps:
        fig, axes = plt.subplots(len(caps), 1, figsize=(10, 3.6 * len(caps)), squeeze=False)
        for ax, (name, es) in zip(axes[:, 0], caps.items()):
            vals = {(r["metric"], r["arm"]): r for r in es["values"]}
            _bars(ax, shown_metrics(es), arms, lambda m, a: _value(vals.get((m, a))))
            ax.set_title(f"Captioning on {name} (mean over seeds, 95% CI)")
        out["caption_metrics.png"] = _png(fig)
        plt.close(fig)
    ret = {n: es for n, es in result["eval_sets"].items() if es["task"] != "caption"}
    if ret:
        vals = {(f"{n}{' [PROXY]' if es['proxy'] else ''}", r["arm"]): r for n, es in ret.items()
                for r in es["values"] if r["metric"] == "accuracy_strict"}
        deltas = {(f"{n}{' [PROXY]' if es['proxy'] else ''}", d["a"]): d for n, es in ret.items()
                  for d in es["deltas"] if d["metric"] == "accuracy_strict" and d["b"] == base}
        groups = sorted({g for g, _ in vals})
        for fname, title, arms_shown, get, color in (
                ("retention_accuracy.png", "Retention: strict accuracy (mean over seeds, 95% CI)", arms,
                 lambda g, a: _value(vals.get((g, a))), 0),
                ("forgetting.png", f"Forgetting: {base} − arm strict accuracy (↑ = forgot more; 95% CI)",
                 [a for a in arms if a != base], lambda g, a: _value(deltas.get((g, a)), -1.0), 1)):
            fig, ax = plt.subplots(figsize=(max(6, 1.8 * len(groups)), 3.6))
            _bars(ax, groups, arms_shown, get, first_color=color)
            ax.axhline(0, color="black", linewidth=0.8)
            ax.set_title(title)
            out[fname] = _png(fig)
            plt.close(fig)
    return out


def _cell(c: Cell) -> str:
    cls = f" class='{html.escape(c.flag)}'" if c.flag else ""
    sub = "".join(f"<br><small>{html.escape(x)}</small>" for x in (c.ci, c.sub) if x)
    return f"<td{cls}>{html.escape(c.text)}{sub}</td>"


def _table(t: Table) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in t.headers)
    body = "".join("<tr>" + "".join(_cell(c) for c in row) + "</tr>" for row in t.rows)
    notes = "".join(f"<p class='small'>{html.escape(n)}</p>" for n in t.notes)
    return f"<h2>{html.escape(t.title)}</h2><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{notes}"


_STYLE = ("body{font-family:sans-serif;max-width:1250px;margin:2em auto;color:#222}"
          "table{border-collapse:collapse;margin:.6em 0;font-size:13px}"
          "td,th{border:1px solid #bbb;padding:3px 7px;text-align:left;vertical-align:top}th{background:#eee}"
          "small{color:#666}.small{font-size:12px;color:#444}h2{font-size:18px;margin-top:1.6em}"
          "td.holds{background:#d8f5d0;font-weight:bold}td.fails{background:#f8d4d4;font-weight:bold}"
          "td.inconclusive{background:#fff3c4}td.unavailable{color:#a33;font-style:italic}"
          "td.inconsistent{color:#a33}td.paper{color:#555;font-style:italic}.note{background:#fff6d6;padding:.6em;border-left:4px solid #e0b000}"
          "img{max-width:100%}")


FOREST_CAPTION = ("One row per claim: the effect a − b (mean over seeds) with its 95% CI. Marker shape: "
                  "circle a claim, diamond a control, square a precondition; colour: the per-claim verdict "
                  "(green holds, red fails, amber inconclusive), with the Holm-adjusted verdict beside it; "
                  "black line: zero; shaded band: an equivalence claim's margin. Each metric has its own axis.")


def _img(fname: str, png: bytes) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f"<img alt='{html.escape(fname)}' src='data:image/png;base64,{data}'>"


def render_report(result: dict) -> tuple[str, dict[str, bytes]]:
    """(HTML page, {figure file name: PNG bytes}); the page embeds the same PNGs."""
    figs = figures(result)
    parts = ["<h1>Comparison report</h1>"]
    if void_text(result):
        parts.append(f"<p class='note'><b>{html.escape(void_text(result))}</b></p>")
    if FOREST in figs:
        parts.append(f"<h2>Every claim at a glance</h2>{_img(FOREST, figs[FOREST])}<p class='small'>"
                     + html.escape(FOREST_CAPTION) + "</p>")
    parts += [f"<p>{html.escape(t)}</p>" for t in header_paragraphs(result)]
    parts += [_table(t) for t in tables(result)]
    missing = unavailable_lines(result) + result["notes"]
    if missing:
        parts.append("<h2>Not computed</h2><ul>" + "".join(f"<li>{html.escape(m)}</li>" for m in missing) + "</ul>")
    for fname, png in figs.items():
        if fname != FOREST:
            parts.append(f"<h2>{html.escape(fname[:-4].replace('_', ' '))}</h2>{_img(fname, png)}")
    page = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>adcacc comparison</title>"
            f"<style>{_STYLE}</style></head><body>{''.join(parts)}</body></html>\n")
    return page, figs
