"""Captioning metrics: the input checks and text normalisation before any Java runs; our numbers
equal pycocoevalcap's own scorers (the papers' reference); one scorer session over many runs
gives each run the numbers aac-metrics gives it alone."""
from __future__ import annotations

import sys
import unicodedata

import pytest

from adcacc.evals.scoring.caption_metrics import (ITEM_MEAN_METRICS, one_line, score_caption_runs, score_captions,
                                                  score_captions_detailed)
from adcacc.evals.scoring.metric_assets import missing_artifacts

CANDS = [
    "a dog barks while a car passes by",
    "rain falls on a roof",
    "",  # an empty caption must score (low), not crash
    "people talk in a crowded room and laugh",
    "a man speaks, then a door slams!",
    "a bird sings.\nThen a car horn honks",  # model output with a newline
]
REFS = [
    ["a dog is barking and a car drives past", "a car passes as a dog barks loudly"],
    ["heavy rain falls onto a metal roof", "rain is falling", "water drips on a roof"],
    ["a bell rings", "someone rings a bell twice"],
    ["a crowd of people talk", "people are talking and laughing indoors", "laughter in a room"],
    ["a man talks and a door closes hard", "a door is slammed after a man speaks"],
    ["a bird chirps and a car honks", "birds sing then a\nhorn sounds"],
]


def _pycoco_scores():
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.meteor.meteor import Meteor
    from pycocoevalcap.rouge.rouge import Rouge
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    tok = PTBTokenizer()
    gts = tok.tokenize({i: [{"caption": r} for r in rs] for i, rs in enumerate(REFS)})
    res = tok.tokenize({i: [{"caption": c}] for i, c in enumerate(CANDS)})
    bleu = Bleu(4).compute_score(gts, res, verbose=0)[0]
    out = {f"BLEU-{n + 1}": bleu[n] for n in range(4)}
    out["METEOR"] = Meteor().compute_score(gts, res)[0]
    out["ROUGE-L"] = Rouge().compute_score(gts, res)[0]
    out["CIDEr-D"] = Cider().compute_score(gts, res)[0]  # coco-caption's Cider is CIDEr-D
    return out


@pytest.mark.slow
def test_scores_equal_pycocoevalcap_and_unavailable_are_named():
    detailed = score_captions_detailed(CANDS, REFS)
    expected = _pycoco_scores()
    for name, value in expected.items():
        assert detailed.corpus[name] == pytest.approx(value, rel=1e-9, abs=1e-12), name
    assert detailed.corpus["CIDEr-D"] > 0.1  # not a degenerate all-zero set
    # per-item scores average to the corpus score for the item-mean metrics
    for name in ITEM_MEAN_METRICS:
        if name not in detailed.corpus:
            continue
        items = detailed.items[name]
        assert len(items) == len(CANDS)
        assert sum(items) / len(items) == pytest.approx(detailed.corpus[name], rel=1e-6)
    # whatever cannot run here is reported with its reason, never as a number
    for name, why in missing_artifacts().items():
        assert name not in detailed.corpus
        assert detailed.unavailable[name] == why and (".jar" in why or ".ckpt" in why or "hub" in why)


def test_bad_inputs_are_rejected_before_any_java_runs():
    with pytest.raises(ValueError, match="2 candidates but 1"):
        score_captions(["a", "b"], [["x"]])
    with pytest.raises(ValueError, match="item 0"):
        score_captions(["a"], [[]])
    with pytest.raises(ValueError, match="no candidates"):
        score_captions([], [])


@pytest.mark.slow
def test_pooled_counts_of_a_subset_rescore_to_aac_metrics_on_that_subset():
    """A bootstrap resample is a sub-multiset of clips: its summed statistics must score as
    aac-metrics scores those clips alone (the full set is checked by the session tests below)."""
    from adcacc.evals.scoring.caption_metrics import one_line
    from adcacc.evals.scoring.metric_assets import load_aac_metrics
    from adcacc.evals.scoring.pooled_metrics import pooled_score

    detailed = score_captions_detailed(CANDS, REFS)
    pick = [0, 1, 3, 3, 5]  # with a repeat, as resampling draws
    cands = [one_line(CANDS[i]) for i in pick]
    refs = [[one_line(r) for r in REFS[i]] for i in pick]
    keys = {"BLEU-1": "bleu_1", "BLEU-2": "bleu_2", "BLEU-3": "bleu_3", "BLEU-4": "bleu_4", "METEOR": "meteor"}
    corpus, _ = load_aac_metrics().evaluate(cands, refs, metrics=list(keys.values()), device="cpu")
    for name, key in keys.items():
        stats = detailed.stats[name].reshape(len(CANDS), -1)[pick].sum(axis=0)
        assert pooled_score(name, stats, len(pick)) == pytest.approx(float(corpus[key]), rel=1e-9, abs=1e-12), name


RUNS = [
    (CANDS, REFS),
    (["a dog barks", "rain on a roof", "a door slams shut"],
     [["a dog is barking"], ["rain falls on a tin roof", "heavy rain"], ["someone slams a door"]]),
    (list(reversed(CANDS)), REFS),  # same references, other candidates: paired on clips
]


@pytest.mark.slow
def test_session_equals_aac_metrics_evaluate_run_by_run():
    from adcacc.evals.scoring.metric_assets import load_aac_metrics

    aac_metrics = load_aac_metrics()
    scored = score_caption_runs(RUNS)
    assert len(scored) == len(RUNS)
    for (cands, refs), got in zip(RUNS, scored):
        keys = ["bleu_1", "bleu_2", "bleu_3", "bleu_4", "meteor", "rouge_l", "cider_d"]
        corpus, sents = aac_metrics.evaluate([one_line(c) for c in cands],
                                             [[one_line(r) for r in rs] for rs in refs], metrics=keys, device="cpu")
        names = ["BLEU-1", "BLEU-2", "BLEU-3", "BLEU-4", "METEOR", "ROUGE-L", "CIDEr-D"]
        assert list(got.corpus) == names
        for key, name in zip(keys, names):
            assert got.corpus[name] == pytest.approx(float(corpus[key]), rel=1e-9, abs=1e-12), name
            assert got.items[name] == pytest.approx(sents[key].tolist(), rel=1e-6, abs=1e-9), name
            assert len(got.stats[name]) == len(cands)
    assert scored[0].corpus != scored[2].corpus  # the runs were not mixed up


@pytest.mark.slow
def test_one_clip_run_names_cider_unavailable_instead_of_crashing():
    (got,) = score_caption_runs([(["a dog barks"], [["a dog is barking"]])])
    assert "CIDEr-D" not in got.corpus and "2 clips" in got.unavailable["CIDEr-D"]
    assert got.corpus["BLEU-1"] > 0


def test_bad_runs_are_rejected_before_any_java_runs():
    with pytest.raises(ValueError, match="2 candidates but 1"):
        score_caption_runs([(["a"], [["x"]]), (["a", "b"], [["x"]])])


def _splits_lines(char: str) -> bool:
    return len(f"a{char}b".splitlines()) > 1


# Every character str.splitlines() splits on (\r, \n, \v, \f, \x1c-\x1e, NEL, U+2028, U+2029),
# plus controls the Java PTB tokenizer mangles (\x80 became "$").
BREAKS = "".join(c for c in map(chr, range(0x3000)) if _splits_lines(c)) + "\x00\x1b\x80"


@pytest.mark.slow
def test_line_separators_and_controls_in_text_score_as_spaces():
    """The PTB tokenizer splits its input on U+2028, form feed and more: one caption must stay
    one line, or the tokenizer's line count no longer matches (a RuntimeError before)."""
    assert "\u2028" in BREAKS and "\x0c" in BREAKS and "\x85" in BREAKS
    odd = ([f"a dog{c}barks loudly" for c in BREAKS], [[f"the dog{c}is barking", "a dog barks"] for c in BREAKS])
    plain = (["a dog barks loudly" for _ in BREAKS], [["the dog is barking", "a dog barks"] for _ in BREAKS])
    got, want = score_caption_runs([odd, plain])
    assert got.corpus == want.corpus and got.items == want.items
    assert got.corpus["ROUGE-L"] > 0


@pytest.mark.slow
def test_references_without_words_make_rouge_l_unavailable_not_a_crash():
    """"." and "!" are empty after PTB tokenisation: ROUGE-L's recall over them is 0/0."""
    empty = (["a dog barks", "rain falls"], [["."], ["!"]])
    partly = (["a dog barks", "rain falls"], [[".", "a dog is barking"], ["rain falls", "!"]])
    clean = (["a dog barks", "rain falls"], [["a dog is barking"], ["rain falls"]])
    got_empty, got_partly, got_clean = score_caption_runs([empty, partly, clean])
    assert "ROUGE-L" not in got_empty.corpus and "ROUGE-L" not in got_empty.items
    assert "items 0, 1" in got_empty.unavailable["ROUGE-L"]
    assert "BLEU-1" in got_empty.corpus and "METEOR" in got_empty.corpus
    assert "no reference has words" in got_empty.unavailable["CIDEr-D"]  # no document frequencies
    # a reference without words cannot be recalled; the item's other references still score it
    assert got_partly.items["ROUGE-L"] == got_clean.items["ROUGE-L"]
    assert got_partly.corpus["ROUGE-L"] == got_clean.corpus["ROUGE-L"] > 0


def test_one_line_turns_every_line_break_and_control_into_a_space():
    odd = [c for c in map(chr, range(sys.maxunicode + 1))
           if len(f"a{c}b".splitlines()) > 1 or unicodedata.category(c) in ("Cc", "Zl", "Zp")]
    assert {"\r", "\n", "\x0b", "\x0c", "\x85", "\u2028", "\u2029", "\x00", "\x80"} <= set(odd)
    assert one_line("".join(f"x{c}" for c in odd)) == " ".join("x" * len(odd)) + " "
    assert one_line("a dog barks, très fort — 犬") == "a dog barks, très fort — 犬"
