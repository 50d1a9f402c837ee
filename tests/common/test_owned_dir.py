"""Owned output folders: made or marked, locked, and deleting only what the journal lists."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from adcacc.common.errors import InputError
from adcacc.common.owned_dir import BOOKKEEPING, JOURNAL, LOCK, MARKER, owned


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_new_folder_is_made_marked_and_recorded(tmp_path):
    with owned(tmp_path / "a" / "b", "adcacc x") as folder:
        folder.write_text("sub/r.txt", "hi")
    root = tmp_path / "a" / "b"
    assert json.loads((root / MARKER).read_text()) == {"tool": "adcacc x"}
    assert (root / JOURNAL).read_text() == "sub/r.txt\n" and (root / "sub" / "r.txt").read_text() == "hi"


@pytest.mark.parametrize("content", [{"notes.txt": "mine"}, {".hidden": ""}, {"d/x": "1"}])
def test_a_users_folder_is_refused_and_untouched(tmp_path, content):
    root = tmp_path / "u"
    for rel, text in content.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    before = _files(root)
    with pytest.raises(InputError, match="not empty and was not made by adcacc x"):
        with owned(root, "adcacc x"):
            pytest.fail("the block must not run")
    assert _files(root) == before


def test_another_commands_folder_is_refused(tmp_path):
    with owned(tmp_path / "o", "adcacc infer"):
        pass
    with pytest.raises(InputError, match="holds the output of adcacc infer, not of adcacc compare"):
        with owned(tmp_path / "o", "adcacc compare"):
            pass


def test_a_legacy_marker_is_taken_over(tmp_path):
    (tmp_path / "o").mkdir()
    (tmp_path / "o" / ".stages").mkdir()
    with owned(tmp_path / "o", "adcacc run", legacy=(".stages",)):
        pass
    assert (tmp_path / "o" / MARKER).is_file()


def test_the_lock_refuses_a_second_writer_and_is_released(tmp_path):
    with owned(tmp_path / "o", "adcacc x"):
        with pytest.raises(InputError, match="another adcacc command is writing"):
            with owned(tmp_path / "o", "adcacc x"):
                pass
    with owned(tmp_path / "o", "adcacc x"):  # released when the first block ended
        pass


def test_remove_and_keep_only_touch_recorded_paths_only(tmp_path):
    with owned(tmp_path / "o", "adcacc x") as folder:
        for rel in ("w/a.wav", "w/b.wav", "w/c.wav"):
            folder.write_text(rel, rel)
        (folder.root / "w" / "user.wav").write_text("mine")
        assert folder.remove("w/user.wav") is False
        assert folder.keep_only({"w/a.wav"}, "w") == ["w/b.wav", "w/c.wav"]
        folder.path("made")  # a recorded folder covers what is below it
        (folder.root / "made" / "deep").mkdir(parents=True)
        assert folder.owns("made/deep/x") and not folder.owns("w/user.wav")
        assert folder.remove("made") and not (folder.root / "made").exists()
    assert sorted(_files(tmp_path / "o")) == sorted([*BOOKKEEPING, "w/a.wav", "w/user.wav"])
    assert (tmp_path / "o" / JOURNAL).read_text() == "w/a.wav\nmade\n"


def test_paths_outside_the_folder_are_not_recordable(tmp_path):
    with owned(tmp_path / "o", "adcacc x") as folder:
        for bad in ("../x", "/etc/passwd", "a/../../x"):
            with pytest.raises(ValueError, match="not a path inside"):
                folder.path(bad)


def test_a_failed_command_leaves_no_folder_it_made_empty(tmp_path):
    with pytest.raises(InputError):
        with owned(tmp_path / "new", "adcacc x"):
            raise InputError(None, "bad input found before any write")
    assert not (tmp_path / "new").exists()
    with pytest.raises(KeyboardInterrupt):  # something written: kept, to resume
        with owned(tmp_path / "kept", "adcacc x") as folder:
            folder.write_text("partial.jsonl", "{}\n")
            raise KeyboardInterrupt
    assert (tmp_path / "kept" / "partial.jsonl").is_file()


def test_out_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(InputError, match="--out is a file, not a folder"):
        with owned(tmp_path / "f", "adcacc x"):
            pass
    assert (tmp_path / "f").read_text() == "x" and LOCK not in {p.name for p in tmp_path.iterdir()}
