import json

import pytest

from common.errors import InputError
from evals.predictions import check_same_eval_set, read_predictions
from tests.evals.files import write_jsonl


def _row(i, pred="a dog barks"):
    return {"id": i, "prediction": pred, "references": ["a dog is barking"]}


@pytest.mark.parametrize("rows, message", [
    ([{"prediction": "x", "references": ["y"]}], "row 1: missing 'id'"),
    ([_row("a"), _row("a")], "row 2: duplicate id 'a'"),
    ([{"id": "a", "references": ["y"]}], "row 1: missing 'prediction'"),
    ([{"id": "a", "prediction": "x", "references": []}], "row 1: 'references' must be"),
    ([], "no predictions"),
])
def test_bad_prediction_files_name_file_row_and_problem(tmp_path, rows, message):
    path = write_jsonl(tmp_path / "p.jsonl", rows)
    with pytest.raises(InputError, match=message) as err:
        read_predictions(path, need="references")
    assert str(path) in str(err.value)


def test_broken_json_and_missing_file(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps(_row("a")) + "\n{not json\n")
    with pytest.raises(InputError, match="row 2: not valid JSON"):
        read_predictions(path)
    with pytest.raises(InputError, match="run `adcacc infer` first"):
        read_predictions(tmp_path / "absent")


def test_empty_predictions_are_kept_and_counted(tmp_path):
    run = read_predictions(write_jsonl(tmp_path / "p.jsonl", [_row("a", ""), _row("b")]), "references")
    assert run.ids == ["a", "b"] and run.empty_ids == ["a"]


def test_runs_from_different_eval_sets_are_refused(tmp_path):
    a = read_predictions(write_jsonl(tmp_path / "a" / "predictions.jsonl", [_row("x"), _row("y")]))
    b = read_predictions(write_jsonl(tmp_path / "b" / "predictions.jsonl", [_row("x"), _row("z")]))
    with pytest.raises(InputError, match="different eval set.*1 ids not in it"):
        check_same_eval_set(a, b)
    check_same_eval_set(a, a)
