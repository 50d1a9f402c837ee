from adcacc.evals.comparison.paper_numbers import (AUDIOCAPS_OVERLAP, CAPTIONING, caption_value, inconsistencies,
                                                   paper_arm, paper_entry, retention_value)


def test_arm_names_map_to_the_papers_rows():
    assert [paper_arm(a) for a in ("base", "acc", "AC + ACC", "ac+adc")] == ["Ori", "ACC", "AC+ACC", "AC+ADC"]


def test_published_values_only_for_the_real_benchmarks():
    assert caption_value("acc", "audiocaps_test", "CIDEr-D") == 2.4699
    assert caption_value("AC+ADC", "clotho_eval", "BLEU-4") == 0.0271
    assert caption_value("base", "audiocaps_test", "CIDEr-D") is None  # Table 1 has no base row
    assert caption_value("acc", "csv:captions", "CIDEr-D") is None
    assert retention_value("base", "vocalsound_test", "vsc") == 0.9361
    assert retention_value("ADC", "gtzan", "mgc") == 0.6757
    assert retention_value("ADC", "vsc_proxy", "vsc") is None  # a proxy is not the benchmark


def test_clotho_rows_are_the_short_versions_in_bleu_order():
    assert [CAPTIONING["AC", "Clotho"][f"BLEU-{n}"] for n in range(1, 5)] == [0.1762, 0.0894, 0.0506, 0.0295]
    assert [CAPTIONING["ADC", "Clotho"][f"BLEU-{n}"] for n in range(1, 5)] == [0.0798, 0.0262, 0.0118, 0.0053]
    assert [CAPTIONING["ACC", "Clotho"][f"BLEU-{n}"] for n in range(1, 5)] == [0.1999, 0.1039, 0.0585, 0.0338]
    for key, row in CAPTIONING.items():  # BLEU-n can only fall as n grows
        bleu = [row[f"BLEU-{n}"] for n in range(1, 5)]
        assert bleu == sorted(bleu, reverse=True), key


def test_spider_is_the_mean_of_cider_and_spice_except_adc_audiocaps():
    exceptions = [key for key, m in CAPTIONING.items() if abs((m["CIDEr-D"] + m["SPICE"]) / 2 - m["SPIDEr"]) > 1e-4]
    assert exceptions == [("ADC", "AudioCaps")]
    assert CAPTIONING["ADC", "AudioCaps"]["SPICE"] == 0.4480  # kept as printed ...
    flag = inconsistencies()["ADC", "AudioCaps", "SPICE"]  # ... and flagged, with what SPIDEr implies
    assert "0.0449" in flag and "SPIDEr" in flag
    assert {k for k in inconsistencies() if k[2] == "SPICE"} == {("ADC", "AudioCaps", "SPICE")}


def test_paper_entries_carry_their_caveats():
    entry = paper_entry("adc", "audiocaps_test", "caption", "SPICE")
    assert entry["value"] == 0.4480 and "SPIDEr" in entry["flag"] and entry["note"] == AUDIOCAPS_OVERLAP
    assert "note" not in paper_entry("acc", "clotho_eval", "caption", "CIDEr-D")
    assert paper_entry("acc", "vocalsound_test", "vsc", "accuracy_strict")["value"] == 0.9300
    assert paper_entry("acc", "vocalsound_test", "vsc", "accuracy_mapped") is None  # compared with strict only
