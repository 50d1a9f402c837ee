import pytest

from adcacc.evals.scoring import metric_assets


def test_install_copies_jars_idempotently_and_names_missing_spice(tmp_path):
    written = metric_assets.install(tmp_path)
    base = tmp_path / "aac-metrics"
    for rel in ("meteor/meteor-1.5.jar", "meteor/data/paraphrase-en.gz",
                "stanford_nlp/stanford-corenlp-3.4.1.jar", "spice/spice-1.0.jar",
                "spice/lib/Meteor-1.5.jar"):
        assert (base / rel).is_file() and not (base / rel).is_symlink()
    assert len(written) >= 5
    assert metric_assets.install(tmp_path) == []  # second run copies nothing
    missing = metric_assets.missing_artifacts(tmp_path)
    assert "stanford-corenlp-3.6.0.jar" in missing["SPICE"]
    assert "SPICE" in missing["SPIDEr"]
    # once the CoreNLP jars are present, SPICE is no longer reported missing
    for jar in metric_assets.SPICE_CORENLP_JARS:
        (base / "spice/lib" / jar).write_bytes(b"x")
    assert "SPICE" not in metric_assets.missing_artifacts(tmp_path)


def test_missing_core_jar_says_what_to_run(tmp_path):
    with pytest.raises(RuntimeError, match="python -m adcacc.evals.scoring.metric_assets"):
        metric_assets.missing_artifacts(tmp_path)


def test_java_17_accepted_at_runtime():
    aac_metrics = metric_assets.load_aac_metrics()
    from aac_metrics.utils.checks import check_java_path

    assert check_java_path("java")
    assert aac_metrics.__version__ == "0.6.0"


def test_msclap_standin_refuses_use_with_a_reason():
    module = metric_assets._msclap_standin()
    with pytest.raises(ImportError, match="CLAP-sim/MACE"):
        module.CLAP("2023")
