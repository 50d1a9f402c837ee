import json

import pytest

from adcacc.cli import main
from adcacc.evals.scoring import runs
from tests.evals.files import write_jsonl

ROWS = [{"id": "a", "prediction": "a dog barks", "references": ["a dog is barking", "dog barks loudly"]},
        {"id": "b", "prediction": "", "references": ["rain falls", "it rains on a roof"]}]


@pytest.mark.slow
def test_eval_captions_prints_and_writes_json_and_markdown(tmp_path, capsys):
    preds = write_jsonl(tmp_path / "p.jsonl", ROWS)
    assert main(["eval", "captions", "--preds", str(preds), "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    assert "| CIDEr-D |" in printed and "1 empty prediction(s)" in printed
    payload = json.loads((tmp_path / "out" / "captions.json").read_text())
    assert set(payload["metrics"]) >= {"BLEU-1", "BLEU-4", "METEOR", "ROUGE-L", "CIDEr-D"}
    assert payload["empty_predictions"] == ["b"] and payload["item_scores"]["b"]["CIDEr-D"] == 0.0
    for name in payload["unavailable"]:
        assert name not in payload["metrics"]
        assert f"| {name} | unavailable |" in (tmp_path / "out" / "captions.md").read_text()


def test_crashed_metric_computation_leaves_no_report(tmp_path, monkeypatch, capsys):
    def crash(*_):
        raise RuntimeError("java died")

    monkeypatch.setattr(runs, "score_captions_detailed", crash)
    preds = write_jsonl(tmp_path / "p.jsonl", ROWS)
    assert main(["eval", "captions", "--preds", str(preds), "--out", str(tmp_path / "out")]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "adcacc: error: unexpected error in `adcacc eval`: java died; rerun with --debug and report the traceback"]
    assert not (tmp_path / "out").exists()


def test_help_lists_the_eval_commands(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert all(cmd in out for cmd in ("infer", "eval", "compare"))
