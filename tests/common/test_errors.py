"""InputError: one line naming the file, whatever the file holds."""
from adcacc.common.errors import InputError


def test_an_input_error_is_one_line_whatever_the_file_holds():
    err = InputError("a\nb.yaml", "unknown key '\x1e'\u2028; line\rtwo", row=3)
    assert str(err) == "a\\nb.yaml row 3: unknown key '\\x1e'\\u2028; line\\rtwo"
    assert len(str(err).splitlines()) == 1
