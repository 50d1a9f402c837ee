import re

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from adcacc.data_builders import targets

WORDS = st.sampled_from("a dog barks man speaks the bell rings while with and rain falls".split())


def norm(words):
    return [re.sub(r"[^a-z0-9']", "", w.lower()) for w in words]


def test_phrase_articles():
    assert targets.phrase("dog barking") == "a dog barking"
    assert targets.phrase("engine idling") == "an engine idling"
    assert targets.phrase("rain falling") == "rain falling"
    assert targets.phrase("footsteps on gravel") == "footsteps on gravel"


def test_post_caption_appends_connector_and_phrase():
    assert (
        targets.post_caption("A man speaks.", "dog barking", ", while")
        == "A man speaks, while a dog barking."
    )


def test_instruction_names_the_labels():
    rng = np.random.default_rng(0)
    for _ in range(20):
        assert "dog barking" in targets.instruction("add", rng, "dog barking")
        assert "bell ringing" in targets.instruction("delete", rng, "bell ringing")
        text = targets.instruction("replace", rng, "dog barking", "bell ringing")
        assert "dog barking" in text and "bell ringing" in text
        assert text[0].isupper() and text.endswith(".")


def test_commonality_rules():
    pre, post = "A man speaks.", "A man speaks, with a dog barking."
    assert targets.commonality("add", pre, post) == pre
    assert targets.commonality("delete", post, pre) == pre
    ab = "A man speaks, with a dog barking."
    ac = "A man speaks, with a bell ringing."
    # the overlap "A man speaks, with a" loses its dangling words and keeps the period
    assert targets.commonality("replace", ab, ac) == "A man speaks."


def test_overlap_is_case_and_punctuation_insensitive():
    assert targets.longest_overlap("Birds CHIRP loudly, then rain", "birds chirp loudly") == "Birds CHIRP loudly"


def test_overlap_tie_goes_to_earliest_in_pre():
    assert targets.longest_overlap("rain falls dog barks", "dog barks rain falls") == "rain falls"


def test_overlap_empty_when_nothing_shared():
    assert targets.longest_overlap("dog barks", "bell rings") == ""


DANGLING = {"a", "an", "the", "and", "with", "while"}


@given(st.lists(WORDS, max_size=12), st.lists(WORDS, max_size=12))
def test_overlap_is_the_earliest_longest_shared_run_trimmed(pre_words, post_words):
    got = norm(targets.longest_overlap(" ".join(pre_words), " ".join(post_words)).split())
    a, b = norm(pre_words), norm(post_words)
    runs = [(k, i) for i in range(len(a)) for j in range(len(b))
            for k in range(1, min(len(a) - i, len(b) - j) + 1) if a[i:i + k] == b[j:j + k]]
    if not runs:
        assert got == []
        return
    longest = max(k for k, _ in runs)
    first = min(i for k, i in runs if k == longest)
    expected = a[first:first + longest]
    while expected and expected[-1] in DANGLING:
        expected.pop()
    assert got == expected


def test_clause_final_words_are_kept():
    pre = "A man talks while a vehicle passes by."
    ab = targets.post_caption(pre, "dog barking", ", with")
    ac = targets.post_caption(pre, "bell ringing", ", and")
    assert targets.commonality("replace", ab, ac) == "A man talks while a vehicle passes by."
    assert targets.longest_overlap("a dog barks, with a", "a dog barks, with a cat") == "a dog barks"


def test_insertion_context_from_the_onset():
    assert targets.insertion_context(0.2, 1.0, 10.0) == "at the beginning"
    assert targets.insertion_context(4.5, 1.0, 10.0) == "in the middle"
    assert targets.insertion_context(8.5, 1.0, 10.0) == "towards the end"
    assert targets.insertion_context(0.5, 9.0, 10.0) == "throughout"
    assert (targets.post_caption("A man speaks.", "dog barking", ", while", "towards the end")
            == "A man speaks, while a dog barking towards the end.")
    text = targets.instruction("replace", np.random.default_rng(0), "dog barking", "bell ringing",
                               "at the beginning", "in the middle")
    assert "dog barking at the beginning" in text and "bell ringing in the middle" in text


def test_shared_context_alone_is_not_the_commonality():
    ab = targets.post_caption("Wind blows.", "dog barking", ", with", "at the beginning")
    ac = targets.post_caption("Wind blows.", "bell ringing", ", and", "at the beginning")
    assert targets.commonality("replace", ab, ac) == "Wind blows."


CAPTION = st.lists(st.sampled_from("a man speaks dog barks by the road car passes rain falls "
                                   "loudly in on wind".split()), min_size=1, max_size=10)
LABEL = st.sampled_from(["dog barking", "bell ringing", "rain falling", "engine idling", "car horn"])


def contiguous(sub: list[str], seq: list[str]) -> bool:
    return any(seq[i:i + len(sub)] == sub for i in range(len(seq) - len(sub) + 1))


@given(CAPTION, st.sampled_from([".", ""]), LABEL, LABEL, st.sampled_from(targets.CONNECTORS),
       st.sampled_from(targets.CONNECTORS), st.sampled_from(("",) + targets.CONTEXTS),
       st.sampled_from(("",) + targets.CONTEXTS))
def test_pair_targets_hold_for_any_caption(words, end, b, c, conn_b, conn_c, ctx_b, ctx_c):
    """Replace: the commonality is one contiguous span of both captions. Add/delete: the
    shorter (pre for add, post for delete) caption, unchanged."""
    from adcacc.data_builders.pairs import six_pairs

    base = " ".join(words).capitalize() + end
    for p in six_pairs(base, b, c, conn_b, conn_c, np.random.default_rng(0), ctx_b, ctx_c):
        if p.op == "replace":
            span = norm(p.commonality.split())
            assert span == [] or (contiguous(span, norm(p.pre_caption.split()))
                                  and contiguous(span, norm(p.post_caption.split())))
        else:
            assert p.commonality == (p.pre_caption if p.op == "add" else p.post_caption) == base.strip()
