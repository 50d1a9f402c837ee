"""Label accuracy by position, swap consistency, direction accuracy and their baselines."""
from __future__ import annotations

import random
from pathlib import Path

import numpy as np

from adcacc.adiff_small import explanations
from adcacc.adiff_small.audio_facts import Facts
from adcacc.adiff_small.data import Clip, Row
from adcacc.adiff_small.demo import measures

LABELS = ["dog barking", "dog", "rain", "church bell ringing", "bell"]


def _row(a: str, b: str, answer: str = "", task: str = "tier1") -> Row:
    return Row(Path("x.wav"), Path("y.wav"), task, answer, a, b, "test")


def test_clauses_split_every_template_form_at_audio_2():
    facts = Facts(2.0, -20.0, "LUFS", 900.0, ())
    pair = explanations.Pair(Clip("a", Path("a.wav"), "rain", True), Clip("b", Path("b.wav"), "dog barking", True), "test")
    for k in range(30):  # every sentence form the template draws
        text = explanations.template(pair, facts, facts, 2, random.Random(k))
        first, second = measures.clauses(text)
        assert measures.named(first, LABELS) == "rain" and measures.named(second, LABELS) == "dog barking", text
    assert measures.clauses("Audio 1 has rain.") == ("Audio 1 has rain.", "")


def test_named_prefers_the_longest_whole_phrase():
    assert measures.named("the sound of dog barking", LABELS) == "dog barking"
    assert measures.named("a church bell ringing far away", LABELS) == "church bell ringing"
    assert measures.named("bells and doghouses", LABELS) is None  # whole words only
    assert measures.named("nothing here", LABELS) is None


def test_label_accuracy_is_per_position_and_skips_pairs_that_cannot_tell():
    rows = [_row("rain", "dog barking"), _row("rain", "dog barking"), _row("rain", "rain"),
            _row("dog", "dog barking"), _row("bell", "rain")]
    preds = ["Audio 1 has rain, while audio 2 has dog barking.",
             "Audio 1 has dog barking, while audio 2 has rain.",  # order swapped: both wrong
             "Both audios have rain.",  # same label: not counted
             "Audio 1 has dog, while audio 2 has dog barking.",  # "dog" inside "dog barking": not counted
             "The first audio features bell, whereas the second features church bell ringing."]
    assert measures.label_rows(rows) == [0, 1, 4]
    pos1, pos2 = measures.label_accuracy(rows, preds, LABELS)
    assert pos1.tolist() == [1.0, 0.0, 1.0] and pos2.tolist() == [1.0, 0.0, 0.0]


def test_swap_consistency_needs_exchanged_distinct_labels():
    rows = [_row("rain", "dog barking")] * 4
    matched = ["Audio 1 has rain, while audio 2 has dog barking."] * 3 + ["Audio 1 has rain, while audio 2 has rain."]
    swapped = ["Audio 1 has dog barking, while audio 2 has rain.",  # consistent
               "Audio 1 has rain, while audio 2 has dog barking.",  # same output: a deaf model
               "Audio 1 has bell, while audio 2 has rain.",
               "Audio 1 has rain, while audio 2 has rain."]  # one label twice never counts
    assert measures.swap_consistency(rows, matched, swapped, LABELS).tolist() == [1.0, 0.0, 0.0, 0.0]


def test_direction_accuracy_counts_silence_as_wrong_and_skips_undirected_references():
    louder1 = "Audio 1 has rain, while audio 2 has dog barking. Audio 1 is louder by about 6 dB."
    rows = [_row("rain", "dog barking", louder1, "tier2"),
            _row("rain", "dog barking", louder1.replace("Audio 1 is louder", "Audio 2 is louder"), "tier2"),
            _row("rain", "dog barking", "Both audios are about equally loud.", "tier2"),
            _row("rain", "dog barking", louder1, "tier2")]
    preds = [louder1, louder1, louder1, "Both audios are about equally loud."]
    assert measures.direction(louder1, "louder") == 1 and measures.direction(louder1, "brighter") is None
    assert measures.direction_accuracy(rows, preds, "louder").tolist() == [1.0, 0.0, 0.0]


def test_baselines_from_training_rows():
    train = [_row("rain", "dog barking", "Audio 2 is louder."), _row("rain", "bell", "Audio 2 is louder."),
             _row("bell", "rain", "Audio 1 is louder."), _row("dog barking", "rain", "x")]
    test = [_row("rain", "bell", "Audio 2 is louder."), _row("bell", "rain", "Audio 1 is louder."),
            _row("rain", "rain", "Audio 2 is louder.")]
    base = measures.label_baselines(train, test)
    # 3 training labels; majority at position 1 is "rain" (2 of 4): right on 1 of the 2 label rows
    assert base["label position 1"] == {"chance": 0.333, "majority": 0.5}
    assert base["label position 2"]["majority"] == 0.5  # "rain" again: the second label row
    # the training majority says "audio 2" (2 of 3): right on 2 of the 3 test references
    assert measures.direction_majority(train, test, "louder") == round(2 / 3, 3)
    assert measures.direction_majority(train, test, "brighter") is None  # no training reference says
    assert np.isclose(1 / 3, base["label position 1"]["chance"], atol=1e-3)


def test_tier_shape_tells_the_template_tiers_apart():
    """Issue 24 item 12: every template form of each tier has that tier's shape and no
    other's; the position-captioning answer the demo model gives to every prompt has none."""
    quiet = Facts(2.0, -30.0, "LUFS", 900.0, (0.5,))
    loud = Facts(2.0, -20.0, "LUFS", 3000.0, (0.1, 1.2))
    pair = explanations.Pair(Clip("a", Path("a.wav"), "rain", True), Clip("b", Path("b.wav"), "dog barking", True), "test")
    for tier in (1, 2, 3):
        for k in range(6):
            for fa, fb in ((quiet, loud), (quiet, quiet)):
                text = explanations.template(pair, fa, fb, tier, random.Random(k))
                shapes = [measures.tier_shape(text, f"tier{t}") for t in (1, 2, 3)]
                assert shapes == [t == tier for t in (1, 2, 3)], (tier, text)
    caption_both = "Audio 1: rain. Audio 2: dog barking."
    assert measures.tier_shape(caption_both, "tier1") and not measures.tier_shape(caption_both, "tier2")
    assert not measures.tier_shape("rain", "tier1")
    rows = [_row("rain", "dog", task="tier2")] * 2
    got = measures.shape_accuracy(rows, [caption_both, "Audio 2 is louder. Their spectral balance is similar. x audio 2"])
    assert got.tolist() == [0.0, 1.0]
