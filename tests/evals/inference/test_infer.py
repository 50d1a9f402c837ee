"""End-to-end `adcacc infer` on the tiny random Qwen2-Audio (the 7B cannot be downloaded here;
the tiny model exercises the same classes, processor, chat template and token ids)."""
import json

import pytest

from adcacc.cli import main
from adcacc.evals.inference.backends import transformers as tf_backend
from adcacc.evals.sets.tasks import CAPTION_PROMPT


def _infer(model, data, out, *extra):
    return main(["infer", "--model", str(model), "--eval-set", "captions-csv", "--data", str(data),
                 "--out", str(out), "--max-new-tokens", "4", *extra])


def _rows(out):
    return [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]


@pytest.mark.slow
def test_interrupted_infer_resumes_to_the_same_predictions_as_batch_one(tiny_model, captions_csv, tmp_path,
                                                                        monkeypatch, capsys):
    out = tmp_path / "run"
    real, calls = tf_backend.generate_batch, []

    def interrupted(*args):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(tf_backend, "generate_batch", interrupted)
    assert _infer(tiny_model, captions_csv, out, "--batch-size", "4") == 130
    assert [r["id"] for r in _rows(out)] == ["c0", "c2", "c4", "c1"]  # first batch (shortest clips) kept
    with open(out / "predictions.jsonl", "a") as f:
        f.write('{"id": "c4", "predic')  # a line torn by a kill -9
    monkeypatch.setattr(tf_backend, "generate_batch", real)
    assert _infer(tiny_model, captions_csv, out, "--batch-size", "4") == 0
    assert "4 already done, 2 to go" in capsys.readouterr().out
    rows = _rows(out)
    assert [r["id"] for r in rows] == ["c0", "c2", "c4", "c1", "c3", "c5"]
    first = rows[0]
    assert first["references"][0] == "a tone number 0 plays" and first["prompt"] == CAPTION_PROMPT
    assert first["model"] == str(tiny_model) and first["adapter"] is None
    assert first["decoding"] == {"do_sample": False, "num_beams": 1, "max_new_tokens": 4}
    meta = json.loads((out / "run.json").read_text())
    assert meta["eval_set"]["name"] == "csv:captions" and meta["eval_set"]["n_items"] == 6

    one = tmp_path / "one"
    assert _infer(tiny_model, captions_csv, one, "--batch-size", "1") == 0
    assert {r["id"]: r["prediction"] for r in _rows(one)} == {r["id"]: r["prediction"] for r in rows}

    assert _infer(tiny_model, captions_csv, out, "--max-new-tokens", "9") == 2
    assert "different decoding" in capsys.readouterr().err


@pytest.mark.slow
def test_lora_adapter_is_applied(tiny_model, captions_csv, tmp_path):
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import Qwen2AudioForConditionalGeneration

    model = Qwen2AudioForConditionalGeneration.from_pretrained(tiny_model)
    peft_model = get_peft_model(model, LoraConfig(r=4, target_modules=["q_proj", "v_proj"], init_lora_weights=False))
    torch.manual_seed(0)
    with torch.no_grad():
        for name, p in peft_model.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 2.0)
    peft_model.save_pretrained(tmp_path / "adapter")
    base, tuned = tmp_path / "base", tmp_path / "tuned"
    assert _infer(tiny_model, captions_csv, base, "--limit", "3") == 0
    assert _infer(tiny_model, captions_csv, tuned, "--limit", "3", "--adapter", str(tmp_path / "adapter")) == 0
    assert _rows(tuned)[0]["adapter"] == str(tmp_path / "adapter")
    assert [r["prediction"] for r in _rows(tuned)] != [r["prediction"] for r in _rows(base)]
    assert main(["infer", "--model", str(tiny_model), "--eval-set", "captions-csv", "--data", str(captions_csv),
                 "--out", str(tmp_path / "x"), "--adapter", str(tmp_path)]) == 2
    assert not (tmp_path / "x").exists()


@pytest.mark.slow
def test_retention_infer_then_eval(tiny_model, tmp_path, capsys):
    from tests.evals.files import tone

    lines = ["id,path,label"] + [f"v{i},vsc/v{i}.wav,{lab}" for i, lab in enumerate(("laughter", "cough", "sniff"))]
    for i in range(3):
        tone(tmp_path / "retention" / "vsc" / f"v{i}.wav", 200 + 100 * i)
    (tmp_path / "retention" / "vsc_proxy.csv").write_text("\n".join(lines) + "\n")
    out = tmp_path / "run"
    assert main(["infer", "--model", str(tiny_model), "--eval-set", "vsc-proxy", "--max-new-tokens", "4",
                 "--data", str(tmp_path / "retention" / "vsc_proxy.csv"), "--out", str(out)]) == 0
    rows = _rows(out)
    assert [r["label"] for r in rows] == ["laughter", "cough", "sniff"] and "throat clearing" in rows[0]["prompt"]
    meta = json.loads((out / "run.json").read_text())
    assert meta["eval_set"]["proxy"] is True and meta["prompt"] == rows[0]["prompt"]
    assert meta["prompt_source"] == "the task's default (evals/sets/tasks.py)"
    assert main(["eval", "retention", "--preds", str(out), "--out", str(tmp_path / "scores")]) == 0
    payload = json.loads((tmp_path / "scores" / "retention.json").read_text())
    assert payload["task"] == "vsc" and payload["n_items"] == 3 and sum(payload["rules"].values()) == 3
    assert "PROXY" in capsys.readouterr().out


def test_an_unreadable_clip_stops_before_anything_is_written(tiny_model, gtzan_root, tmp_path, capsys):
    (gtzan_root / "genres_original" / "jazz" / "jazz.00054.wav").write_bytes(b"corrupt")  # left out, noted
    (gtzan_root / "genres_original" / "blues" / "blues.00001.wav").write_bytes(b"corrupt")  # any other: error
    out = tmp_path / "run"
    assert main(["infer", "--model", str(tiny_model), "--eval-set", "gtzan", "--data", str(gtzan_root),
                 "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert "jazz.00054.wav left out" in captured.out
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and "gtzan clip blues.00001" in err[0] and "unreadable or corrupt audio" in err[0]
    assert not out.exists()


def test_out_that_is_a_file_is_refused_in_one_line(captions_csv, tmp_path, capsys):
    (tmp_path / "file").write_text("mine")
    assert main(["infer", "--model", "m", "--eval-set", "captions-csv", "--data", str(captions_csv),
                 "--out", str(tmp_path / "file")]) == 2
    assert "--out is a file, not a folder" in capsys.readouterr().err and (tmp_path / "file").read_text() == "mine"


def test_a_constant_run_is_scored_like_a_model_run(tmp_path):
    """The trivial baseline: one answer for every clip, in the run format `eval` reads."""
    from adcacc.evals.inference.infer import run_constant
    from adcacc.evals.scoring.runs import score_run
    from tests.evals.files import tone

    lines = ["id,path,label"] + [f"v{i},vsc/v{i}.wav,{lab}" for i, lab in enumerate(("laughter", "cough", "laughter"))]
    for i in range(3):
        tone(tmp_path / "vsc" / f"v{i}.wav", 200 + 100 * i)
    (tmp_path / "vsc_proxy.csv").write_text("\n".join(lines) + "\n")
    out = run_constant("laughter", "trivial: majority class", "vsc-proxy", tmp_path / "vsc_proxy.csv", tmp_path / "run")
    rows = _rows(out)
    assert [r["prediction"] for r in rows] == ["laughter"] * 3 and rows[0]["model"] == "trivial: majority class"
    payload = score_run(out, tmp_path / "scores")
    assert payload["accuracy_strict"] == pytest.approx(2 / 3)


def test_infer_refuses_a_folder_holding_someone_elses_predictions(captions_csv, tmp_path, capsys):
    """Issue 21 case 6: `adcacc infer --out DIR` rewrote a predictions.jsonl it did not write."""
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    text = "".join(json.dumps({"id": f"x{i}", "prediction": "p"}) + "\n" for i in range(20))
    (theirs / "predictions.jsonl").write_text(text)
    assert _infer("m", captions_csv, theirs) == 2
    err = capsys.readouterr().err
    assert "not empty and was not made by adcacc infer" in err and "Traceback" not in err
    assert (theirs / "predictions.jsonl").read_text() == text
    assert sorted(p.name for p in theirs.iterdir()) == ["predictions.jsonl"]


class _EchoBackend:
    """Stands in for a model: answers each clip with its length; records that it was loaded."""

    sample_rate = 16000
    loaded: list[str] = []

    def __init__(self, name, model, *args, **kwargs):
        self.loaded.append(model)

    def __call__(self, audios, prompts):
        return [f"{len(a)} samples" for a in audios]


def test_resume_is_refused_for_other_eval_set_contents(captions_csv, tmp_path, monkeypatch, capsys):
    """Another CSV under the same eval-set name (csv:captions), or a clip rewritten in place:
    one line, before any model loads, and the earlier predictions stay as they were."""
    import os
    import shutil

    from adcacc.evals.inference import infer

    monkeypatch.setattr(infer, "open_backend", _EchoBackend)
    out = tmp_path / "run"
    assert _infer("m", captions_csv, out) == 0
    assert _infer("m", captions_csv, out) == 0  # same contents: resumes
    assert "6 already done, 0 to go" in capsys.readouterr().out and _EchoBackend.loaded == ["m"]
    before = (out / "predictions.jsonl").read_bytes()

    other = tmp_path / "other" / "captions.csv"
    shutil.copytree(captions_csv.parent / "audio", other.parent / "audio")
    other.write_text(captions_csv.read_text().replace("a steady beep sounds", "a bird sings"))
    clip = captions_csv.parent / "audio" / "c3.wav"
    st = clip.stat()
    rewritten = bytearray(clip.read_bytes())
    rewritten[-2:] = bytes(b ^ 0xFF for b in rewritten[-2:])  # one sample changed, same size

    def rewrite_clip():
        clip.write_bytes(bytes(rewritten))
        os.utime(clip, ns=(st.st_atime_ns, st.st_mtime_ns))

    for data, change in ((other, None), (captions_csv, rewrite_clip)):
        if change:
            change()
        assert _infer("m", data, out) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "predictions for other eval-set contents; use a new --out" in err[0]
    assert _EchoBackend.loaded == ["m"] and (out / "predictions.jsonl").read_bytes() == before


def test_pairs_with_their_own_prompts_decode_batched_as_one_at_a_time(tiny_model, pairs_jsonl, tmp_path, capsys):
    runs = {}
    for batch in ("1", "4"):
        out = tmp_path / f"b{batch}"
        assert main(["infer", "--model", str(tiny_model), "--eval-set", "own-adc", "--data", str(pairs_jsonl),
                     "--out", str(out), "--max-new-tokens", "4", "--batch-size", batch]) == 0
        runs[batch] = {r["id"]: r for r in _rows(out)}
    assert {k: r["prediction"] for k, r in runs["1"].items()} == {k: r["prediction"] for k, r in runs["4"].items()}
    row = runs["4"]["adc_val#2"]
    assert row["prompt"] == "What changed from the first clip to the second? (1)"
    assert [p.rsplit("/", 1)[-1] for p in row["audios"]] == ["p1a.wav", "p1b.wav"]
    assert row["references"] == ["add a tone number 1"]
    assert json.loads((tmp_path / "b4" / "run.json").read_text())["prompt_source"].startswith("each row's own")
    assert main(["infer", "--model", str(tiny_model), "--eval-set", "own-adc", "--data", str(pairs_jsonl),
                 "--out", str(tmp_path / "p"), "--prompt", "Describe."]) == 2
    assert "bring their own prompts" in capsys.readouterr().err


def test_teacher_forced_runs_record_every_labels_and_references_score(tiny_model, tmp_path, captions_csv, pairs_jsonl):
    from adcacc.evals.sets.tasks import TASK_LABELS
    from tests.evals.files import tone

    lines = ["id,path,label"] + [f"v{i},vsc/v{i}.wav,{lab}" for i, lab in enumerate(("laughter", "cough"))]
    for i in range(2):
        tone(tmp_path / "retention" / "vsc" / f"v{i}.wav", 200 + 100 * i)
    (tmp_path / "retention" / "vsc_proxy.csv").write_text("\n".join(lines) + "\n")
    sets = {"vsc-proxy": tmp_path / "retention" / "vsc_proxy.csv", "captions-csv": captions_csv, "own-adc": pairs_jsonl}
    for name, data in sets.items():
        out = tmp_path / name
        assert main(["infer", "--model", str(tiny_model), "--eval-set", name, "--data", str(data), "--out", str(out),
                     "--max-new-tokens", "3", "--limit", "2", "--teacher-forced"]) == 0
        rows = _rows(out)
        assert json.loads((out / "run.json").read_text())["teacher_forced"] is True
        for row in rows:
            if name == "vsc-proxy":
                assert list(row["label_logprobs"]) == list(TASK_LABELS["vsc"])
                assert all(lp < 0 for lp in row["label_logprobs"].values())
            else:
                assert len(row["ref_logprobs"]) == len(row["references"])
                assert all(lp < 0 and n >= 2 for lp, n in row["ref_logprobs"])
        # a resumed run must keep the same setting
        assert main(["infer", "--model", str(tiny_model), "--eval-set", name, "--data", str(data), "--out", str(out),
                     "--max-new-tokens", "3", "--limit", "2"]) == 2
