"""The ACD/CLD loader on files with the released column layout and path style."""
from __future__ import annotations

import csv

import pytest

from adcacc.adiff_small import data, prompts
from adcacc.common.errors import InputError


def test_reads_released_layout_and_resolves_audio_roots(released):
    meta, root = released
    rows = data.load_split([str(meta)], [str(root)], "test")
    assert [r.task for r in rows] == ["tier1", "tier1"]
    assert rows[0].audio1 == root / "AudioCapsLarger/test/Y7fmOlUlwoNg.wav"
    assert rows[1].caption1 == "Food is frying, and a woman talks"  # quoted comma survives
    cld = data.load_split([str(meta)], [str(root)], "evaluation")
    assert cld[0].task == "tier2" and cld[0].audio1.name == "Santa Motor.wav"
    pos = data.position_rows(rows)
    assert [(r.task, r.answer) for r in pos[:3]] == [
        ("caption1", "Constant rattling noise and sharp vibrations"),
        ("caption2", "Sawing wood with music playing in the distance"),
        ("caption_both", "Audio 1: Constant rattling noise and sharp vibrations. "
                         "Audio 2: Sawing wood with music playing in the distance.")]


def test_missing_audio_names_file_row_and_roots(released):
    meta, _ = released
    with pytest.raises(InputError) as err:
        data.read_rows(meta / "acd_test_adiff_fewwords_answer.csv", ["/nowhere"])
    assert "row 2" in str(err.value) and "Y7fmOlUlwoNg.wav" in str(err.value) and "/nowhere" in str(err.value)


def test_wrong_columns_and_unknown_input(tmp_path, released):
    meta, root = released
    bad = tmp_path / "acd_test_adiff_fewwords_answer.csv"
    bad.write_text("file1,file2,answer\na,b,c\n")
    with pytest.raises(InputError, match="row 1: missing column"):
        data.read_rows(bad, [root])
    odd = tmp_path / "odd.csv"
    lines = (meta / "acd_test_adiff_fewwords_answer.csv").read_text().splitlines()
    odd.write_text(lines[0] + "\n" + lines[1].replace("explain the difference in few words", "sing a song") + "\n")
    with pytest.raises(InputError, match="row 2: unknown input 'sing a song'"):
        data.read_rows(odd, [root])


def test_prompt_pools():
    norm = lambda p: " ".join(p.lower().split())  # noqa: E731
    owners = {}
    for task in prompts.PROMPT_KINDS:
        pool = prompts.pools()[task]
        assert len({norm(p) for p in pool}) >= (100 if task.startswith("tier") else 50)  # paper: ~100 per tier
        assert prompts.task_of_input(pool[7].upper()) == task
        assert prompts.task_of_input(pool[-1]) == task  # a composed paraphrase
        for p in pool:
            assert owners.setdefault(norm(p), task) == task, p  # no prompt names two tasks
    assert prompts.canonical("tier3") == "explain the difference in detail"
    assert prompts.task_of_input("Explain the difference in  few words") == "tier1"


def test_written_rows_read_back(tmp_path, released):
    _, root = released
    out = tmp_path / "x_train_adiff_detail_answer.csv"
    row = dict(zip(data.COLUMNS, ["t", str(root / "ClothoV21/evaluation/Santa Motor.wav"),
                                  str(root / "ClothoV21/evaluation/City forest.wav"), "a, b", "c",
                                  "explain the difference in detail", "x \"y\""]))
    data.write_rows(out, [row])
    back = data.read_rows(out)
    assert back[0].task == "tier3" and back[0].answer == 'x "y"' and back[0].caption1 == "a, b"
    assert list(csv.reader(out.open()))[0] == list(data.COLUMNS)


def test_row_leaving_its_folder_is_refused_unless_we_wrote_it(tmp_path, released):
    """Issue 21 case 11: only CSVs that write_rows signed may name audio by absolute path."""
    meta, root = released
    lines = (meta / "acd_test_adiff_fewwords_answer.csv").read_text().splitlines()
    outside = root / "AudioCapsLarger/test/Y7fmOlUlwoNg.wav"
    foreign = tmp_path / "csvs" / "x_test_adiff_fewwords_answer.csv"
    foreign.parent.mkdir()
    foreign.write_text(lines[0] + "\n" + lines[1].replace("AudioCapsLarger/test/Y7fmOlUlwoNg.wav", str(outside)) + "\n")
    with pytest.raises(InputError, match="escapes its folder") as err:
        data.read_rows(foreign)
    assert "row 2" in str(err.value)
    row = dict(zip(data.COLUMNS, next(csv.reader([lines[1]]))), filepath1=str(outside))
    row["filepath2"] = str(outside)
    data.write_rows(foreign, [row])  # ours: signed, so its absolute paths are accepted
    assert data.read_rows(foreign)[0].audio1 == outside
    foreign.write_text(foreign.read_text() + foreign.read_text().splitlines()[1] + "\n")  # edited: no longer ours
    with pytest.raises(InputError, match="escapes its folder"):
        data.read_rows(foreign)
