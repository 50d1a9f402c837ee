"""The comparison as PNG figures and one self-contained HTML page.

The HTML embeds its figures as data URIs and its style inline, so it opens from disk (or
as an e-mail attachment) without a server. The verdict table comes first; proxy sets are
labelled PROXY wherever shown; a metric that could not be computed reads "unavailable".
"""
from __future__ import annotations

import base64
import html
import io

from evals.report_tables import Cell, Table, header_text, shown_metrics, tables, unavailable_lines, void_text


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


def figures(result: dict) -> dict[str, bytes]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out, arms, base = {}, list(result["arms"]), result["base"]
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


def render_report(result: dict) -> tuple[str, dict[str, bytes]]:
    """(HTML page, {figure file name: PNG bytes}); the page embeds the same PNGs."""
    figs = figures(result)
    parts = [f"<h1>Comparison report</h1><p>{html.escape(header_text(result))}</p>"]
    if void_text(result):
        parts.append(f"<p class='note'><b>{html.escape(void_text(result))}</b></p>")
    parts += [_table(t) for t in tables(result)]
    missing = unavailable_lines(result) + result["notes"]
    if missing:
        parts.append("<h2>Not computed</h2><ul>" + "".join(f"<li>{html.escape(m)}</li>" for m in missing) + "</ul>")
    for fname, png in figs.items():
        data = base64.b64encode(png).decode("ascii")
        parts.append(f"<h2>{html.escape(fname[:-4].replace('_', ' '))}</h2>"
                     f"<img alt='{fname}' src='data:image/png;base64,{data}'>")
    page = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>adcacc comparison</title>"
            f"<style>{_STYLE}</style></head><body>{''.join(parts)}</body></html>\n")
    return page, figs
