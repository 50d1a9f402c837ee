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
def test_demo_smoke_and_explain_figure(corpus, tiny_lm, tmp_path, capsys):
    pytest.importorskip("evals.captioning")
    out = tmp_path / "demo"
    sets = ["model.encoder=tiny", f"model.lm={tiny_lm}", "model.d_proj=32", "model.prefix_length=4",
            "model.text_length=8", "model.mapper_layers=1", "model.cross_layers=1",
            "train.stages=[{name: grounding, epochs: 1, lr: 0.001}]"]
    args = ["adiff", "demo", "--corpus", str(corpus), "--out", str(out), "--quiet", "--pairs-per-clip", "1"]
    assert main(args + [x for s in sets for x in ("--set", s)]) == 0
    text = capsys.readouterr().out
    assert "tier-1 CIDEr-D on held-out pairs: full" in text
    assert "forced choice, shuffled audio" in text
    report = json.loads((out / "demo_report.json").read_text())
    for name in ("full", "language-only"):
        scores = report["results"][name]["tier1"]["scores"]
        assert {"BLEU-4", "METEOR", "ROUGE-L", "CIDEr-D"} <= set(scores)
        assert "SPIDEr" in scores or "SPIDEr" in report["results"][name]["tier1"]["unavailable"]
    assert (out / "example.png").stat().st_size > 10_000 and (out / "cider_per_tier.png").is_file()
    wav = sorted((corpus / "audio").glob("*.wav"))
    fig = tmp_path / "fig.png"
    assert main(["adiff", "explain", str(wav[0]), str(wav[5]), "--checkpoint", str(out / "full"),
                 "--tier", "2", "--decoding", "sample", "--figure", str(fig)]) == 0
    assert fig.stat().st_size > 10_000
