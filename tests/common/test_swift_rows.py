"""The ms-swift row: written and read back the same; a malformed row names its line."""
import json

import pytest

from adcacc.common.errors import InputError
from adcacc.common.swift_rows import SwiftRow, read_swift_rows


def test_a_row_reads_back_as_written(tmp_path):
    row = SwiftRow("What is common to both clips?", "a dog barks", ("a.wav", "b.wav"))
    path = tmp_path / "acc_val.jsonl"
    path.write_text(json.dumps(row.to_dict()) + "\n\n")
    assert read_swift_rows(path) == [(1, row)]
    assert row.to_dict()["messages"][0]["content"] == "<audio><audio>What is common to both clips?"


@pytest.mark.parametrize("bad, why", [
    ({"messages": [{"role": "user", "content": "<audio>hi"}], "audios": ["a.wav"]}, "user turn, assistant turn"),
    ({"messages": [{"role": "user", "content": "<audio>hi"}, {"role": "assistant", "content": "x"}],
      "audios": ["a.wav", "b.wav"]}, "one <audio> tag per audio"),
    ({"messages": [{"role": "user", "content": "hi <audio>"}, {"role": "assistant", "content": "x"}],
      "audios": ["a.wav"]}, "one <audio> tag per audio"),
    ({"messages": [{"role": "user", "content": "<audio>hi"}, {"role": "assistant", "content": "x"}],
      "audios": []}, "non-empty list of audio paths"),
])
def test_a_malformed_row_is_one_line_naming_file_and_row(tmp_path, bad, why):
    good = SwiftRow("hi", "x", ("a.wav",)).to_dict()
    path = tmp_path / "rows.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    with pytest.raises(InputError, match=why) as err:
        read_swift_rows(path)
    assert "rows.jsonl" in str(err.value) and "2" in str(err.value) and "\n" not in str(err.value)
