"""Our aac-metrics numbers must equal pycocoevalcap's own scorers (the papers' reference)."""
import pytest

from adcacc.evals.caption_metrics import ITEM_MEAN_METRICS
from adcacc.evals.captioning import score_captions, score_captions_detailed
from adcacc.evals.metric_assets import missing_artifacts

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
    aac-metrics scores those clips alone (the full set is checked in test_scoring_session)."""
    from adcacc.evals.caption_metrics import one_line
    from adcacc.evals.metric_assets import load_aac_metrics
    from adcacc.evals.pooled_metrics import pooled_score

    detailed = score_captions_detailed(CANDS, REFS)
    pick = [0, 1, 3, 3, 5]  # with a repeat, as resampling draws
    cands = [one_line(CANDS[i]) for i in pick]
    refs = [[one_line(r) for r in REFS[i]] for i in pick]
    keys = {"BLEU-1": "bleu_1", "BLEU-2": "bleu_2", "BLEU-3": "bleu_3", "BLEU-4": "bleu_4", "METEOR": "meteor"}
    corpus, _ = load_aac_metrics().evaluate(cands, refs, metrics=list(keys.values()), device="cpu")
    for name, key in keys.items():
        stats = detailed.stats[name].reshape(len(CANDS), -1)[pick].sum(axis=0)
        assert pooled_score(name, stats, len(pick)) == pytest.approx(float(corpus[key]), rel=1e-9, abs=1e-12), name
