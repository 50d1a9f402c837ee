"""The one YAML loader for user files (issue 21 cases 13, 14): safe, no repeated keys, an
alias expansion budget, one line naming the file, the line and the limit."""
from __future__ import annotations

import time

import pytest

from adcacc.common.errors import InputError
from adcacc.common.yaml_files import MAX_NODES, load_yaml, read_yaml

LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8))


def test_billion_laughs_is_refused_quickly_naming_the_limit(tmp_path):
    path = tmp_path / "laughs.yaml"
    path.write_text(LAUGHS)
    start = time.perf_counter()
    with pytest.raises(InputError) as err:
        read_yaml(path)
    assert time.perf_counter() - start < 1.0  # measured ~2 ms; PyYAML alone loads it, then walkers hang
    assert str(path) in str(err.value) and f"{MAX_NODES:,}" in str(err.value) and "\n" not in str(err.value)


def test_repeated_key_names_key_and_line():
    with pytest.raises(InputError) as err:
        load_yaml("arms:\n  ac: {}\n  acc: {}\n  ac: {overrides: {max_steps: 1}}\n", "exp.yaml")
    assert str(err.value).startswith("exp.yaml row 4: ") and "duplicate key 'ac'" in str(err.value)


@pytest.mark.parametrize("text, words", [
    ("!!python/object/apply:os.system ['touch PWNED']", "could not determine a constructor"),
    ("a: &x [1, *x]\n", "recursive"),
    ("[" * 3000 + "]" * 3000, "nested too deeply"),
    ("k: [1", "not valid YAML"),
])
def test_unsafe_or_broken_yaml_is_one_line(text, words):
    with pytest.raises(InputError, match=words) as err:
        load_yaml(text, "--set 'k'")
    assert str(err.value).startswith("--set 'k'") and "\n" not in str(err.value)


def test_ordinary_yaml_still_loads():
    assert load_yaml("base: &b {x: 1, y: 2}\nother: {<<: *b, y: 3}\nlist: [*b, *b]\n", "f") == {
        "base": {"x": 1, "y": 2}, "other": {"x": 1, "y": 3}, "list": [{"x": 1, "y": 2}] * 2}
    assert load_yaml("", "f") is None
