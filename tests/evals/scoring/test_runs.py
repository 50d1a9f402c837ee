import json

import pytest

from adcacc.cli import main
from adcacc.common.errors import InputError
from adcacc.evals.scoring.runs import score_run
from tests.evals.files import write_jsonl

ROWS = [{"id": str(i), "label": lab, "prediction": lab}
        for i, lab in enumerate(("cough", "sniff", "sigh", "laughter", "sneeze"))]


def _run(tmp_path, n_items: int):
    run = tmp_path / "run"
    write_jsonl(run / "predictions.jsonl", ROWS)
    (run / "run.json").write_text(json.dumps({"eval_set": {"name": "vsc_proxy", "task": "vsc", "n_items": n_items}}))
    return run


def test_a_partial_run_is_refused_unless_allowed_and_then_marked(tmp_path, capsys):
    run = _run(tmp_path, 8)
    assert main(["eval", "retention", "--preds", str(run), "--out", str(tmp_path / "o")]) == 2
    assert "partial run: 5 of the 8 clips" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
    assert main(["eval", "retention", "--preds", str(run), "--out", str(tmp_path / "o"), "--allow-partial"]) == 0
    assert "PARTIAL RUN: 5 of the 8 clips" in capsys.readouterr().out
    assert json.loads((tmp_path / "o" / "retention.json").read_text())["partial"] == {"expected": 8, "scored": 5}


def test_score_run_picks_the_kind_from_run_json_and_refuses_the_other(tmp_path):
    run = _run(tmp_path, 5)
    payload = score_run(run, tmp_path / "o")
    assert payload["task"] == "vsc" and payload["accuracy_strict"] == 1.0
    assert (tmp_path / "o" / "retention.md").is_file()
    with pytest.raises(InputError, match="is a retention run; use `adcacc eval retention`"):
        score_run(run, tmp_path / "o2", kind="captions")
    assert not (tmp_path / "o2").exists()


def test_eval_refuses_a_folder_it_did_not_make(tmp_path, capsys):
    """Every command that writes: `adcacc eval --out DIR` never overwrites a user's retention.json."""
    from adcacc.cli import main

    run = _run(tmp_path, 5)
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "retention.json").write_text("mine")
    assert main(["eval", "retention", "--preds", str(run), "--out", str(theirs)]) == 2
    assert "not made by adcacc eval" in capsys.readouterr().err
    assert [p.name for p in theirs.iterdir()] == ["retention.json"] and (theirs / "retention.json").read_text() == "mine"
