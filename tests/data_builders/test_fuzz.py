"""Fuzzing `adcacc build` through its CLI: random CSV rows, random bytes as audio, random
settings. Whatever comes in: exit 0 or 2, no traceback, one error line naming the problem
(not an unexpected exception class), nothing written outside --out, nothing half-written."""
from __future__ import annotations

import contextlib
import io
import json
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from adcacc.cli import main
from adcacc.data_builders.layout import PAIRS_CSV, REPORT_JSON, dataset_files

text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
# a path cell: a good clip, random bytes, a missing file, an escape, or any text
path_cell = st.one_of(st.sampled_from(["good0.wav", "good1.flac", "junk.wav", "junk.flac",
                                       "missing.wav", "../outside.wav", "/etc/passwd", ""]), text)
row = st.tuples(st.one_of(st.sampled_from(["b0", "b1", "e0", "e1", "a b"]), text),
                path_cell, st.one_of(st.sampled_from(["A dog barks", "rain falling", "<audio>"]), text))


def rows(clip: str) -> st.SearchStrategy:
    """Mostly usable rows (clip: a 2 s base or a 0.5 s event), some with bad rows added, some
    entirely random."""
    good = st.lists(st.tuples(st.sampled_from(["b0", "b1", "B0", "a b", "x/../y", "é"]), st.just(clip),
                              st.sampled_from(["A dog barks.", "rain falling", "a car passes by."])),
                    min_size=2, max_size=3, unique_by=lambda r: r[0])
    return st.one_of(good, good, good.flatmap(lambda g: st.lists(row, max_size=2).map(lambda b: g + b)),
                     st.lists(row, max_size=4))

setting = st.sampled_from([[], [], [], ["--skip-bad"], ["--skip-bad"], ["--duration", "nan"], ["--duration", "1"],
                           ["--ratio-db", "5", "1"], ["--max-bases", "1"], ["--max-bases", "0"],
                           ["--splits", "0.98,0.02,0"], ["--splits", "1,0"], ["--relative-paths"]])


def write_csv(path: Path, header: list[str], rows: list[tuple], cut: bool) -> None:
    lines = [",".join(header)] + [",".join(f'"{c}"' for c in r) for r in rows]
    data = "\n".join(lines).encode("utf-8", "surrogatepass")
    path.write_bytes(data[: len(data) // 2] if cut else data)


def snapshot(root: Path, skip: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and skip not in p.parents}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bases=rows("good0.wav"), events=rows("good1.flac"), junk=st.binary(max_size=600),
       extra=setting, cut=st.sampled_from([False] * 4 + [True]),
       events_header=st.sampled_from([True] * 4 + [False]))
def test_build_survives_random_inputs(bases, events, junk, extra, cut, events_header):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        src, out = root / "src", root / "out"
        src.mkdir()
        t = np.arange(32000) / 16000
        sf.write(src / "good0.wav", (0.3 * np.sin(2 * np.pi * 300 * t)).astype(np.float32), 16000)
        sf.write(src / "good1.flac", (0.3 * np.sin(2 * np.pi * 500 * t[:8000])).astype(np.float32), 16000)
        (src / "junk.wav").write_bytes(b"RIFF" + junk)
        (src / "junk.flac").write_bytes(junk)
        write_csv(src / "bases.csv", ["id", "path", "caption"], bases, cut)
        header = ["id", "path", "label", "category"] if events_header else ["id", "path", "label"]
        write_csv(src / "events.csv", header, [(*r, "Animals") for r in events], False)
        before = snapshot(root, out)
        err, stdout = io.StringIO(), io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(stdout):
            try:
                code = main(["build", "--bases", str(src / "bases.csv"), "--events",
                             str(src / "events.csv"), "--out", str(out), "--duration", "2",
                             "--workers", "1", *extra])
            except SystemExit as exc:  # argparse's own usage errors
                code = exc.code
        message = err.getvalue()
        event(f"exit {code}")
        assert code in (0, 2), message
        assert "Traceback" not in message and "--debug" not in message, message
        if code == 2:
            assert len([ln for ln in message.splitlines() if ln.startswith(("adcacc: error:", "usage:"))]) == 1
        assert snapshot(root, out) == before  # nothing outside --out changed
        assert sorted(p.name for p in root.iterdir()) in (["src"], ["out", "src"])
        if out.exists():
            assert not list(out.rglob("*.part"))
            written = [n for n in (*dataset_files(), PAIRS_CSV) if (out / n).exists()]
            assert written == ([*dataset_files(), PAIRS_CSV] if code == 0 else [])
            if code == 0:
                json.loads((out / REPORT_JSON).read_text())
                for name in dataset_files():
                    for line in (out / name).read_text().splitlines():
                        json.loads(line)
