"""One scorer session over many runs must give each run the numbers aac-metrics gives it alone."""
import pytest

from adcacc.evals.caption_metrics import one_line
from adcacc.evals.scoring_session import score_caption_runs
from tests.evals.test_captioning import CANDS, REFS

RUNS = [
    (CANDS, REFS),
    (["a dog barks", "rain on a roof", "a door slams shut"],
     [["a dog is barking"], ["rain falls on a tin roof", "heavy rain"], ["someone slams a door"]]),
    (list(reversed(CANDS)), REFS),  # same references, other candidates: paired on clips
]


@pytest.mark.slow
def test_session_equals_aac_metrics_evaluate_run_by_run():
    from adcacc.evals.metric_assets import load_aac_metrics

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
