"""`adcacc adiff make-explanations`: tiered difference explanations for audio pairs.

Pairs are sampled as in the paper (appendix E): for clip i a partner j drawn from all clips
except i..i+4. Backends: any OpenAI-compatible chat endpoint, a local transformers chat
model (both prompted with the paper's expert-audio base prompt and tier limits on sources and
length), or `template`: sentences built only from the clips' known labels and measured facts
(`audio_facts`), so every statement is true of the audio. Output: the released ACD/CLD CSV
layout, one file per tier and split.
"""
from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from adcacc.adiff_small import prompts
from adcacc.adiff_small.audio_facts import Facts, measure
from adcacc.adiff_small.data import Clip, read_clips, resolve_audio, write_rows
from adcacc.adiff_small.lm import load_lm
from adcacc.common.chat import OpenAIBackend, TransformersBackend
from adcacc.common.errors import InputError
from adcacc.common.files import csv_records
from adcacc.common.owned_dir import owned

BASE_PROMPT = (  # paper Table 7
    "You are a helpful assistant with expert knowledge about audio, acoustics, and psychoacoustics. "
    "You study audio, which is the study of sound and its properties. You study acoustics, which "
    "revolve around the generation, propagation, and reception of sound waves. You study Psychology "
    "which posits that a sound is a complex stimulus that encompasses a vast range of acoustic "
    "properties involving aspects of cognition, psychoacoustics, and psychomechanics. Your task is to "
    "perform audio captioning which consists of describing audio content using natural language. To "
    "describe the acoustic content, you utilize words related to their acoustic properties, such as "
    "their semantic relations, their spectro-temporal characteristics, frequency, loudness, duration, "
    "materials, interactions, and sound sources.")
TIER_LIMITS = {  # the tiers differ by the sources allowed and the length (paper section 2)
    1: "Explain the difference between Audio 1 and Audio 2 in a few words (at most 30 words), "
       "naming only the main audio events and their most obvious acoustic qualities.",
    2: "Explain the difference between Audio 1 and Audio 2 in one sentence (at most 60 words), "
       "covering audio events, sound sources, the nature of the sounds, their temporal order and "
       "the acoustic scene.",
    3: "Explain the difference between Audio 1 and Audio 2 in detail (at most 200 words), covering "
       "audio events, acoustic scenes, sound sources, signal characteristics (frequency, pitch, "
       "loudness, duration), tonal differences, materials, and how each audio feels to a listener.",
}
TIER_FILE = {1: "fewwords", 2: "sentence", 3: "detail"}


@dataclass(frozen=True)
class Pair:
    a: Clip
    b: Clip
    split: str


def sample_pairs(clips: list[Clip], seed: int, test_fraction: float, per_clip: int = 1) -> list[Pair]:
    """Paper pairing within each split; clips are split first so test audio is unseen."""
    rng = random.Random(seed)
    order = list(range(len(clips)))
    rng.shuffle(order)
    n_test = max(6, round(len(clips) * test_fraction)) if test_fraction > 0 else 0
    test = _held_out(clips, order, n_test)
    groups = {"test": [clips[i] for i in sorted(test)],
              "train": [clips[i] for i in sorted(set(order) - set(test))]}
    pairs = []
    for split, group in groups.items():
        n = len(group)
        if n < 6:
            continue
        for i in range(n):
            allowed = [j for j in range(n) if (j - i) % n > 4]
            for j in rng.sample(allowed, min(per_clip, len(allowed))):
                pairs.append(Pair(group[i], group[j], split))
    return pairs


def _held_out(clips: list[Clip], order: list[int], n_test: int) -> list[int]:
    """Test clips in shuffled order. Labelled clips are held out only while their label keeps
    a clip in training, so a test pair is new audio of known sound classes (a label never
    seen in training cannot be named by any model)."""
    if not clips or not all(c.is_label for c in clips):
        return order[:n_test]
    left = Counter(c.text for c in clips)
    test = []
    for i in order:
        if len(test) < n_test and left[clips[i].text] > 1:
            test.append(i)
            left[clips[i].text] -= 1
    return test


def read_builder_pairs(path: Path) -> list[Pair]:
    """pairs.csv of `adcacc build` (src_audio, tgt_audio, pre/post captions, split)."""
    need = ("pair_id", "split", "src_audio", "tgt_audio", "pre_caption", "post_caption")
    pairs = []
    for i, rec in csv_records(path, need):
        where = f"{path} row {i}"
        a = Clip(f"{rec['pair_id']}/1", resolve_audio(rec["src_audio"], [path.parent], where),
                 rec["pre_caption"].strip(), False)
        b = Clip(f"{rec['pair_id']}/2", resolve_audio(rec["tgt_audio"], [path.parent], where),
                 rec["post_caption"].strip(), False)
        pairs.append(Pair(a, b, rec["split"]))
    if not pairs:
        raise InputError(path, "holds no pairs")
    return pairs


def _sound(clip: Clip) -> str:
    if clip.is_label:
        return f"the sound of {clip.text}"
    text = clip.text.rstrip(".")
    return text[:1].lower() + text[1:]


def template(pair: Pair, fa: Facts, fb: Facts, tier: int, rng: random.Random) -> str:
    """Sentences from labels/captions and measured facts only."""
    s1, s2 = _sound(pair.a), _sound(pair.b)
    if s1 == s2:
        lines = [rng.choice([f"Both audios have {s1}.", f"Audio 1 and audio 2 both contain {s1}."])]
    elif not (pair.a.is_label and pair.b.is_label):  # captions are clauses, not noun phrases
        lines = [rng.choice([f"In audio 1, {s1}; in audio 2, {s2}.",
                             f"Audio 1: {s1}. Audio 2: {s2}."])]
    else:
        lines = [rng.choice([f"Audio 1 has {s1}, while audio 2 has {s2}.",
                             f"The first audio features {s1}, whereas the second features {s2}.",
                             f"Audio 1 contains {s1}; audio 2 contains {s2} instead."])]
    if tier >= 2:
        diff = fa.loudness_db - fb.loudness_db
        if abs(diff) >= 1.0:
            louder = "audio 1" if diff > 0 else "audio 2"
            lines.append(f"{louder.capitalize()} is louder by about {abs(diff):.0f} dB.")
        else:
            lines.append("Both audios are about equally loud.")
        ratio = max(fa.centroid_hz, fb.centroid_hz) / max(min(fa.centroid_hz, fb.centroid_hz), 1.0)
        if ratio >= 1.2:
            brighter = "audio 1" if fa.centroid_hz > fb.centroid_hz else "audio 2"
            lines.append(f"{brighter.capitalize()} sounds brighter, with more high-frequency energy.")
        else:
            lines.append("Their spectral balance is similar.")
    if tier >= 3:
        for name, f in (("audio 1", fa), ("audio 2", fb)):
            when = f"its first onset at {f.onsets_s[0]:.1f} s" if f.onsets_s else "no clear onset"
            lines.append(f"{name.capitalize()} lasts {f.duration_s:.1f} s with {len(f.onsets_s)} "
                         f"detected onset{'s' if len(f.onsets_s) != 1 else ''}, {when}, a spectral centroid near {f.centroid_hz:.0f} Hz "
                         f"and a loudness of {f.loudness_db:.0f} {f.loudness_unit}.")
    return " ".join(lines)


def llm_messages(pair: Pair, tier: int) -> list[dict]:
    user = (f"Audio 1 description: {pair.a.text}\nAudio 2 description: {pair.b.text}\n"
            f"{TIER_LIMITS[tier]} Refer to them as Audio 1 and Audio 2 and output only the explanation.")
    return [{"role": "system", "content": BASE_PROMPT}, {"role": "user", "content": user}]


def make(clips_csv: Path, out: Path, backend: str, *, name: str = "demo", seed: int = 0,
         test_fraction: float = 0.2, per_clip: int = 1, base_url: str | None = None,
         model: str | None = None, progress: bool = True) -> dict[str, int]:
    """Write {name}_{split}_adiff_{tier}_answer.csv files; LLM answers resume from a cache.

    `clips_csv` is a clip list (pairs are sampled) or a builder pairs.csv (pairs as given).
    """
    header = clips_csv.read_text(encoding="utf-8").split("\n", 1)[0] if clips_csv.is_file() else ""
    if "src_audio" in header.split(","):
        pairs = read_builder_pairs(clips_csv)
    else:
        pairs = sample_pairs(read_clips(clips_csv), seed, test_fraction, per_clip)
    with owned(out, "adcacc adiff make-explanations"):
        return _write_tiers(pairs, clips_csv, out, backend, name=name, seed=seed, base_url=base_url,
                            model=model, progress=progress)


def _write_tiers(pairs: list, clips_csv: Path, out: Path, backend: str, *, name: str, seed: int,
                 base_url: str | None, model: str | None, progress: bool) -> dict[str, int]:
    """make's work, inside the claimed folder: one CSV per split and tier."""
    if backend == "template":
        clips = sorted({c for p in pairs for c in (p.a, p.b)}, key=lambda c: c.id)
        facts = {c.path: measure(c.path, where=f"{clips_csv} id {c.id}")
                 for c in tqdm(clips, desc="measuring clips", disable=not progress)}
        answer = lambda p, t, i: template(p, facts[p.a.path], facts[p.b.path], t,  # noqa: E731
                                          random.Random(f"{seed}/{i}/{t}"))
    else:
        if not model or (backend == "openai" and not base_url):
            raise InputError(None, f"backend {backend!r} needs --model" + (" and --base-url" if backend == "openai" else ""))
        llm = OpenAIBackend(base_url, model, seed) if backend == "openai" else TransformersBackend(model, load=load_lm)
        answer = _cached(llm, out / ".work" / f"{backend}_responses.jsonl")
    counts = {}
    for split in sorted({p.split for p in pairs}):
        for tier in (1, 2, 3):
            rows = []
            for i, p in enumerate(tqdm([p for p in pairs if p.split == split], disable=not progress,
                                       desc=f"{split} tier {tier}")):
                rows.append({"taskname": name, "filepath1": str(p.a.path.resolve()),
                             "filepath2": str(p.b.path.resolve()), "caption1": p.a.text,
                             "caption2": p.b.text, "input": prompts.canonical(prompts.TIERS[tier]),
                             "answer": answer(p, tier, i)})
            fname = f"{name}_{split}_adiff_{TIER_FILE[tier]}_answer.csv"
            write_rows(out / fname, rows)
            counts[fname] = len(rows)
    return counts


def _cached(llm, cache: Path):
    cache.parent.mkdir(parents=True, exist_ok=True)
    done = {}
    if cache.is_file():
        for line in cache.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                done[rec["key"]] = rec["answer"]

    def answer(p: Pair, tier: int, _i: int) -> str:
        key = f"{p.a.id}|{p.b.id}|{tier}"
        if key not in done:
            done[key] = llm(llm_messages(p, tier))
            with cache.open("a", encoding="utf-8") as f:  # one line per answer: a kill loses at most one
                f.write(json.dumps({"key": key, "answer": done[key]}) + "\n")
        return done[key]

    return answer

