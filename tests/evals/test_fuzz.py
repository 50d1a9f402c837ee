"""Fuzzing the evals' readers through the CLI: random JSONL lines, run.json values, CSV rows
and bytes. Whatever comes in: exit 0 or 2, never a traceback or the CLI's catch-all line
for an unexpected error, a failure names the bad file, and nothing is written but `--out`
(on failure not even that)."""
import contextlib
import io
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from adcacc.cli import main
from adcacc.evals.sets.tasks import TASK_LABELS

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                    max_leaves=6)
LABEL = st.sampled_from(TASK_LABELS["vsc"]) | st.text(max_size=6) | JSON
ROW = st.fixed_dictionaries({}, optional={"id": st.text(max_size=4) | st.integers() | JSON, "label": LABEL,
                                          "prediction": st.sampled_from(TASK_LABELS["vsc"]) | st.text(max_size=12) | JSON,
                                          "references": JSON})
VALID_ROW = st.fixed_dictionaries({"id": st.text(min_size=1, max_size=4), "label": st.sampled_from(TASK_LABELS["vsc"]),
                                   "prediction": st.sampled_from(TASK_LABELS["vsc"]) | st.text(max_size=12)})
LINE = (VALID_ROW | ROW).map(lambda r: json.dumps(r).encode()) | st.binary(max_size=40) | JSON.map(lambda v: json.dumps(v).encode())
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=10)
CSV_ROW = (st.tuples(TEXT, st.just("a.wav"), st.sampled_from(TASK_LABELS["vsc"])).map(list)
           | st.lists(TEXT | st.sampled_from(TASK_LABELS["vsc"]) | st.just("a.wav"), min_size=0, max_size=4))


def _cli(argv: list[str], root: Path) -> tuple[int, str]:
    """Run the CLI; check the promises that hold whatever the input; return (code, stderr)."""
    before = {p for p in root.rglob("*")}
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    stderr = err.getvalue()
    event(f"exit {code}: {stderr.split(': ')[-1][:30]}")  # shown by --hypothesis-show-statistics
    assert code in (0, 2), stderr
    assert "Traceback" not in stderr and "--debug" not in stderr, stderr  # no unexpected error
    written = {p for p in root.rglob("*")} - before
    out_dir = Path(argv[argv.index("--out") + 1])
    assert all(p == out_dir or out_dir in p.parents for p in written), written
    if code == 2:
        assert len(stderr.strip().splitlines()) == 1 and str(root) in stderr, stderr  # names the file
        assert not out_dir.exists()
    return code, stderr


@SETTINGS
@given(lines=st.lists(LINE, max_size=5), meta=st.none() | JSON.map(lambda v: json.dumps(v).encode()) | st.binary(max_size=30))
def test_random_predictions_and_run_json_into_eval_retention(lines, meta):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "run").mkdir()
        (root / "run" / "predictions.jsonl").write_bytes(b"\n".join(lines))
        if meta is not None:
            (root / "run" / "run.json").write_bytes(meta)
        code, _ = _cli(["eval", "retention", "--preds", str(root / "run"), "--out", str(root / "scores")], root)
        if code == 0:
            payload = json.loads((root / "scores" / "retention.json").read_text())
            assert 0 <= payload["accuracy_strict"] <= payload["accuracy_mapped"] <= 1


@SETTINGS
@given(data=st.binary(max_size=200))
def test_random_bytes_into_eval_captions(data):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "p.jsonl").write_bytes(data)
        code, _ = _cli(["eval", "captions", "--preds", str(root / "p.jsonl"), "--out", str(root / "scores")], root)
        assert code == 2  # random bytes are never a scorable captions file


@SETTINGS
@given(eval_set=st.sampled_from(["captions-csv", "vsc-proxy", "mic-proxy", "clotho", "nsynth", "vocalsound"]),
       header=st.sampled_from([["id", "path", "caption_1"], ["id", "path", "label"], ["file_name", "caption_1"]])
       | st.lists(TEXT, max_size=3),
       rows=st.lists(CSV_ROW, max_size=4), raw=st.none() | st.binary(max_size=60), audio=st.binary(max_size=64))
def test_random_eval_set_files_into_infer(eval_set, header, rows, raw, audio):
    import csv

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        buf = io.StringIO()
        csv.writer(buf).writerows([header, *rows])
        content = raw if raw is not None else buf.getvalue().encode()
        data = root / "set.csv"
        layout = {"clotho": root / "CLOTHO_v2.1" / "clotho_csv_files" / "clotho_captions_evaluation.csv",
                  "nsynth": root / "nsynth-test" / "examples.json", "vocalsound": root / "meta" / "te_meta.csv"}
        target = layout.get(eval_set, data)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        (root / "a.wav").write_bytes(audio)  # random bytes as audio, named by some rows
        argv = ["infer", "--model", str(root / "no-model"), "--eval-set", eval_set,
                "--data", str(data if eval_set in ("captions-csv", "vsc-proxy", "mic-proxy") else root),
                "--out", str(root / "run")]
        code, _ = _cli(argv, root)
        assert code == 2  # never a model to run: the input or the model is refused, in one line
