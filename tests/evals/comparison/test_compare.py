import json
import random
import shutil
import subprocess

import numpy as np
import pytest

from adcacc.cli import main
from adcacc.common.errors import InputError
from adcacc.common.owned_dir import BOOKKEEPING
from adcacc.evals.comparison.compare import compare_experiment
from adcacc.evals.comparison.paper_numbers import AUDIOCAPS_OVERLAP
from adcacc.evals.comparison.report_tables import POOLED_NOTE
from adcacc.evals.comparison.verdicts import Claim
from adcacc.evals.sets.tasks import TASK_LABELS
from tests.evals.files import write_jsonl

LABELS = TASK_LABELS["vsc"]


def _vsc(folder, skill, seed, n=60, eval_name="vsc_proxy", labels=None):
    """A retention run: correct label with probability `skill`, else an off-label answer."""
    rnd = random.Random(seed)
    rows = [{"id": f"v{i}", "label": (labels or LABELS)[i % 6],
             "prediction": LABELS[i % 6] if rnd.random() < skill else rnd.choice(["hmm", "cough", "a giggle"])}
            for i in range(n)]
    write_jsonl(folder / "predictions.jsonl", rows)
    (folder / "run.json").write_text(json.dumps({"eval_set": {"name": eval_name, "task": "vsc", "proxy": True}}))
    return folder


def _captions(folder, good, seed, name="audiocaps_test"):
    rnd = random.Random(seed)
    refs = [[f"a dog barks number {i}", "a dog is barking loudly"] for i in range(10)]
    rows = [{"id": f"c{i}", "references": r, "prediction": r[0] if rnd.random() < good else "rain falls"}
            for i, r in enumerate(refs)]
    write_jsonl(folder / "predictions.jsonl", rows)
    (folder / "run.json").write_text(json.dumps({"eval_set": {"name": name, "task": "caption"}}))


def _experiment(root, with_captions=False):
    skills = {"base": [0.6], "acc": [0.85, 0.9, 0.8], "adc": [0.3, 0.25, 0.35]}
    arms = {}
    for arm, per_seed in skills.items():
        arms[arm] = []
        for s, skill in enumerate(per_seed):
            rep = root / arm / f"seed{s}"
            _vsc(rep / "vsc", skill, seed=10 * s + len(arm))
            if with_captions:
                _captions(rep / "caps", skill, seed=s + len(arm))
            arms[arm].append(rep)
    return arms


CLAIMS = [Claim("1", "ACC keeps VSC at least as well as ADC", "accuracy_strict", "retention", "acc", "adc", "greater"),
          Claim("2", "ADC forgets", "accuracy_strict", "vsc_proxy", "adc", "base", "less"),
          Claim("3", "ACC matches base", "accuracy_mapped", "vsc_proxy", "acc", "base", "equivalent", 0.01)]


def test_seeds_are_replicates_with_per_seed_values_cis_and_verdicts(tmp_path):
    arms = _experiment(tmp_path)
    out = tmp_path / "report"
    result = compare_experiment(arms, out, contrasts=[("acc", "adc")], claims=CLAIMS, n_boot=300)
    vsc = result["eval_sets"]["vsc_proxy"]
    acc = next(r for r in vsc["values"] if r["arm"] == "acc" and r["metric"] == "accuracy_strict")
    assert len(acc["per_seed"]) == 3 and acc["mean"] == pytest.approx(np.mean(acc["per_seed"]))
    assert acc["ci"][0] < acc["mean"] < acc["ci"][1]
    delta = next(d for d in vsc["deltas"] if (d["a"], d["b"], d["metric"]) == ("acc", "adc", "accuracy_strict"))
    assert delta["per_seed"] == pytest.approx([x - y for x, y in zip(delta["per_seed_a"], delta["per_seed_b"])])
    verdicts = {v["id"]: v["verdict"] for v in result["verdicts"]}
    assert verdicts["1"] == "holds" and verdicts["2"] == "holds" and verdicts["3"] != "holds"
    strict = {r["arm"]: r for r in vsc["values"] if r["metric"] == "accuracy_strict"}
    mapped = {r["arm"]: r for r in vsc["values"] if r["metric"] == "accuracy_mapped"}
    assert mapped["adc"]["mean"] > strict["adc"]["mean"]  # the fallback credits "a giggle" etc.
    md = (out / "comparison.md").read_text()
    assert md.index("## Verdicts") < md.index("## Retention") and "seeds: " in md
    assert "| acc |" in md and "strict accuracy" in md  # one row per arm, metrics as columns
    assert (out / "comparison.csv").read_text().startswith("kind,eval_set,metric,arm,value,ci_low")


def test_byte_identical_on_rerun_and_cli_compare_uses_the_same_path(tmp_path):
    arms = _experiment(tmp_path)
    out = tmp_path / "report"
    compare_experiment(arms, out, claims=CLAIMS, n_boot=200)
    before = {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert len(set(before) - set(BOOKKEEPING)) == 7  # md, csv, json, html, 2 retention figures, forest plot
    compare_experiment(arms, out, claims=CLAIMS, n_boot=200)
    assert {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    flat = tmp_path / "flat"
    assert main(["compare", str(arms["base"][0]), str(arms["acc"][0] / "vsc"), "--out", str(flat),
                 "--names", "base", "acc", "--bootstrap", "200"]) == 0  # a flat run pairs by eval set
    result = json.loads((flat / "comparison.json").read_text())
    assert [len(f) for f in result["arms"].values()] == [1, 1] and result["eval_sets"]["vsc_proxy"]["deltas"]


def test_refuses_same_ids_with_other_labels_and_a_flat_arm_that_shares_nothing(tmp_path, capsys):
    base = _vsc(tmp_path / "base" / "vsc", 0.6, 0)
    relabelled = _vsc(tmp_path / "other" / "vsc", 0.6, 0, labels=list(reversed(LABELS)))
    assert main(["compare", str(base.parent), str(relabelled.parent), "--out", str(tmp_path / "o")]) == 2
    assert "different label" in capsys.readouterr().err
    elsewhere = _vsc(tmp_path / "flat", 0.6, 0, eval_name="vocalsound_test")
    assert main(["compare", str(base.parent), str(elsewhere), "--out", str(tmp_path / "o")]) == 2
    assert "nothing to compare" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_only_the_named_eval_sets_are_compared(tmp_path):
    """The runner names its eval sets: predictions of a set an earlier version of the
    experiment had (left in the arm folders) are not read as results of this one."""
    arms = _experiment(tmp_path, with_captions=True)
    for folders in arms.values():
        _vsc(folders[0] / "stale", 0.0, seed=1, eval_name="mic-proxy")  # one seed only: would not even pair
    result = compare_experiment(arms, tmp_path / "report", n_boot=50, eval_sets=["vsc_proxy"])
    assert list(result["eval_sets"]) == ["vsc_proxy"] and result["notes"] == []
    with pytest.raises(InputError, match="every seed needs the same sets"):
        compare_experiment(arms, tmp_path / "report2", n_boot=50)
    for folders in arms.values():  # a stale run whose predictions are broken is never read
        broken = _vsc(folders[0] / "older", 0.0, seed=1, eval_name="old-set")
        (broken / "predictions.jsonl").write_text("{not json\n")
    again = compare_experiment(arms, tmp_path / "report", n_boot=50, eval_sets=["vsc_proxy"])
    assert again["eval_sets"] == result["eval_sets"]


def test_a_set_without_an_arm_is_unavailable_not_zero(tmp_path):
    arms = _experiment(tmp_path)
    _vsc(arms["base"][0] / "mic", 0.5, 1, eval_name="extra_vsc")
    result = compare_experiment(arms, tmp_path / "r", n_boot=100)
    extra = result["eval_sets"]["extra_vsc"]
    assert extra["arms_missing"] == ["acc", "adc"]
    rec = next(r for r in extra["values"] if r["arm"] == "acc")
    assert "mean" not in rec and "no run of arm 'acc'" in rec["unavailable"]
    assert "unavailable" in (tmp_path / "r" / "comparison.md").read_text()


@pytest.mark.slow
def test_report_with_captions_renders_in_chromium(tmp_path):
    arms = _experiment(tmp_path, with_captions=True)
    out = tmp_path / "report"
    claims = CLAIMS + [Claim("4", "ACC captions better than ADC", "CIDEr-D", "captioning", "acc", "adc", "greater")]
    result = compare_experiment(arms, out, contrasts=[("acc", "adc")], claims=claims, n_boot=300)
    caps = result["eval_sets"]["audiocaps_test"]
    pooled = [d for d in caps["deltas"] if d["metric"] in ("BLEU-4", "METEOR") and d["a"] == "acc"]
    assert len(pooled) == 4 and all(d["ci"][0] <= d["delta"] <= d["ci"][1] for d in pooled)
    assert [len(e["captions"]) for e in caps["examples"]] == [3, 3, 3]
    md = (out / "comparison.md").read_text()
    assert "CIDEr-D" in md and POOLED_NOTE in md and "Example captions" in md
    assert "| paper: ADC |" in md and AUDIOCAPS_OVERLAP in md  # the paper's rows, with their caveats
    assert "* paper ADC SPICE 0.4480: inconsistent with the paper's own SPIDEr" in md
    assert sorted(p.name for p in (out / "figures").iterdir()) == [
        "caption_metrics.png", "forest.png", "forgetting.png", "retention_accuracy.png"]
    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 4 and "src='http" not in html
    assert html.index("Verdicts") < html.index("Captioning on")

    chromium = shutil.which("chromium")
    assert chromium, "Debian chromium is installed by scripts/setup.sh"
    shot = tmp_path / "shot.png"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run",
                    f"--user-data-dir={tmp_path / 'chromium'}", "--window-size=1300,1600",
                    f"--screenshot={shot}", (out / "report.html").as_uri()],
                   check=True, capture_output=True, timeout=120)
    from PIL import Image

    img = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert img.shape == (1600, 1300) and img.std() > 20  # tables and bars drawn, not a blank page


def test_claims_seeds_and_contrasts_are_checked_before_scoring(tmp_path):
    from adcacc.common.errors import InputError

    arms = _experiment(tmp_path)
    with pytest.raises(InputError, match="metric 'CIDEr-D' is not one of eval set 'vsc_proxy'"):
        compare_experiment(arms, tmp_path / "o", claims=[Claim("x", "", "CIDEr-D", "vsc_proxy", "acc", "adc", "greater")])
    with pytest.raises(InputError, match="contrast"):
        compare_experiment(arms, tmp_path / "o", contrasts=[("acc", "ac_matched")])
    _vsc(arms["acc"][1] / "more", 0.5, 3, eval_name="other_vsc")
    with pytest.raises(InputError, match="every seed needs the same sets"):
        compare_experiment(arms, tmp_path / "o")
    assert not (tmp_path / "o").exists()


def test_a_retention_group_claim_is_the_mean_over_its_sets(tmp_path):
    arms = _experiment(tmp_path)
    for arm, reps in arms.items():
        for s, rep in enumerate(reps):
            _vsc(rep / "vsc2", 0.5 + 0.1 * s, seed=s + len(arm) + 7, eval_name="vsc_other")
    claim = Claim("g", "ADC keeps less than ACC", "accuracy_strict", "retention", "adc", "acc", "less")
    result = compare_experiment(arms, tmp_path / "r", claims=[claim], contrasts=[("adc", "acc")], n_boot=200)
    (v,) = result["verdicts"]
    per_set = [next(d for d in result["eval_sets"][s]["deltas"]
                    if (d["a"], d["b"], d["metric"]) == ("adc", "acc", "accuracy_strict"))
               for s in ("vsc_other", "vsc_proxy")]
    assert v["eval_sets"] == ["vsc_other", "vsc_proxy"]
    assert v["delta"] == pytest.approx(np.mean([d["delta"] for d in per_set]))
    assert v["per_seed"] == pytest.approx(np.mean([d["per_seed"] for d in per_set], axis=0))
    assert v["ci"][0] <= v["delta"] <= v["ci"][1]


def test_a_failed_precondition_voids_the_report(tmp_path):
    """Gates (the base beats a trivial baseline) are reported apart from the claims; one that
    does not hold makes the report say VOID, in the HTML and the markdown."""
    arms = _experiment(tmp_path)
    arms["trivial"] = [_vsc(tmp_path / "trivial" / "vsc", 0.95, seed=5).parent]
    gate = Claim("base_beats_trivial", "The base model beats the majority class", "accuracy_strict",
                 "vsc_proxy", "base", "trivial", "greater")
    out = tmp_path / "report"
    result = compare_experiment(arms, out, claims=CLAIMS[:1], gates=[gate], n_boot=200)
    assert [g["id"] for g in result["gates"]] == ["base_beats_trivial", "base_twice_chance_vsc_proxy"]
    assert [g["verdict"] for g in result["gates"]] == ["fails", "holds"]  # base 0.6, twice chance 1/3
    assert result["void"] == ["The base model beats the majority class: fails"]
    assert [v["id"] for v in result["verdicts"]] == ["1"] and result["verdicts"][0]["verdict"].startswith("VOID")
    for name in ("report.html", "comparison.md"):
        assert "VOID" in (out / name).read_text() and "Preconditions" in (out / name).read_text()

    arms["trivial"] = [_vsc(tmp_path / "trivial2" / "vsc", 0.1, seed=5).parent]
    result = compare_experiment(arms, out, claims=CLAIMS[:1], gates=[gate], n_boot=200)
    assert result["gates"][0]["verdict"] == "holds" and result["void"] == []
    assert "VOID" not in (out / "report.html").read_text()


def test_a_failed_base_precondition_voids_the_claims_on_its_set_only(tmp_path):
    """A base that cannot caption has nothing to lose on captions, but can still lose MIC:
    the claims on the failed set read VOID, the others keep their verdicts."""
    arms = _experiment(tmp_path, with_captions=True)
    arms["trivial"] = [_vsc(tmp_path / "trivial" / "vsc", 0.95, seed=5).parent]
    gate = Claim("base_beats_trivial", "The base model beats the majority class", "accuracy_strict",
                 "vsc_proxy", "base", "trivial", "greater")
    on_captions = Claim("c", "ACC captions better than ADC", "CIDEr-D", "audiocaps_test", "acc", "adc", "greater")
    result = compare_experiment(arms, tmp_path / "report", claims=[CLAIMS[1], on_captions], gates=[gate], n_boot=200)
    verdicts = {v["id"]: v for v in result["verdicts"]}
    assert verdicts["2"]["void"] == ["base: precondition base_beats_trivial did not hold"]
    assert verdicts["c"]["verdict"] == "holds" and "void" not in verdicts["c"]
    assert result["family_wise"]["void_claims"] == ["2"]


def test_a_base_near_chance_voids_the_report_even_when_it_beats_the_majority_class(tmp_path):
    """Issue 22 item 3: the base must be at least twice chance on every scored proxy (here 2/6);
    beating a weak majority-class answer is not enough."""
    arms = {"base": [_vsc(tmp_path / "weak" / "vsc", 0.15, seed=3, n=200).parent],
            "trivial": [_vsc(tmp_path / "trivial" / "vsc", 0.0, seed=5, n=200).parent]}
    gate = Claim("base_beats_trivial", "The base model beats the majority class", "accuracy_strict",
                 "vsc_proxy", "base", "trivial", "greater")
    result = compare_experiment(arms, tmp_path / "report", gates=[gate], n_boot=200)
    trivial, chance = result["gates"]
    assert trivial["verdict"] == "holds" and chance["verdict"] == "fails"
    assert chance["b"] == "twice chance" and chance["delta"] == pytest.approx(chance["per_seed"][0])
    assert result["void"] == [f"{chance['text']}: fails"] and "0.333" in chance["text"]
    assert result["family_wise"]["n_gates"] == 2


def test_compare_refuses_to_overwrite_a_report_it_did_not_write(tmp_path, capsys):
    """Issue 21 case 6: `adcacc compare --out DIR` overwrote a report.html in any folder."""
    from adcacc.cli import main

    arms = _experiment(tmp_path)
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "report.html").write_text("<p>my report</p>")
    assert main(["compare", str(arms["base"][0]), str(arms["acc"][0] / "vsc"), "--out", str(theirs),
                 "--names", "base", "acc", "--bootstrap", "200"]) == 2
    err = capsys.readouterr().err
    assert "not empty and was not made by adcacc compare" in err and "Traceback" not in err
    assert [p.name for p in theirs.iterdir()] == ["report.html"]
    assert (theirs / "report.html").read_text() == "<p>my report</p>"


def _twin(root, arms, of="acc"):
    """An arm whose every seed answers exactly as `of`'s same seed: it differs by 0 per seed."""
    arms["twin"] = []
    for s, rep in enumerate(arms[of]):
        twin = root / "twin" / f"seed{s}" / "vsc"
        twin.mkdir(parents=True)
        for f in ("predictions.jsonl", "run.json"):
            shutil.copy(rep / "vsc" / f, twin / f)
        arms["twin"].append(twin.parent)
    return arms


def test_arms_are_paired_on_seed_indices(tmp_path):
    """Issue 22 case 5: seed k is the same init and data order in every arm, so the contrast of
    two arms that answer alike seed by seed has a zero-width CI (independent seed draws per
    arm gave about ±0.05 here), while a contrast with the one-replicate base keeps the seed spread."""
    arms = _twin(tmp_path, _experiment(tmp_path))
    claim = Claim("t", "The twin matches ACC", "accuracy_strict", "vsc_proxy", "twin", "acc", "equivalent", 0.01)
    result = compare_experiment(arms, tmp_path / "r", claims=[claim, CLAIMS[1]], contrasts=[("twin", "acc")],
                                n_boot=300)
    twin, adc_base = result["verdicts"]
    assert twin["ci"][1] - twin["ci"][0] < 1e-9 and twin["verdict"] == "holds"
    assert adc_base["ci"][1] - adc_base["ci"][0] > 0.05
    assert result["seeds"]["paired"] is True


def _mid(root, arms):
    """An arm near the base (0.6) on every seed: its claims against the base are inconclusive."""
    arms["mid"] = [_vsc(root / "mid" / f"s{k}" / "vsc", skill, seed=40 + k).parent
                   for k, skill in enumerate((0.62, 0.55, 0.68))]
    return arms


def test_report_gives_family_wise_verdicts_detectable_effects_and_the_seed_count(tmp_path):
    """Issue 22 case 5: the report says how many claims are tested, gives Holm-adjusted verdicts
    beside the per-claim ones (here "ACC matches base" fails alone but not after Holm), the
    smallest detectable effect under an inconclusive verdict, and the seeds' 10 multisets."""
    arms = _mid(tmp_path, _twin(tmp_path, _experiment(tmp_path)))
    claims = CLAIMS + [Claim("5", "MID beats the base", "accuracy_strict", "vsc_proxy", "mid", "base", "greater"),
                       Claim("6", "MID within 0.05", "accuracy_strict", "vsc_proxy", "mid", "base", "equivalent", 0.05),
                       Claim("t", "The twin matches ACC", "accuracy_strict", "vsc_proxy", "twin", "acc",
                             "equivalent", 0.02),
                       Claim("ctl", "ADC moves (control)", "accuracy_strict", "vsc_proxy", "adc", "base", "less",
                             role="control")]
    out = tmp_path / "report"
    result = compare_experiment(arms, out, claims=claims, n_boot=500)
    fw, by = result["family_wise"], {v["id"]: v for v in result["verdicts"]}
    assert (fw["method"], fw["n_tested"], fw["n_controls"], fw["n_gates"]) == ("holm", 6, 1, 0)
    assert by["3"]["verdict"] == "fails" and by["3"]["verdict_holm"].startswith("inconclusive")
    assert by["3"]["p"] < 0.05 < by["3"]["p_holm"]
    assert by["1"]["verdict_holm"] == "holds" and "p_holm" not in by["ctl"]
    assert by["5"]["verdict"].startswith("inconclusive")
    assert by["5"]["detectable"] == pytest.approx(2.8 / 3.24 * by["6"]["detectable"])
    assert 0.05 < by["5"]["detectable"] < 0.5
    assert result["seeds"] == {**result["seeds"], "n": 3, "paired": True, "distinct_multisets": 10}
    md, page = (out / "comparison.md").read_text(), (out / "report.html").read_text()
    for text in (md, page):
        assert "6 claim(s) tested together; 3 decisive" in text and "only 10 distinct seed multiset" in text
        assert f"could detect only effects beyond ±{by['5']['detectable']:.4f}" in text
        assert "(1.96 + 0.84) × the bootstrap standard error" in text
    assert "| inconclusive (not significant after Holm) (p = " in md and md.count("\n| 3 |") == 1
    assert md.index("## Verdicts") < md.index("## Controls")


def test_forest_plot_heads_the_report(tmp_path):
    """Issue 22 item 9: a forest plot of every claim, control and precondition opens the report."""
    from PIL import Image

    from adcacc.evals.comparison.report_html import _forest_panels

    arms = _experiment(tmp_path)
    arms["trivial"] = [_vsc(tmp_path / "trivial" / "vsc", 0.2, seed=5).parent]
    gate = Claim("g", "The base beats the majority class", "accuracy_strict", "vsc_proxy", "base", "trivial", "greater")
    control = Claim("ctl", "ADC moves (control)", "accuracy_strict", "vsc_proxy", "adc", "base", "less", role="control")
    out = tmp_path / "report"
    result = compare_experiment(arms, out, claims=[*CLAIMS, control], gates=[gate], n_boot=200)
    panels = [(role, title, [r["id"] for r in recs]) for role, title, _, recs in _forest_panels(result)]
    assert panels == [("claim", "Claims: accuracy_strict", ["1", "2"]), ("claim", "Claims: accuracy_mapped", ["3"]),
                      ("control", "Controls: accuracy_strict", ["ctl"]),
                      ("gate", "Preconditions: accuracy_strict", ["g", "base_twice_chance_vsc_proxy"])]
    page = (out / "report.html").read_text()
    first = page.index("<img")
    assert first == page.index("<img alt='forest.png'") < page.index("<h2>Verdicts")
    with Image.open(out / "figures" / "forest.png") as img:
        width, height = img.size
    assert width > 900 and height > 400
    no_claims = tmp_path / "plain"
    compare_experiment({k: v for k, v in arms.items() if k != "trivial"}, no_claims, n_boot=50)
    assert not (no_claims / "figures" / "forest.png").exists()


def test_an_arm_that_did_not_learn_voids_its_claims_and_a_still_control_leaves_its_measure_unsupported(tmp_path):
    """Issue 22.1-2: a failed arm precondition voids exactly the claims naming that arm (the
    others keep their verdicts and their Holm family); a positive control that does not move
    its measure leaves the claims read on that measure and set 'unsupported'."""
    arms = _experiment(tmp_path)
    learned = Claim("adc_learned", "ADC beats the base on its own task", "accuracy_strict", "vsc_proxy",
                    "adc", "base", "greater")  # adc is worse than the base here: the gate fails
    control = Claim("ctl", "a control that should move accuracy_mapped", "accuracy_mapped", "vsc_proxy",
                    "acc", "base", "less", role="control")  # acc is better: the control fails
    claims = [*CLAIMS, control]
    result = compare_experiment(arms, tmp_path / "report", claims=claims, gates=[learned], n_boot=200)
    by_id = {v["id"]: v for v in result["verdicts"]}
    assert result["gates"][0]["verdict"] == "fails" and result["void"] == []  # not the base: no global VOID
    assert by_id["1"]["verdict"].startswith("VOID (adc: precondition adc_learned")
    assert by_id["2"]["verdict"].startswith("VOID") and "p" not in by_id["2"]
    assert by_id["3"]["verdict"].startswith("unsupported (positive control ctl did not move accuracy_mapped")
    fw = result["family_wise"]
    assert fw["void_claims"] == ["1", "2"] and fw["unsupported_claims"] == ["3"] and fw["n_tested"] == 0
    md = (tmp_path / "report" / "comparison.md").read_text()
    assert "VOID (an arm did not learn its own task): 1, 2" in md

    ok = Claim("acc_learned", "ACC beats the base", "accuracy_strict", "vsc_proxy", "acc", "base", "greater")
    result = compare_experiment(arms, tmp_path / "report", claims=CLAIMS, gates=[ok], n_boot=200)
    assert all(not v["verdict"].startswith(("VOID", "unsupported")) for v in result["verdicts"])
    assert result["family_wise"]["n_tested"] == 3


def _forced(folder, shift, n=40, seed=0, teacher_forced=True):
    """A retention run with teacher-forced label scores: the correct label's score is raised by
    `shift` nats (plus noise) over the others; the answer is the top-scoring label."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        scores = {lab: float(rng.normal(-5, 1)) for lab in LABELS}
        label = LABELS[i % 6]
        scores[label] += shift
        row = {"id": f"v{i}", "label": label, "prediction": max(scores, key=scores.get)}
        rows.append({**row, "label_logprobs": scores} if teacher_forced else row)
    write_jsonl(folder / "predictions.jsonl", rows)
    (folder / "run.json").write_text(json.dumps({"eval_set": {"name": "vsc_proxy", "task": "vsc", "proxy": True}}))
    return folder


def test_label_logprob_sees_lost_confidence_and_changed_counts_answers_that_moved(tmp_path):
    arms = {"base": [_forced(tmp_path / "base", 3.0)],
            "same": [_forced(tmp_path / f"same{s}", 3.0) for s in range(2)],  # identical to the base
            "worse": [_forced(tmp_path / f"worse{s}", 1.0, seed=s + 1) for s in range(2)]}
    claims = [Claim("lp", "worse loses confidence", "label_logprob", "vsc_proxy", "worse", "base", "less"),
              Claim("same", "same keeps it", "label_logprob", "vsc_proxy", "same", "base", "equivalent", 0.01)]
    result = compare_experiment(arms, tmp_path / "cmp", claims=claims, n_boot=300)
    verdicts = {v["id"]: v for v in result["verdicts"]}
    assert verdicts["lp"]["verdict"] == "holds" and verdicts["lp"]["delta"] < -1
    assert verdicts["same"]["verdict"] == "holds" and verdicts["same"]["ci"] == [0.0, 0.0]
    values = {(v["arm"], v["metric"]): v for v in result["eval_sets"]["vsc_proxy"]["values"]}
    assert values["base", "changed"]["mean"] == 0 and values["same", "changed"]["mean"] == 0
    assert values["worse", "changed"]["mean"] > 0.1
    assert values["base", "label_logprob"]["mean"] < 0  # a log-probability among the labels


def test_label_logprob_is_unavailable_for_runs_without_teacher_forcing(tmp_path):
    arms = {"base": [_forced(tmp_path / "base", 3.0, teacher_forced=False)],
            "acc": [_forced(tmp_path / "acc", 3.0, teacher_forced=False)]}
    result = compare_experiment(arms, tmp_path / "cmp", n_boot=50)
    es = result["eval_sets"]["vsc_proxy"]
    assert "teacher-forced" in es["unavailable"]["label_logprob"]
    rec = next(v for v in es["values"] if v["metric"] == "label_logprob" and v["arm"] == "acc")
    assert "unavailable" in rec and "mean" not in rec
