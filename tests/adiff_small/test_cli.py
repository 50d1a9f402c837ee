"""CLI wiring and a tiny, fast version of the embedded demo (the real one is ~15 min)."""
from __future__ import annotations

import json

import pytest

from adcacc.cli import build_parser, main


def test_adiff_subcommands_are_registered(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["adiff", "--help"])
    out = capsys.readouterr().out
    for cmd in ("train", "explain", "eval", "import-release", "demo", "make-explanations"):
        assert cmd in out


@pytest.mark.slow
def test_demo_smoke_is_reproducible_and_explain_figure(corpus, tiny_lm, tmp_path, capsys):
    sets = ["model.encoder=tiny", f"model.lm={tiny_lm}", "model.d_proj=32", "model.prefix_length=4",
            "model.text_length=8", "model.mapper_layers=1", "model.cross_layers=1",
            "train.stages=[{name: grounding, epochs: 1, lr: 0.001}]"]
    reports = []
    for run in ("a", "b"):
        out = tmp_path / run
        args = ["adiff", "demo", "--corpus", str(corpus), "--out", str(out), "--quiet", "--pairs-per-clip", "2",
                "--seeds", "0", "1", "--threads", "1"]
        assert main(args + [x for s in sets for x in ("--set", s)]) == 0
        reports.append((out / "demo_report.json").read_bytes())
    assert reports[0] == reports[1]  # same seeds and threads: the same numbers, byte for byte
    text = capsys.readouterr().out
    print(text)
    assert "forced choice true_vs_swapped, shuffled audio" in text and "differences (paired" in text
    report = json.loads(reports[0])
    arms = {r["arm"] for r in report["estimates"]}
    assert arms == {"full", "audio-blind", "no-position-captioning"}
    for r in report["estimates"]:
        # a verdict is shown, or says why not: its CI, an unavailable metric, or a control it does not clear
        assert r["verdict"] == "shown" or r["verdict"].startswith(("not shown (CI", "unavailable", "not shown (not clear of"))
        if r["verdict"].startswith("not shown (not clear of"):
            assert r["arm"] == "full" and r["judged_against"]
        if "ci95" in r:
            assert len(r["per_seed"]) == 2 and r["ci95"][0] <= r["value"] <= r["ci95"][1]
    assert (tmp_path / "a" / "example.png").stat().st_size > 10_000
    assert (tmp_path / "a" / "full-s1" / "predictions.csv").is_file()
    out = tmp_path / "a"
    wav = sorted((corpus / "audio").glob("*.wav"))
    fig = tmp_path / "fig.png"
    assert main(["adiff", "explain", str(wav[0]), str(wav[5]), "--checkpoint", str(out / "full-s0"),
                 "--tier", "2", "--decoding", "sample", "--figure", str(fig)]) == 0
    assert fig.stat().st_size > 10_000


def test_explain_defaults_to_the_releases_300_new_tokens_within_the_bound(capsys):
    explain = ["adiff", "explain", "a.wav", "b.wav", "--checkpoint", "ckpt"]
    assert build_parser().parse_args(explain).max_new_tokens == 300  # the release's example.py
    with pytest.raises(SystemExit):
        build_parser().parse_args(explain + ["--help"])
    assert "default: 300" in " ".join(capsys.readouterr().out.split())
    with pytest.raises(SystemExit):
        build_parser().parse_args(explain + ["--max-new-tokens", "1025"])
    assert "1024" in capsys.readouterr().err
