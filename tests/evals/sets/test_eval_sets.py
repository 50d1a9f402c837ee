import pytest

from adcacc.common.errors import InputError
from adcacc.evals.sets.caption_sets import audiocaps_test
from adcacc.evals.sets.caption_sets import captions_csv as load_captions_csv
from adcacc.evals.sets.caption_sets import clotho_eval
from adcacc.evals.sets.eval_sets import load_eval_set
from adcacc.evals.sets.retention_sets import labels_csv


def test_audiocaps_groups_five_captions_per_clip_and_records_missing_audio(audiocaps_root):
    es = audiocaps_test(audiocaps_root)
    assert [i.id for i in es.items] == ["abc123_30", "zzz999_0"]
    assert es.items[0].references == tuple(f"clip abc123 caption {j}" for j in range(5))
    assert es.items[0].audio.name == "abc123_30.flac"
    assert es.skipped == [{"id": "gone00_10", "reason": es.skipped[0]["reason"]}]
    assert "audio file missing" in es.skipped[0]["reason"]


def test_clotho_eval_layout(clotho_root):
    es = clotho_eval(clotho_root)
    assert [i.id for i in es.items] == ["rain on roof.wav", "birds_morning.wav"]
    assert len(es.items[0].references) == 5 and es.task == "caption"


def test_captions_csv_paths_relative_to_csv(captions_csv):
    es = load_captions_csv(captions_csv)
    assert len(es.items) == 6 and es.items[0].audio == captions_csv.parent / "audio" / "c0.wav"
    assert es.items[0].references[0] == "a tone number 0 plays"


def test_missing_files_and_columns_are_one_line_errors(tmp_path, captions_csv):
    with pytest.raises(InputError, match="file not found"):
        clotho_eval(tmp_path / "nowhere")
    bad = tmp_path / "bad.csv"
    bad.write_text("id,file\nx,y.wav\n")
    with pytest.raises(InputError, match="missing column"):
        load_captions_csv(bad)
    nothing = tmp_path / "nothing.csv"
    nothing.write_text("id,path,caption_1\na,missing.wav,a dog\n")
    with pytest.raises(InputError, match="no audio found"):
        load_captions_csv(nothing)
    dup = tmp_path / "audio" / "dup.csv"
    dup.write_text("id,path,caption_1\nc0,c0.wav,a\nc0,c0.wav,b\n")
    with pytest.raises(InputError, match="duplicate id 'c0'"):
        load_captions_csv(dup)
    with pytest.raises(InputError, match="unknown eval set"):
        load_eval_set("audioset", tmp_path)


def test_proxy_label_csv_is_named_proxy_and_checks_labels(tmp_path, captions_csv):
    proxy = tmp_path / "vsc_proxy.csv"  # audio paths stay inside the CSV's folder
    proxy.write_text("id,path,label\nv1,audio/c0.wav,laughter\nv2,audio/c1.wav,cough\n")
    es = labels_csv(proxy, "vsc")
    assert es.proxy and "proxy" in es.name and es.labels == ("cough", "laughter")
    proxy.write_text("id,path,label\nv1,audio/c0.wav,giggle\n")
    with pytest.raises(InputError, match="row 2: label 'giggle'"):
        labels_csv(proxy, "vsc")


def test_every_registered_set_has_its_task_known_before_loading():
    """`adcacc run` checks claims' metrics against eval_sets.SET_TASKS before any data is read."""
    from adcacc.evals.sets.eval_sets import SET_TASKS, registry

    assert set(SET_TASKS) == set(registry())


def test_an_own_task_set_reads_held_out_rows_with_all_their_audios_and_own_prompts(pairs_jsonl):
    es = load_eval_set("own-adc", pairs_jsonl, limit=3)
    assert es.name == "own-adc" and es.task == "caption" and len(es.items) == 3
    item = es.items[0]
    assert item.id == "adc_val#1" and item.references == ("add a tone number 0",)
    assert item.audios == (pairs_jsonl.parent / "audio" / "p0a.wav", pairs_jsonl.parent / "audio" / "p0b.wav")
    assert item.prompt == "What changed from the first clip to the second? (0)"


def test_an_own_task_row_whose_audio_escapes_its_folder_is_refused(tmp_path):
    import json

    path = tmp_path / "acc_val.jsonl"
    path.write_text(json.dumps({"messages": [{"role": "user", "content": "<audio>hi"},
                                             {"role": "assistant", "content": "x"}],
                                "audios": ["../../etc/passwd"]}) + "\n")
    with pytest.raises(InputError, match="escapes its folder"):
        load_eval_set("own-acc", path)
