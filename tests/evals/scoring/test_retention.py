import json

from adcacc.cli import main
from adcacc.evals.scoring.retention import score_retention
from tests.evals.files import write_jsonl


def _rows():
    return [{"id": "1", "label": "cough", "prediction": "Cough."},
            {"id": "2", "label": "cough", "prediction": "sneezing"},
            {"id": "3", "label": "laughter", "prediction": "a giggle"},
            {"id": "4", "label": "sniff", "prediction": ""}]


def test_accuracy_recall_confusion_and_rule_shares():
    res = score_retention(_rows(), "vsc")
    assert res["accuracy_mapped"] == 0.5
    assert res["per_class_recall"] == {"laughter": 1.0, "cough": 0.5, "sniff": 0.0}
    assert res["confusion"]["cough"]["sneeze"] == 1 and res["confusion"]["sniff"]["(none)"] == 1
    assert res["rules"] == {"empty": 1, "exact": 1, "synonym": 2} and res["fallback_share"] == 0.0
    assert [p["rule"] for p in res["predictions"]] == ["exact", "synonym", "synonym", "empty"]


def test_strict_accuracy_credits_no_embedding_fallback():
    rows = _rows() + [{"id": "5", "label": "sneeze", "prediction": "cough or sneeze, hard to say"},
                      {"id": "6", "label": "cough", "prediction": "a sneezing fit"}]
    res = score_retention(rows, "vsc")
    fallback = [p for p in res["predictions"] if p["rule"] == "embedding"]
    assert [p["id"] for p in fallback] == ["5"]
    credited = fallback[0]["correct_mapped"]  # whatever the embedding picked, strict says wrong
    assert fallback[0]["correct_strict"] is False
    assert res["accuracy_strict"] == 2 / 6 and res["accuracy_mapped"] == (2 + credited) / 6
    assert res["strict_mapped_agreement"] == (6 - credited) / 6
    assert all(p["correct_strict"] == p["correct_mapped"] for p in res["predictions"] if p["rule"] != "embedding")


def test_eval_retention_cli_writes_json_and_markdown(tmp_path, capsys):
    run = tmp_path / "run"
    write_jsonl(run / "predictions.jsonl", _rows())
    (run / "run.json").write_text(json.dumps({"eval_set": {"name": "vsc_proxy", "task": "vsc", "proxy": True},
                                              "skipped": [{"id": "gone", "reason": "audio file missing: x"}]}))
    assert main(["eval", "retention", "--preds", str(run), "--out", str(tmp_path / "out")]) == 0
    payload = json.loads((tmp_path / "out" / "retention.json").read_text())
    assert payload["accuracy_mapped"] == 0.5 and payload["proxy"] is True
    md = (tmp_path / "out" / "retention.md").read_text()
    assert "PROXY" in md and "Confusion matrix" in md and "1 listed clip(s) had no audio" in md
    assert "| 0.5000 | 0.0000 | 4 | 0.5000 | 1.0000 |" in capsys.readouterr().out
    assert payload["accuracy_strict"] == 0.5 and payload["predictions"][0]["correct_strict"] is True


def test_eval_retention_rejects_missing_labels(tmp_path, capsys):
    path = write_jsonl(tmp_path / "p.jsonl", [{"id": "1", "prediction": "cough"}])
    assert main(["eval", "retention", "--preds", str(path), "--out", str(tmp_path / "o")]) == 2
    assert "row 1: missing 'label'" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_labels_of_another_task_are_refused(tmp_path, capsys):
    path = write_jsonl(tmp_path / "p.jsonl", _rows())
    assert main(["eval", "retention", "--preds", str(path), "--task", "ser", "--out", str(tmp_path / "o")]) == 2
    assert "row 1: label 'cough' is not a SER label" in capsys.readouterr().err
