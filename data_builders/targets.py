"""Caption, instruction and commonality targets of the ACC paper's add / delete / replace pairs.

Post-edit caption of A+B = caption(A) + connector + phrase(B) + where B sits in the clip
("at the beginning", ...; the paper's pipeline writes captions "based on event category and
insertion context"). The ADC target is the edit instruction, naming the same places; the
ACC target is what both clips share: add -> pre caption, delete -> post caption, replace ->
the longest word-level overlap of pre and post captions.
"""
from __future__ import annotations

import difflib
import re

import numpy as np

CONNECTORS = (", while", ", with", ", and")

# Words that read as plural or uncountable take no article: "rain falling", not "a rain falling".
_MASS_NOUNS = frozenset(
    "water rain wind fire thunder music speech applause laughter traffic steam "
    "static noise gunfire machinery crowd people children birds footsteps".split()
)

ADD_TEMPLATES = (
    "Add {p}.", "Add the sound of {l}.", "Insert {p}.", "Mix in {p}.",
    "Include {p} in the audio.", "Overlay {p}.", "Bring in the sound of {l}.",
    "Put {p} into the scene.",
)
DELETE_TEMPLATES = (
    "Remove {p}.", "Remove the sound of {l}.", "Delete {p}.", "Take out {p}.",
    "Cut {p} from the audio.", "Get rid of the sound of {l}.", "Erase {p}.",
    "Filter out {p}.",
)
REPLACE_TEMPLATES = (
    "Replace {p} with {q}.", "Swap {p} for {q}.", "Change {p} to {q}.",
    "Substitute {q} for {p}.", "Turn {p} into {q}.", "Exchange {p} for {q}.",
    "Use {q} instead of {p}.",
)

# Trailing words that a word-level overlap may end on but that dangle without what followed.
_DANGLING = frozenset("a an the and with while of in on to as by at from or".split())
# Where an event sits (our choice of thirds; "throughout" once it covers most of the clip).
WHOLE_CLIP = 0.8
CONTEXTS = ("at the beginning", "in the middle", "towards the end", "throughout")
_CONTEXT_WORDS = frozenset(" ".join(CONTEXTS).split())
_WORD = re.compile(r"[a-z0-9']+")


def phrase(label: str) -> str:
    """'dog barking' -> 'a dog barking'; 'rain falling' -> 'rain falling'."""
    words = label.strip().split()
    if not words:
        raise ValueError("empty label")
    head = words[0].lower()
    if head in _MASS_NOUNS or (head.endswith("s") and not head.endswith("ss")):
        return label.strip()
    article = "an" if head[0] in "aeiou" else "a"
    return f"{article} {label.strip()}"


def insertion_context(onset_s: float, event_s: float, clip_s: float) -> str:
    """Where an event sits: "throughout" if it covers WHOLE_CLIP of the clip, else the third
    of the clip that holds its midpoint."""
    if event_s >= WHOLE_CLIP * clip_s:
        return CONTEXTS[3]
    third = min(2, int(3 * (onset_s + event_s / 2) / clip_s))
    return CONTEXTS[third]


def post_caption(base_caption: str, label: str, connector: str, context: str = "") -> str:
    """Caption of base + event: the base caption without its final period, connector, phrase,
    and where the event sits (`context`, if given)."""
    base = base_caption.strip().rstrip(".")
    return f"{base}{connector} {_at(phrase(label), context)}."


def instruction(op: str, rng: np.random.Generator, label: str, new_label: str = "",
                context: str = "", new_context: str = "") -> str:
    """A templated edit instruction naming the events (and where they sit, if given); the
    template is drawn from the op's pool with `rng`."""
    pool = {"add": ADD_TEMPLATES, "delete": DELETE_TEMPLATES, "replace": REPLACE_TEMPLATES}[op]
    template = pool[int(rng.integers(len(pool)))]
    text = template.format(
        p=_at(_the(label), context), l=_at(phrase(label), context),
        q=_at(phrase(new_label), new_context) if new_label else "",
    )
    return text[0].upper() + text[1:]


def _at(text: str, context: str) -> str:
    return f"{text} {context}" if context else text


def _the(label: str) -> str:
    """The definite form used in instructions: 'the dog barking', 'rain falling'."""
    p = phrase(label)
    return "the " + p.split(" ", 1)[1] if p.split(" ", 1)[0] in ("a", "an") else p


def commonality(op: str, pre: str, post: str) -> str:
    """The ACC target: add -> pre caption, delete -> post caption, replace -> overlap.

    A replace overlap ends with a period when the pre caption does, so all targets share
    the base captions' style.
    """
    if op == "add":
        return pre
    if op == "delete":
        return post
    shared = longest_overlap(pre, post)
    return shared + "." if shared and pre.rstrip().endswith(".") else shared


def longest_overlap(pre: str, post: str) -> str:
    """The longest contiguous run of words shared by `pre` and `post`, as written in `pre`.

    Words compare case-insensitively with punctuation ignored. Ties go to the run that starts
    earliest in `pre`, then earliest in `post` (difflib's documented rule). Dangling function
    words and punctuation at the run's end are dropped ("a dog barks, with a" -> "a dog
    barks"), but one that ends a clause in `pre` is kept ("a vehicle passes by."). A run
    made only of insertion-context words ("at the beginning") names no sound, so the next
    longest shared run is taken instead. Returns "" when nothing is shared.
    """
    pre_tokens = pre.split()
    a = [_norm(t) for t in pre_tokens]
    b = [_norm(t) for t in post.split()]
    blocks = difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()
    for m in sorted((m for m in blocks if m.size), key=lambda m: (-m.size, m.a, m.b)):
        words = _trim(pre_tokens[m.a : m.a + m.size])
        if not words or not all(_norm(w) in _CONTEXT_WORDS for w in words):
            return " ".join(words).rstrip(",;:")
    return ""


def _trim(words: list[str]) -> list[str]:
    """Drop trailing punctuation-only tokens and dangling function words (see longest_overlap)."""
    words = list(words)
    while words and (not _norm(words[-1]) or
                     (_norm(words[-1]) in _DANGLING and words[-1][-1].isalnum())):
        words.pop()
    return words


def _norm(token: str) -> str:
    return "".join(_WORD.findall(token.lower()))
