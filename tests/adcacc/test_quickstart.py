"""`adcacc quickstart`, the research loop in one file, on the embedded corpus: real sounds, real decoding, no hub."""
import json
from pathlib import Path

import pytest
import soundfile as sf

from adcacc.cli import main
from adcacc.common.vocabulary import DATASETS
from adcacc.data_builders.layout import SPLITS, dataset_file


@pytest.mark.slow
def test_quickstart_builds_datasets_from_the_embedded_corpus(tmp_path):
    out = tmp_path / "qs"
    assert main(["quickstart", "--out", str(out), "--data-only"]) == 0
    data = out / "data"
    report = json.loads((data / "build_report.json").read_text())
    assert report["bases_built"] == 60 and not report["skips"]
    assert report["pairs_by_op"] == {"add": 120, "delete": 120, "replace": 120}
    rows = 0
    for kind in DATASETS:
        for split in SPLITS:
            for line in (data / dataset_file(kind, split)).read_text().splitlines():
                row = json.loads(line)
                assert row["messages"][0]["content"].count("<audio>") == len(row["audios"])
                assert row["messages"][1]["content"].strip()
                for audio in row["audios"]:
                    assert Path(audio).is_file()
                rows += 1
    assert rows == 60 + 2 * 360
    info = sf.info(next((data / "audio").rglob("AB.wav")))
    assert (info.samplerate, info.channels, info.frames) == (16000, 1, 160000)
    # rerunning the quickstart reuses everything and changes nothing
    before = (data / "acc_train.jsonl").read_bytes()
    assert main(["quickstart", "--out", str(out), "--data-only"]) == 0
    assert (data / "acc_train.jsonl").read_bytes() == before
    assert json.loads((data / "build_report.json").read_text())["timing"]["bases_reused"] == 60


@pytest.mark.slow
def test_quickstart_trains_infers_and_reports_every_arm(tmp_path):
    """The whole quickstart loop (not the main job, `adcacc run experiments/demo.yaml`): real
    swift sft per arm, real inference, real metrics, the report.

    The tiny random Qwen2-Audio stands in for the 7B model (no hub here), so only the
    plumbing is checked, not the scores."""
    out = tmp_path / "qs"
    assert main(["quickstart", "--out", str(out), "--steps", "2", "--limit", "4"]) == 0
    for arm in ("ac", "adc", "acc"):
        assert (out / "train" / arm / "checkpoint-2" / "adapter_model.safetensors").is_file()
    for arm in ("base", "ac", "adc", "acc"):
        for eval_set, n in (("captions-csv", 4), ("vsc-proxy", 3), ("mic-proxy", 4)):
            rows = (out / "runs" / arm / eval_set / "predictions.jsonl").read_text().splitlines()
            assert len(rows) == n
    table = json.loads((out / "report" / "comparison.json").read_text())
    assert list(table["arms"]) == ["base", "ac", "adc", "acc"]
    html = (out / "report" / "report.html").read_text()
    assert "CIDEr-D" in html and "PROXY" in html and "data:image/png;base64" in html


def test_quickstart_refuses_a_users_folder(tmp_path, capsys):
    user = tmp_path / "u"
    (user / "train" / "ac").mkdir(parents=True)
    (user / "train" / "ac" / "mine.txt").write_text("x")
    assert main(["quickstart", "--out", str(user), "--data-only"]) == 2
    assert "not empty and was not made by adcacc quickstart" in capsys.readouterr().err
    assert [p.relative_to(user).as_posix() for p in sorted(user.rglob("*"))] == ["train", "train/ac", "train/ac/mine.txt"]
