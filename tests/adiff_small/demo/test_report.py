"""The demo's report: references per measure, the differences it forms, verdicts from CIs."""
from __future__ import annotations

import numpy as np

from adcacc.adiff_small.demo import report as demo_report


def _arm(rng, p: float, n: int = 60, controls: bool = False) -> dict[str, np.ndarray]:
    draw = lambda q: (rng.random(n) < q).astype(float)  # noqa: E731
    out = {"label position 1": draw(p), "forced choice true_vs_swapped, matched audio": draw(p),
           "louder direction": draw(0.5)}
    if controls:
        out["forced choice true_vs_swapped, shuffled audio"] = draw(0.5)
    return out


def test_a_listening_model_is_shown_and_a_deaf_one_is_not():
    rng = np.random.default_rng(0)
    measured = {"full": [_arm(rng, 0.95, controls=True) for _ in range(2)],
                "audio-blind": [_arm(rng, 0.1) for _ in range(2)],
                "no-position-captioning": [_arm(rng, 0.95) for _ in range(2)]}
    base = {"label position 1": {"chance": 0.02, "majority": 0.2}, "louder direction": {"chance": 0.5, "majority": 0.6}}
    report = demo_report.build(measured, base, "audio-blind", "no-position-captioning", n_boot=500)
    got = {(r["arm"], r["measure"]): r for r in report["estimates"]}
    assert got["full", "label position 1"]["reference"] == {"majority": 0.2}  # the higher baseline
    assert got["full", "label position 1"]["verdict"] == "shown"
    assert got["audio-blind", "label position 1"]["verdict"].startswith("not shown (CI lies below majority 0.2")
    assert got["full", "forced choice true_vs_swapped, matched audio"]["reference"] == {"chance": 0.5}
    assert got["full", "louder direction"]["verdict"].startswith("not shown")
    diffs = {(r["a"], r["b"]): r["verdict"] for r in report["differences"]}
    fc = "forced choice true_vs_swapped, matched audio"
    assert diffs[f"full: {fc}", f"full: {fc.replace('matched', 'shuffled')}"] == "shown"
    assert diffs["full: label position 1", "audio-blind: label position 1"] == "shown"
    assert diffs["full: label position 1", "no-position-captioning: label position 1"].startswith("not shown")
    assert got["full", fc]["verdict"] == "shown"  # clear of shuffled audio and of the audio-blind model
    assert set(got["full", fc]["judged_against"]) == {f"full: {fc.replace('matched', 'shuffled')}", f"audio-blind: {fc}"}
    text = demo_report.format_report(report, 2)
    assert "2 training seeds" in text and "differences (paired" in text
    # issue 24 item 14: how many intervals, and a simultaneous (Bonferroni) view beside each
    k = len(report["estimates"]) + len(report["differences"])
    assert report["family"] == k and f"{k} intervals reported" in text and "Bonferroni" in text
    for r in report["estimates"] + report["differences"]:
        assert r["ci_family"][0] <= r["ci95"][0] and r["ci_family"][1] >= r["ci95"][1]
        assert r["verdict_family"] == "shown" or r["verdict_family"].startswith("not shown")
    assert got["full", "label position 1"]["verdict_family"] == "shown"  # 0.95 against 0.2 survives


def test_shown_must_clear_the_models_that_do_not_listen():
    """Issue 24 items 10 and 13: a forced choice above chance is the language model's prior
    when shuffled audio scores as well; label accuracy at the majority baseline does not become
    "shown" because the audio-blind model scores below a constant guesser."""
    rng = np.random.default_rng(1)
    full = []
    for _ in range(2):
        arm = _arm(rng, 0.95, controls=True)
        arm["forced choice true_vs_swapped, shuffled audio"] = arm["forced choice true_vs_swapped, matched audio"].copy()
        arm["label position 2"] = (rng.random(60) < 0.2).astype(float)  # at the majority baseline
        full.append(arm)
    blind = [{**_arm(rng, 0.1), "label position 2": np.zeros(60)} for _ in range(2)]
    measured = {"full": full, "audio-blind": blind, "no-position-captioning": [_arm(rng, 0.9) for _ in range(2)]}
    base = {"label position 1": {"chance": 0.02, "majority": 0.2}, "label position 2": {"chance": 0.02, "majority": 0.2},
            "louder direction": {"chance": 0.5, "majority": 0.6}}
    report = demo_report.build(measured, base, "audio-blind", "no-position-captioning", n_boot=500)
    got = {(r["arm"], r["measure"]): r for r in report["estimates"]}
    fc = "forced choice true_vs_swapped, matched audio"
    assert got["full", fc]["ci95"][0] > 0.5  # far above chance ...
    assert got["full", fc]["verdict"] == f"not shown (not clear of full: {fc.replace('matched', 'shuffled')})"
    assert got["full", "label position 1"]["verdict"] == "shown"
    diffs = {(r["a"], r["b"]): r["verdict"] for r in report["differences"]}
    assert diffs["full: label position 2", "audio-blind: label position 2"] == \
        "not shown (full itself does not clear majority 0.2)"


def test_pairs_that_share_clips_are_resampled_by_clip():
    """Issue 24 item 9: 9 hits of 63 pairs, all on 3 of the 21 clips: drawn by clip, the
    interval widens and its lower end falls, so a "shown" from pairs alone may not survive."""
    from pathlib import Path

    from adcacc.adiff_small.data import Row
    from adcacc.adiff_small.demo import outcomes

    rows = [Row(Path(f"c{i}.wav"), Path(f"c{(i + 7 * k + 1) % 21}.wav"), "tier1",
                f"Audio 1 has l{i}x, while audio 2 has l{(i + 7 * k + 1) % 21}x.", f"l{i}x", f"l{(i + 7 * k + 1) % 21}x",
                "test")
            for i in range(21) for k in range(3)]
    clips = outcomes.item_clips({"tier1": rows})
    assert len(clips["tier-1 label pairs"]) == 63 and clips["tier-1 label pairs"][0] == ("c0.wav", "c1.wav")
    hits = np.array([1.0 if i < 9 else 0.0 for i in range(63)])  # rows 0-8: clips c0, c1, c2 as audio 1
    measured = {arm: [{"label position 1": hits}] for arm in ("full", "audio-blind", "no-position-captioning")}
    base = {"label position 1": {"chance": 0.02, "majority": 0.0}}
    flat = demo_report.build(measured, base, "audio-blind", "no-position-captioning", n_boot=1000)
    by_clip = demo_report.build(measured, base, "audio-blind", "no-position-captioning", n_boot=1000, clips=clips)
    (lo_f, hi_f), (lo_c, hi_c) = (next(r["ci95"] for r in rep["estimates"] if r["arm"] == "full")
                                  for rep in (flat, by_clip))
    assert lo_c < lo_f and hi_c - lo_c > hi_f - lo_f
