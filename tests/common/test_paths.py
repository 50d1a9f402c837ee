"""Paths read from data files: relative, inside their folder, and never a traceback."""
from __future__ import annotations

import pytest

from adcacc.common.errors import InputError
from adcacc.common.paths import inside


def test_a_relative_path_resolves_inside_its_root(tmp_path):
    assert inside(tmp_path, "a/b.wav", "x.csv") == (tmp_path / "a" / "b.wav").resolve()


@pytest.mark.parametrize("rel, words", [("../up.wav", "escapes"), ("/etc/passwd", "escapes"),
                                        ("a\x00.wav", "NUL byte")])
def test_a_bad_path_is_one_input_error_naming_file_and_row(tmp_path, rel, words):
    with pytest.raises(InputError, match=words) as err:
        inside(tmp_path, rel, "data.csv", row=3)
    assert "data.csv" in str(err.value) and "3" in str(err.value)


def test_a_symlink_loop_is_one_input_error_naming_file_and_row(tmp_path):
    (tmp_path / "loop.wav").symlink_to(tmp_path / "loop.wav")
    with pytest.raises(InputError, match="symlink loop") as err:
        inside(tmp_path, "loop.wav", "data.csv", row=7)
    assert str(err.value).startswith("data.csv row 7: ")
