"""Writing reports: Markdown tables, and JSON + Markdown pairs written atomically.

On the ground floor because both the scoring and the comparison layers print tables.

Everything is computed before the first byte is written, and each file is renamed into
place whole, so a crash during metric computation leaves no (partial) report behind.
"""
from __future__ import annotations

import json
from pathlib import Path

from adcacc.common.files import write_text


def fmt(value) -> str:
    """Numbers as the papers print them (4 decimals); None/absent as a dash."""
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def markdown_table(headers: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(fmt(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def skipped_note(skipped: list[dict]) -> str:
    """A Markdown line naming clips of an eval set that had no audio (never silently dropped)."""
    if not skipped:
        return ""
    return (f"\n{len(skipped)} listed clip(s) had no audio and are not scored "
            f"(e.g. {[s['id'] for s in skipped[:3]]}; all in run.json).\n")


def write_report(out_dir: Path, stem: str, payload: dict, markdown: str) -> list[Path]:
    """Write `<stem>.json` (sorted keys, so identical inputs give identical bytes) and `<stem>.md`."""
    out_dir = Path(out_dir)
    paths = [out_dir / f"{stem}.json", out_dir / f"{stem}.md"]
    write_text(paths[0], json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    write_text(paths[1], markdown)
    return paths
