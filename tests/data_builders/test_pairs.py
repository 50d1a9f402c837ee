import numpy as np

from adcacc.data_builders.pairs import chat_row, six_pairs
from adcacc.data_builders.prompts import POOLS


def test_six_pairs_arithmetic():
    pairs = six_pairs("Wind blows.", "dog barking", "bell ringing", ", with", ", and", np.random.default_rng(0))
    assert [(p.op, p.src, p.tgt) for p in pairs] == [
        ("add", "A", "AB"), ("add", "A", "AC"),
        ("delete", "AB", "A"), ("delete", "AC", "A"),
        ("replace", "AB", "AC"), ("replace", "AC", "AB"),
    ]
    ab, ac = "Wind blows, with a dog barking.", "Wind blows, and a bell ringing."
    add_b, add_c, del_b, del_c, rep_bc, rep_cb = pairs
    assert (add_b.pre_caption, add_b.post_caption, add_b.commonality) == ("Wind blows.", ab, "Wind blows.")
    assert (del_c.pre_caption, del_c.post_caption, del_c.commonality) == (ac, "Wind blows.", "Wind blows.")
    assert (rep_bc.pre_caption, rep_bc.post_caption) == (ab, ac)
    assert rep_bc.commonality == rep_cb.commonality == "Wind blows."
    assert "dog barking" in add_b.instruction and "bell ringing" in del_c.instruction
    assert "dog barking" in rep_bc.instruction and "bell ringing" in rep_bc.instruction


def test_chat_row_has_one_tag_per_audio():
    rng = np.random.default_rng(0)
    row = chat_row("acc", ["a.wav", "b.wav"], "Wind blows.", rng)
    user = row["messages"][0]["content"]
    assert user.count("<audio>") == 2 and user.replace("<audio>", "") in POOLS["acc"]
    assert row["messages"][1] == {"role": "assistant", "content": "Wind blows."}


def test_prompt_pools_are_large_and_distinct():
    for pool in POOLS.values():
        assert len(set(pool)) == len(pool) >= 30
