import json

import pytest

from adcacc.common.errors import InputError
from adcacc.evals.inference.predictions import check_same_eval_set, read_predictions
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


def test_non_utf8_bytes_and_deep_nesting_are_one_line_errors(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_bytes(json.dumps(_row("a")).encode() + b"\n{\"id\": \"b\xff\"}\n")
    with pytest.raises(InputError, match="row 2: not UTF-8"):
        read_predictions(path)
    path.write_text("[" * 100000 + "\n")
    with pytest.raises(InputError, match="row 1: not valid JSON"):
        read_predictions(path)


@pytest.mark.parametrize("meta, message", [
    (b"{not json", "not a valid UTF-8 JSON file"),
    (b"\xff\xfe", "not a valid UTF-8 JSON file"),
    (b"[1, 2]", "must be a JSON object"),
    (b'{"eval_set": "vsc"}', "must be a JSON object with an 'eval_set' object"),
    (b'{"eval_set": {"n_items": "8"}}', "eval_set.n_items must be of type int"),
    (b'{"eval_set": {}, "skipped": ["a"]}', "'skipped' must be a list of objects"),
    (b'{"eval_set": {}, "notes": [1]}', "'notes' must be a list of strings"),
])
def test_malformed_run_json_is_one_line_naming_it(tmp_path, meta, message):
    write_jsonl(tmp_path / "run" / "predictions.jsonl", [_row("a")])
    (tmp_path / "run" / "run.json").write_bytes(meta)
    with pytest.raises(InputError, match=message) as err:
        read_predictions(tmp_path / "run")
    assert str(tmp_path / "run" / "run.json") in str(err.value)
