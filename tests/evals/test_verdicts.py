import pytest

from common.errors import InputError
from evals.verdicts import Claim, check_claim, verdict


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
