"""What a generated explanation says about each audio, checked against what is known.

Template explanations name audio 1's event in a first clause and audio 2's in a second
("Audio 1 has X, while audio 2 has Y", "The first audio features X, whereas the second
features Y", ...) and tier 2 adds measured directions ("Audio 2 is louder ...", "Audio 1
sounds brighter ..."). These functions turn an output into per-pair 0/1 outcomes:

- label accuracy by position: audio 1's true label named in the audio-1 clause (and 2 in 2);
- swap consistency: with the audios given in the other order, the output names the same two
  labels in exchanged clauses (a model that does not hear gives the same output, which is
  never consistent because the two labels differ);
- direction accuracy: the louder / brighter clip named as the reference names it;
- tier shape: the output has its tier's parts (tier 1: the contrast sentence alone; tier 2:
  also a loudness and a spectral sentence; tier 3: also per-audio detail), so a model that
  answers every prompt alike is seen not to follow the tier.

Only pairs with two different labels (neither inside the other) count for the label
measures, since otherwise a clause cannot tell which audio it describes.
"""
from __future__ import annotations

import re
from collections import Counter

import numpy as np

from adcacc.adiff_small.data import Row

_SECOND = re.compile(r"\baudio 2\b|\bthe second\b|\bsecond audio\b", re.IGNORECASE)
FACTS = {"louder": re.compile(r"\baudio ([12]) is louder\b", re.IGNORECASE),
         "brighter": re.compile(r"\baudio ([12]) sounds brighter\b", re.IGNORECASE)}


def clauses(text: str) -> tuple[str, str]:
    """(audio-1 clause, audio-2 clause) of the first sentence that mentions audio 2; the
    second clause is empty when no sentence does."""
    m = _SECOND.search(text)
    if m is None:
        return text, ""
    end = text.find(".", m.end())
    return text[:m.start()], text[m.start():end if end >= 0 else len(text)]


def named(clause: str, labels: list[str]) -> str | None:
    """The longest known label the clause names as a whole phrase, if any."""
    low = clause.lower()
    for lab in sorted(labels, key=len, reverse=True):
        if re.search(rf"\b{re.escape(lab.lower())}\b", low):
            return lab
    return None


def label_rows(rows: list[Row]) -> list[int]:
    """Indices of rows whose two labels differ and neither contains the other."""
    return [i for i, r in enumerate(rows)
            if r.caption1 and r.caption2 and r.caption1 not in r.caption2 and r.caption2 not in r.caption1]


def label_accuracy(rows: list[Row], preds: list[str], labels: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per label row: (audio 1's label named in clause 1, audio 2's label named in clause 2)."""
    idx = label_rows(rows)
    said = [tuple(named(c, labels) for c in clauses(preds[i])) for i in idx]
    return (np.array([s[0] == rows[i].caption1 for i, s in zip(idx, said)], dtype=float),
            np.array([s[1] == rows[i].caption2 for i, s in zip(idx, said)], dtype=float))


def swap_consistency(rows: list[Row], matched: list[str], swapped: list[str], labels: list[str]) -> np.ndarray:
    """Per label row: the swapped-order output names the matched output's two (different)
    labels in exchanged clauses."""
    out = []
    for i in label_rows(rows):
        a1, a2 = (named(c, labels) for c in clauses(matched[i]))
        b1, b2 = (named(c, labels) for c in clauses(swapped[i]))
        out.append(a1 is not None and a2 is not None and a1 != a2 and (b1, b2) == (a2, a1))
    return np.array(out, dtype=float)


def direction(text: str, fact: str) -> int | None:
    """1 or 2: which audio the text says is louder/brighter; None if it names neither."""
    m = FACTS[fact].search(text)
    return int(m.group(1)) if m else None


def direction_accuracy(rows: list[Row], preds: list[str], fact: str) -> np.ndarray:
    """Per row whose reference states a direction: the output states the same one (saying
    nothing or "equal" counts as wrong, so chance for a guesser is 50%)."""
    return np.array([direction(p, fact) == direction(r.answer, fact)
                     for r, p in zip(rows, preds) if direction(r.answer, fact) is not None], dtype=float)


def label_baselines(train: list[Row], test: list[Row]) -> dict[str, dict[str, float]]:
    """Chance (a uniformly guessed training label) and majority (the training rows' most
    frequent label at that position, always said) per position, on the test label rows."""
    labels = sorted({lab for r in train for lab in (r.caption1, r.caption2)})
    idx = label_rows(test)
    out = {}
    for pos, field in ((1, "caption1"), (2, "caption2")):
        top = Counter(getattr(r, field) for r in train).most_common(1)[0][0]
        hits = [getattr(test[i], field) == top for i in idx]
        out[f"label position {pos}"] = {"chance": round(1 / len(labels), 3),
                                  "majority": round(float(np.mean(hits)) if hits else 0.0, 3)}
    return out


def direction_majority(train: list[Row], test: list[Row], fact: str) -> float | None:
    """Accuracy on test of always naming the training references' more frequent direction
    (None when no training reference states one)."""
    said = Counter(d for r in train if (d := direction(r.answer, fact)) is not None)
    if not said:
        return None
    top = said.most_common(1)[0][0]
    truth = [d for r in test if (d := direction(r.answer, fact)) is not None]
    return round(float(np.mean([d == top for d in truth])) if truth else 0.0, 3)


_LOUDNESS = re.compile(r"\bis louder\b|\bequally loud\b", re.IGNORECASE)
_SPECTRUM = re.compile(r"\bsounds brighter\b|\bspectral balance\b", re.IGNORECASE)
_DETAIL = re.compile(r"\bdetected onsets?\b", re.IGNORECASE)


def tier_shape(text: str, tier: str) -> bool:
    """Whether `text` has the parts of a template explanation of `tier` (tier1|2|3) and none
    of a higher tier's: a contrast naming audio 2, then loudness and spectrum (tier 2 on),
    then per-audio detail (tier 3)."""
    level = int(tier[-1])
    has = [_SECOND.search(text) is not None, bool(_LOUDNESS.search(text)) and bool(_SPECTRUM.search(text)),
           bool(_DETAIL.search(text))]
    return has[0] and all(has[1:level]) and not any(has[level:])


def shape_accuracy(rows: list[Row], preds: list[str]) -> np.ndarray:
    """Per row: the output has the shape of the row's tier (tier_shape)."""
    return np.array([tier_shape(p, r.task) for r, p in zip(rows, preds)], dtype=float)
