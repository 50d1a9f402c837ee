"""One scorer session over many runs must give each run the numbers aac-metrics gives it alone."""
import pytest

from evals.caption_metrics import one_line
from evals.scoring_session import score_caption_runs
from tests.evals.test_captioning import CANDS, REFS

RUNS = [
    (CANDS, REFS),
    (["a dog barks", "rain on a roof", "a door slams shut"],
     [["a dog is barking"], ["rain falls on a tin roof", "heavy rain"], ["someone slams a door"]]),
    (list(reversed(CANDS)), REFS),  # same references, other candidates: paired on clips
]


@pytest.mark.slow
def test_session_equals_aac_metrics_evaluate_run_by_run():
    from evals.metric_assets import load_aac_metrics

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
