import pytest

from adcacc.common.errors import InputError
from adcacc.evals.sets.eval_sets import load_eval_set
from adcacc.evals.sets.retention_sets import gtzan, iemocap, nsynth_test, vocalsound_test
from adcacc.evals.sets.tasks import TASK_LABELS, task_prompt


def test_vocalsound_keeps_test_speakers_only(vocalsound_root):
    es = vocalsound_test(vocalsound_root)
    assert {(i.id, i.label) for i in es.items} == {
        ("f0003_0_cough", "cough"), ("f0003_1_laughter", "laughter"),
        ("m0100_0_throatclearing", "throatclearing")}  # m0200 is not a test speaker
    (vocalsound_root / "meta" / "te_meta.csv").unlink()
    with pytest.raises(InputError, match="te_meta.csv"):
        vocalsound_test(vocalsound_root)


def test_iemocap_four_classes_with_excited_merged_into_happy(iemocap_root):
    es = iemocap(iemocap_root, sessions=(1, 2, 3, 4, 5))
    labels = {i.id: i.label for i in es.items}
    assert labels == {"Ses01F_impro01_F000": "neutral", "Ses01F_impro01_F001": "happy",
                      "Ses05M_script01_1_F000": "happy", "Ses05M_script01_1_M001": "angry",
                      "Ses05M_script01_1_M002": "sad"}  # fru dropped
    assert es.items[0].audio.parts[-3:] == ("wav", "Ses01F_impro01", "Ses01F_impro01_F000.wav")
    assert len(load_eval_set("iemocap", iemocap_root, sessions=(5,)).items) == 3
    assert {i.id for i in iemocap(iemocap_root, sessions=(5,)).items} == {
        "Ses05M_script01_1_F000", "Ses05M_script01_1_M001", "Ses05M_script01_1_M002"}


def test_iemocap_defaults_to_session_5_and_records_the_count(iemocap_root):
    es = load_eval_set("iemocap", iemocap_root)
    assert {i.id for i in es.items} == {"Ses05M_script01_1_F000", "Ses05M_script01_1_M001", "Ses05M_script01_1_M002"}
    assert es.name == "iemocap_4class" and "session(s) 5: 3 utterances" in es.notes[0]
    other = load_eval_set("iemocap", iemocap_root, sessions=(5, 1))
    assert other.name == "iemocap_4class_s15" and len(other.items) == 5  # not the paper's protocol
    with pytest.raises(InputError, match="among 1-5"):
        iemocap(iemocap_root, sessions=(6,))
    with pytest.raises(InputError, match="iemocap eval set only"):
        load_eval_set("gtzan", iemocap_root, sessions=(5,))


def test_iemocap_utterance_paths_stay_inside_the_release(iemocap_root):
    txt = next((iemocap_root / "Session5" / "dialog" / "EmoEvaluation").glob("*.txt"))
    txt.write_text("[1.0 - 2.0]\t../../../../outside_F000\tang\t[2.0, 4.0, 4.0]\n")
    with pytest.raises(InputError, match="escapes its folder"):
        iemocap(iemocap_root)


def test_vocalsound_records_its_split_and_count(vocalsound_root):
    assert vocalsound_test(vocalsound_root).notes == [
        "VocalSound test split (the 2 speakers of meta/te_meta.csv): 3 clips listed"]


def test_default_protocols_fit_the_papers_accuracies():
    """SER accuracies are k/1,241 (Session 5), MGC k/999 (GTZAN less jazz.00054); VSC's are
    not k/3,594 (VocalSound's test split), which evals/README.md says."""
    from adcacc.evals.comparison.paper_numbers import RETENTION

    def fits(value: float, n: int) -> bool:
        return round(100 * round(value * n) / n, 2) == round(100 * value, 2)

    assert all(fits(arm["ser"], 1241) and fits(arm["mgc"], 999) for arm in RETENTION.values())
    assert not any(fits(arm["vsc"], 3594) for arm in RETENTION.values())


def test_nsynth_families_from_examples_json(nsynth_root):
    es = nsynth_test(nsynth_root)
    assert {i.label for i in es.items} == {"bass", "guitar", "synth_lead"}
    assert es.labels == TASK_LABELS["mic"] and len(es.labels) == 11


def test_gtzan_ten_genres(gtzan_root):
    es = gtzan(gtzan_root)
    assert len(es.items) == 20 and {i.label for i in es.items} == set(TASK_LABELS["mgc"])
    (gtzan_root / "genres_original" / "jazz" / "jazz.00000.wav").unlink()
    (gtzan_root / "genres_original" / "jazz" / "jazz.00001.wav").unlink()
    with pytest.raises(InputError, match="no clips for this genre"):
        gtzan(gtzan_root)


def test_gtzan_leaves_out_the_known_corrupt_jazz_00054_with_a_note(gtzan_root):
    (gtzan_root / "genres_original" / "jazz" / "jazz.00054.wav").write_bytes(b"RIFF\x00\x00not audio")
    es = gtzan(gtzan_root)
    assert len(es.items) == 20 and "jazz.00054" not in {i.id for i in es.items}
    assert es.notes[0].startswith("jazz.00054.wav left out: the known-corrupt file")


def test_prompts_list_every_allowed_label_in_spoken_form():
    assert "throat clearing" in task_prompt("vsc") and "synth lead" in task_prompt("mic")
    assert all(lab in task_prompt("mgc").replace("hip hop", "hiphop") for lab in TASK_LABELS["mgc"])
