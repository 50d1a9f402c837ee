import pytest

from common.errors import InputError
from evals.eval_sets import load_eval_set
from evals.retention_sets import gtzan, iemocap, nsynth_test, vocalsound_test
from evals.tasks import TASK_LABELS, task_prompt


def test_vocalsound_keeps_test_speakers_only(vocalsound_root):
    es = vocalsound_test(vocalsound_root)
    assert {(i.id, i.label) for i in es.items} == {
        ("f0003_0_cough", "cough"), ("f0003_1_laughter", "laughter"),
        ("m0100_0_throatclearing", "throatclearing")}  # m0200 is not a test speaker
    (vocalsound_root / "meta" / "te_meta.csv").unlink()
    with pytest.raises(InputError, match="te_meta.csv"):
        vocalsound_test(vocalsound_root)


def test_iemocap_four_classes_with_excited_merged_into_happy(iemocap_root):
    es = iemocap(iemocap_root)
    labels = {i.id: i.label for i in es.items}
    assert labels == {"Ses01F_impro01_F000": "neutral", "Ses01F_impro01_F001": "happy",
                      "Ses05M_script01_1_F000": "happy", "Ses05M_script01_1_M001": "angry",
                      "Ses05M_script01_1_M002": "sad"}  # fru dropped
    assert es.items[0].audio.parts[-3:] == ("wav", "Ses01F_impro01", "Ses01F_impro01_F000.wav")
    assert len(load_eval_set("iemocap", iemocap_root, sessions=(5,)).items) == 3
    assert {i.id for i in iemocap(iemocap_root, sessions=(5,)).items} == {
        "Ses05M_script01_1_F000", "Ses05M_script01_1_M001", "Ses05M_script01_1_M002"}


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


def test_prompts_list_every_allowed_label_in_spoken_form():
    assert "throat clearing" in task_prompt("vsc") and "synth lead" in task_prompt("mic")
    assert all(lab in task_prompt("mgc").replace("hip hop", "hiphop") for lab in TASK_LABELS["mgc"])
