import numpy as np
import pytest

from adcacc.common.errors import InputError
from adcacc.evals.comparison.verdicts import Claim, check_claim, detectable, family_wise, holm, p_value, verdict


@pytest.mark.parametrize("direction,low,high,margin,expected", [
    ("greater", 0.01, 0.2, 0, "holds"),
    ("greater", -0.2, -0.01, 0, "fails"),
    ("greater", -0.01, 0.2, 0, "inconclusive (CI includes 0)"),
    ("less", -0.2, -0.01, 0, "holds"),
    ("less", 0.01, 0.2, 0, "fails"),
    ("less", -0.2, 0.01, 0, "inconclusive (CI includes 0)"),
    ("equivalent", -0.02, 0.03, 0.05, "holds"),
    ("equivalent", 0.06, 0.2, 0.05, "fails"),
    ("equivalent", -0.3, -0.06, 0.05, "fails"),
])
def test_verdict_reads_only_the_interval(direction, low, high, margin, expected):
    assert verdict(direction, low, high, margin) == expected


def test_equivalence_straddling_the_margin_is_inconclusive():
    assert verdict("equivalent", 0.01, 0.08, 0.05).startswith("inconclusive")


def test_claims_resolve_groups_and_refuse_what_was_not_compared():
    tasks = {"captions": "caption", "vsc_proxy": "vsc", "mic_proxy": "mic"}
    claim = Claim("c3", "ADC forgets most", "accuracy_strict", "retention", "adc", "acc", "less")
    assert check_claim(claim, ["base", "acc", "adc"], tasks) == ["mic_proxy", "vsc_proxy"]
    with pytest.raises(InputError, match="arm 'ac'"):
        check_claim(Claim("x", "", "CIDEr-D", "captions", "ac", "base", "greater"), ["base", "acc"], tasks)
    with pytest.raises(InputError, match="no eval set 'clotho'"):
        check_claim(Claim("x", "", "CIDEr-D", "clotho", "acc", "base", "greater"), ["base", "acc"], tasks)
    with pytest.raises(InputError, match="margin"):
        check_claim(Claim("x", "", "CIDEr-D", "captions", "acc", "base", "equivalent"), ["base", "acc"], tasks)

    with pytest.raises(InputError, match="role must be claim or control"):
        check_claim(Claim("x", "", "CIDEr-D", "captions", "acc", "base", "greater", role="gate"),
                    ["base", "acc"], tasks)


def test_holm_steps_down_and_keeps_the_input_order():
    assert holm([0.04, 0.01, 0.03]) == pytest.approx([0.06, 0.03, 0.06])
    assert holm([0.5, 0.001]) == pytest.approx([0.5, 0.002])
    assert holm([0.3, 0.02]) == pytest.approx([0.3, 0.04])  # never below an earlier step
    assert holm([0.9, 0.8]) == [1.0, 1.0]  # capped at 1


def test_bootstrap_p_values_agree_with_the_interval_verdict():
    """p < 0.05 exactly when the 95% percentile interval gives a decisive verdict, and the
    p-value names which one: the family-wise view adjusts the same test the verdict makes."""
    rng = np.random.default_rng(0)
    for direction, centre, margin, decided in [("greater", 0.3, 0, "holds"), ("greater", -0.3, 0, "fails"),
                                               ("less", -0.3, 0, "holds"), ("less", 0.3, 0, "fails"),
                                               ("equivalent", 0.0, 0.4, "holds"), ("equivalent", 0.7, 0.2, "fails")]:
        effects = rng.normal(centre, 0.1, 2000)
        p, outcome = p_value(direction, effects, margin)
        assert outcome == decided and p < 0.05
        assert verdict(direction, *np.percentile(effects, [2.5, 97.5]), margin) == decided
    effects = rng.normal(0.1, 0.1, 2000)  # the interval straddles 0
    p, _ = p_value("greater", effects)
    assert 0.05 < p < 0.6 and verdict("greater", *np.percentile(effects, [2.5, 97.5])).startswith("inconclusive")
    assert p_value("greater", np.zeros(99)) == (1.0, "holds")  # no effect at all: nothing decided
    assert p_value("greater", np.ones(99))[0] == pytest.approx(2 / 100)  # never 0


def test_detectable_effect_is_2_8_standard_errors_and_3_24_for_equivalence():
    effects = np.random.default_rng(1).normal(0, 0.05, 5000)
    assert detectable("greater", effects) == pytest.approx(2.8 * 0.05, rel=0.05)
    assert detectable("equivalent", effects) == pytest.approx(3.24 * 0.05, rel=0.05)


def test_family_wise_adjusts_findings_only():
    recs = [{"id": i, "role": "claim", "p": p, "p_decides": "holds", "verdict": "holds"}
            for i, p in (("a", 0.01), ("b", 0.03), ("c", 0.04))]
    recs.append({"id": "ctl", "role": "control", "p": 0.2, "p_decides": "holds", "verdict": "holds"})
    recs.append({"id": "gone", "role": "claim", "verdict": "unavailable (no runs)"})
    fw = family_wise(recs)
    assert fw["n_tested"] == 3 and fw["decisive"] == 1 and fw["not_tested"] == ["gone"]
    assert [r["verdict_holm"] for r in recs[:3]] == ["holds"] + ["inconclusive (not significant after Holm)"] * 2
    assert recs[1]["p_holm"] == pytest.approx(0.06) and "p_holm" not in recs[3]
