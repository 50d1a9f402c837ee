import json
import random
import shutil
import subprocess

import numpy as np
import pytest

from adcacc.cli import main
from evals.compare import paired_bootstrap
from evals.report_html import POOLED_NOTE
from evals.retention_sets import TASK_LABELS
from tests.evals.files import write_jsonl

LABELS = TASK_LABELS["vsc"]


def test_paired_bootstrap_brackets_a_known_shift_and_is_seeded():
    rng = np.random.default_rng(1)
    base = rng.normal(0.5, 0.2, 400)
    low, high = paired_bootstrap(base, base + 0.1, 500, seed=0)
    assert low == pytest.approx(0.1) and high == pytest.approx(0.1)  # constant paired shift
    arm = base + rng.normal(0.05, 0.1, 400)
    low, high = paired_bootstrap(base, arm, 500, seed=0)
    assert low < 0.05 < high and high - low < 0.05
    assert paired_bootstrap(base, arm, 500, seed=0) == (low, high)


def _arm(root, name, skill, n=40, seed=0, eval_name="vsc_proxy", ids=None):
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        lab = LABELS[i % 6]
        rows.append({"id": (ids or (lambda k: f"v{k}"))(i), "label": lab,
                     "prediction": lab if rnd.random() < skill else rnd.choice(["hmm", "sneezing", "a giggle"])})
    run = root / name / "vsc"
    write_jsonl(run / "predictions.jsonl", rows)
    (run / "run.json").write_text(json.dumps({"eval_set": {"name": eval_name, "task": "vsc", "proxy": True}}))
    return root / name


def _caption_arm(root, name, good):
    rnd = random.Random(1)
    refs = [[f"a dog barks number {i}", "a dog is barking loudly"] for i in range(8)]
    rows = [{"id": f"c{i}", "references": r, "prediction": r[0] if rnd.random() < good else "rain falls"}
            for i, r in enumerate(refs)]
    run = root / name / "caps"
    write_jsonl(run / "predictions.jsonl", rows)
    (run / "run.json").write_text(json.dumps({"eval_set": {"name": "audiocaps_test", "task": "caption"}}))


@pytest.mark.slow
def test_compare_writes_tables_figures_and_html_that_chromium_renders(tmp_path):
    arms = [_arm(tmp_path, "base", 0.6), _arm(tmp_path, "ACC", 0.9, seed=1), _arm(tmp_path, "ADC", 0.3, seed=2)]
    for name, good in (("base", 0.3), ("ACC", 0.8)):  # ADC has no captioning run: its cells stay empty
        _caption_arm(tmp_path, name, good)
    out = tmp_path / "report"
    assert main(["compare", *map(str, arms), "--out", str(out), "--bootstrap", "300"]) == 0
    rows = json.loads((out / "comparison.json").read_text())["rows"]
    acc = {r["arm"]: r for r in rows if r["metric"] == "accuracy"}
    assert acc["ACC"]["delta"] == pytest.approx(acc["ACC"]["value"] - acc["base"]["value"])
    assert acc["ACC"]["ci_low"] < acc["ACC"]["delta"] < acc["ACC"]["ci_high"]
    assert acc["base"]["paper"] is None  # a proxy is never paired with the paper's Table 3
    cider = {r["arm"]: r for r in rows if r["metric"] == "CIDEr-D"}
    assert cider["ACC"]["paper"] == 2.4699 and cider["ACC"]["ci_low"] is not None
    pooled = [r for r in rows if r["metric"].startswith(("BLEU", "METEOR")) and r["arm"] == "ACC"]
    assert len(pooled) == 5 and all(r["ci_low"] <= r["delta"] <= r["ci_high"] for r in pooled)
    md = (out / "comparison.md").read_text()
    assert "[PROXY]" in md and "CIDEr-D" in md and "unavailable" in md and POOLED_NOTE in md
    assert (out / "comparison.csv").read_text().startswith("eval_set,kind,metric,arm,value")
    assert sorted(p.name for p in (out / "figures").iterdir()) == [
        "caption_metrics.png", "forgetting.png", "retention_accuracy.png"]
    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 3 and "src='http" not in html

    chromium = shutil.which("chromium")
    assert chromium, "Debian chromium is installed by scripts/setup.sh"
    shot = tmp_path / "shot.png"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run",
                    f"--user-data-dir={tmp_path / 'chromium'}", "--window-size=1200,1600",
                    f"--screenshot={shot}", (out / "report.html").as_uri()],
                   check=True, capture_output=True, timeout=120)
    from PIL import Image

    img = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert img.shape == (1600, 1200)
    assert img.std() > 20  # text, tables and bars drawn, not a blank page


def test_compare_is_byte_identical_on_rerun(tmp_path):
    arms = [_arm(tmp_path, "base", 0.6), _arm(tmp_path, "ACC", 0.9, seed=1)]
    out = tmp_path / "report"
    assert main(["compare", *map(str, arms), "--out", str(out), "--bootstrap", "200"]) == 0
    before = {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert len(before) == 6  # md, csv, json, html, 2 figures (no captioning run)
    assert main(["compare", *map(str, arms), "--out", str(out), "--bootstrap", "200"]) == 0
    assert {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_compare_refuses_runs_from_different_eval_sets(tmp_path, capsys):
    base = _arm(tmp_path, "base", 0.5)
    other = _arm(tmp_path, "ACC", 0.5, ids=lambda k: f"w{k}")
    assert main(["compare", str(base), str(other), "--out", str(tmp_path / "out")]) == 2
    assert "different eval set" in capsys.readouterr().err
    renamed = _arm(tmp_path, "ADC", 0.5, eval_name="vocalsound_test")
    assert main(["compare", str(base), str(renamed), "--out", str(tmp_path / "out")]) == 2
    assert "is from eval set 'vocalsound_test'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
