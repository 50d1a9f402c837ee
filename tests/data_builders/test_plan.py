"""Planning: one folder per id (no two ids share one), seeded samples and splits."""
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adcacc.common.errors import InputError
from adcacc.data_builders.inputs import Clip
from adcacc.data_builders.plan import assign_splits, file_stem, plan, sample_bases


@given(st.lists(st.text(min_size=1, max_size=12), min_size=2, max_size=20, unique=True))
def test_file_stem_is_one_to_one(ids):
    stems = [file_stem(i) for i in ids]
    assert len(set(stems)) == len(ids)
    assert all(s and "/" not in s and not s.startswith(".") for s in stems)


def test_changed_id_and_its_lookalike_get_two_folders():
    lookalike = file_stem("a b")
    assert lookalike.startswith("a_b-") and file_stem(lookalike) != lookalike


def clips(*ids: str) -> list[Clip]:
    return [Clip(i, Path(f"{i}.wav"), "a caption", source="bases.csv", row=n + 2)
            for n, i in enumerate(ids)]


def test_ids_equal_but_for_case_are_refused():
    events = clips("e1", "e2")
    with pytest.raises(InputError, match="case-insensitive") as err:
        plan(clips("Base1", "x", "base1"), events, seed=0)
    assert err.value.row == 4


def test_sample_is_seeded_random_not_the_first_rows():
    bases = clips(*(f"b{i}" for i in range(100)))
    a, b = sample_bases(bases, 10, seed=0), sample_bases(bases, 10, seed=1)
    assert len(a) == 10 and a == sample_bases(bases, 10, seed=0) and a != b
    assert [c.id for c in a] != [f"b{i}" for i in range(10)]
    assert a == sorted(a, key=bases.index)  # input order kept


def test_splits_follow_fractions_and_keep_a_base_in_each_used_split():
    ids = [f"b{i}" for i in range(1000)]
    counts = lambda s: {k: list(s.values()).count(k) for k in ("train", "val", "test")}  # noqa: E731
    assert counts(assign_splits(ids, 0, (0.98, 0.02, 0.0))) == {"train": 980, "val": 20, "test": 0}
    assert counts(assign_splits(ids[:3], 0, (0.8, 0.1, 0.1))) == {"train": 1, "val": 1, "test": 1}
