"""The comparison as Markdown, PNG figures and one self-contained HTML page.

The HTML embeds its figures as data URIs and its style inline, so it opens from disk (or
as an e-mail attachment) without a server. Proxy sets are labelled PROXY wherever shown.
"""
from __future__ import annotations

import base64
import html
import io

from evals.reports import fmt, markdown_table

PROXY_NOTE = ("PROXY sets are stand-ins built from the embedded corpus (real sounds from Debian "
              "packages and soundfonts); they are not the paper's benchmarks and are never "
              "compared with its numbers.")
POOLED_NOTE = ("BLEU and METEOR pool counts over the corpus, so their CIs rescore each resample's "
               "summed counts (n-grams and lengths; Meteor's alignment statistics) rather than "
               "averaging clip scores.")


def _set_label(row) -> str:
    return f"{row.eval_set} [PROXY]" if row.proxy else row.eval_set


def _ci(row) -> str:
    return "–" if row.ci_low is None else f"[{row.ci_low:+.4f}, {row.ci_high:+.4f}]"


def _delta(row) -> str:
    return "–" if row.delta is None else f"{row.delta:+.4f}"


def _tables(rows) -> tuple[tuple[list[str], list[list]], tuple[list[str], list[list]]]:
    cap = [r for r in rows if r.kind == "caption"]
    acc = [r for r in rows if r.kind != "caption" and r.metric == "accuracy"]
    fallback = {(r.eval_set, r.arm): r.value for r in rows if r.metric == "fallback share"}
    cap_t = (["eval set", "metric", "arm", "score", "Δ vs base", "95% CI of Δ", "paper"],
             [[r.eval_set, r.metric, r.arm, r.value, _delta(r), _ci(r), r.paper] for r in cap])
    ret_t = (["task", "eval set", "arm", "accuracy", "Δ vs base", "95% CI of Δ", "paper (Table 3)",
              "fallback share"],
             [[r.kind.upper(), _set_label(r), r.arm, r.value, _delta(r), _ci(r), r.paper,
               fallback[(r.eval_set, r.arm)]] for r in acc])
    return cap_t, ret_t


def comparison_markdown(rows, unavailable: dict, names: list[str], n_boot: int) -> str:
    cap_t, ret_t = _tables(rows)
    md = f"# Comparison: base `{names[0]}` vs {', '.join(f'`{n}`' for n in names[1:])}\n\n"
    md += (f"Δ = arm − base; 95% CIs from a paired bootstrap over clips ({n_boot} resamples). "
           "'paper' = the ACC paper's published number for the same arm and benchmark.\n\n")
    if cap_t[1]:
        md += "## Captioning\n\n" + markdown_table(*cap_t) + "\n" + POOLED_NOTE + "\n"
    for set_name, missing in unavailable.items():
        for metric, why in missing.items():
            md += f"\n- {set_name} {metric}: unavailable ({why})"
    if ret_t[1]:
        md += "\n\n## Retention\n\n" + markdown_table(*ret_t)
        if any(r.proxy for r in rows):
            md += "\n" + PROXY_NOTE + "\n"
    return md + "\n"


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    return buf.getvalue()


def _grouped_bars(ax, groups: list[str], arms: list[str], value, err=None, first_color: int = 0) -> None:
    """One bar per arm in each group; arm i is colour C{first_color + i} in every figure."""
    import numpy as np

    width = 0.8 / max(1, len(arms))
    x = np.arange(len(groups))
    for i, arm in enumerate(arms):
        vals = [value(g, arm) for g in groups]
        yerr = None if err is None else np.array([err(g, arm) for g in groups]).T
        ax.bar(x + (i - (len(arms) - 1) / 2) * width, [v if v is not None else 0 for v in vals],
               width, label=arm, yerr=yerr, capsize=3, color=f"C{first_color + i}")
    ax.set_xticks(x, groups, rotation=20, ha="right")
    ax.legend(fontsize=8)


def figures(rows, names: list[str]) -> dict[str, bytes]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = {}
    acc = {(_set_label(r) + f" ({r.kind.upper()})", r.arm): r for r in rows
           if r.kind != "caption" and r.metric == "accuracy"}
    groups = sorted({g for g, _ in acc})
    if groups:
        fig, ax = plt.subplots(figsize=(max(5, 1.6 * len(groups)), 3.6))
        _grouped_bars(ax, groups, names, lambda g, a: acc[(g, a)].value if (g, a) in acc else None)
        ax.set_ylabel("accuracy")
        ax.set_title("Retention accuracy per task and arm")
        out["retention_accuracy.png"] = _png(fig)
        plt.close(fig)
        fig, ax = plt.subplots(figsize=(max(5, 1.6 * len(groups)), 3.6))
        arms = names[1:]

        def forgetting(g, a):
            r = acc.get((g, a))
            return None if r is None or r.delta is None else -r.delta

        def err(g, a):
            r = acc.get((g, a))
            if r is None or r.ci_low is None:
                return (0.0, 0.0)
            # forgetting = -delta, so its interval is [-ci_high, -ci_low]
            return (r.ci_high - r.delta, r.delta - r.ci_low)

        _grouped_bars(ax, groups, arms, forgetting, err, first_color=1)  # base is C0 elsewhere
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_ylabel("base − arm accuracy (↑ = forgot more)")
        ax.set_title("Forgetting (with paired-bootstrap 95% CI)")
        out["forgetting.png"] = _png(fig)
        plt.close(fig)
    cap = [r for r in rows if r.kind == "caption"]
    sets = sorted({r.eval_set for r in cap})
    if sets:
        fig, axes = plt.subplots(1, len(sets), figsize=(6.5 * len(sets), 3.8), squeeze=False)
        for ax, s in zip(axes[0], sets):
            vals = {(r.metric, r.arm): r.value for r in cap if r.eval_set == s}
            metrics = list(dict.fromkeys(m for m, _ in vals))
            _grouped_bars(ax, metrics, names, lambda m, a: vals.get((m, a)))
            ax.set_title(f"Captioning metrics: {s}")
        out["caption_metrics.png"] = _png(fig)
        plt.close(fig)
    return out


def _html_table(headers: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(fmt(v))}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_STYLE = ("body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
          "table{border-collapse:collapse;margin:1em 0;font-size:14px}"
          "td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}th{background:#eee}"
          "td:first-child,td:nth-child(2),td:nth-child(3){text-align:left}"
          ".note{background:#fff6d6;padding:.6em;border-left:4px solid #e0b000}img{max-width:100%}")


def render_report(rows, unavailable: dict, names: list[str], n_boot: int) -> tuple[str, dict[str, bytes]]:
    """(HTML page, {figure file name: PNG bytes}); the page embeds the same PNGs."""
    figs = figures(rows, names)
    cap_t, ret_t = _tables(rows)
    parts = [f"<h1>Retention and captioning report</h1><p>Base: <b>{html.escape(names[0])}</b>; arms: "
             f"{html.escape(', '.join(names[1:]))}. Δ = arm − base with paired-bootstrap 95% CIs "
             f"({n_boot} resamples). 'paper' = the ACC paper's published value.</p>"]
    if any(r.proxy for r in rows):
        parts.append(f"<p class='note'>{html.escape(PROXY_NOTE)}</p>")
    if ret_t[1]:
        parts.append("<h2>Retention</h2>" + _html_table(*ret_t))
    if cap_t[1]:
        parts.append("<h2>Captioning</h2>" + _html_table(*cap_t) + f"<p>{html.escape(POOLED_NOTE)}</p>")
        missing = [f"<li>{html.escape(s)} {html.escape(m)}: unavailable ({html.escape(w)})</li>"
                   for s, ms in unavailable.items() for m, w in ms.items()]
        if missing:
            parts.append("<ul>" + "".join(missing) + "</ul>")
    for fname, png in figs.items():
        data = base64.b64encode(png).decode("ascii")
        parts.append(f"<h2>{html.escape(fname[:-4].replace('_', ' '))}</h2>"
                     f"<img alt='{fname}' src='data:image/png;base64,{data}'>")
    page = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>adcacc report</title>"
            f"<style>{_STYLE}</style></head><body>{''.join(parts)}</body></html>\n")
    return page, figs
