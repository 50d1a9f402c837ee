"""Report files: tables print numbers as the papers do, and a JSON+Markdown pair is deterministic."""
from adcacc.common.report_files import markdown_table, skipped_note, write_report


def test_markdown_table_prints_four_decimals_and_a_dash_for_missing():
    text = markdown_table(["arm", "CIDEr-D"], [["ac", 0.123456], ["acc", None]])
    assert text.splitlines() == ["| arm | CIDEr-D |", "|---|---|", "| ac | 0.1235 |", "| acc | – |"]


def test_skipped_note_names_the_first_clips_and_is_empty_without_any():
    assert skipped_note([]) == ""
    note = skipped_note([{"id": f"clip{i}"} for i in range(5)])
    assert "5 listed clip(s)" in note and "clip0" in note and "clip3" not in note


def test_write_report_sorts_keys_so_equal_payloads_give_equal_bytes(tmp_path):
    a = write_report(tmp_path / "a", "r", {"b": 1, "a": [2]}, "# r\n")
    b = write_report(tmp_path / "b", "r", {"a": [2], "b": 1}, "# r\n")
    assert [p.name for p in a] == ["r.json", "r.md"]
    assert a[0].read_bytes() == b[0].read_bytes()
    assert a[0].read_text().index('"a"') < a[0].read_text().index('"b"')
