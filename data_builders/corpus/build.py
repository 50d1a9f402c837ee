"""`adcacc corpus`: the embedded corpus of real sounds, assembled reproducibly from packages.

Output (paths in every CSV are relative to that CSV's folder):
  events.csv  id,path,label,category      single-event clips (<= 5 s) from the event pool
  bases.csv   id,path,caption             10 s scenes: a lasting bed + 1-3 foreground sounds
  captions.csv id,path,caption_1..5       the same scenes with five templated paraphrases
  scenes.json                             how each scene was mixed (sources, onsets, ratios)
  pretrain/captions.csv, pretrain/scenes.json  optional scenes for a toy base model's own
                                          pretraining only (drawn like bases.csv, on their
                                          own random stream): never mixed, never evaluated
  heldout/captions.csv, heldout/scenes.json   held-out scenes for evaluation only: label
                                          combinations (and, where there is a choice,
                                          recordings) no training scene has
  retention/vsc_proxy.csv, retention/mic_proxy.csv   id,path,label: VocalSound/NSynth proxy
                                          TEST clips; retention/train/ the same for training
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

from adcacc.common.audio import SAMPLE_RATE, write_wav
from adcacc.common.errors import InputError
from adcacc.common.files import csv_text
from adcacc.common.owned_dir import Owned, owned
from adcacc.data_builders.corpus.catalog import BED_LABELS, LABELS, PACKAGES, SOUNDFONT, SOURCES, VSC_SOURCES, Source
from adcacc.data_builders.corpus.clips import bed_clip, event_clip, fade, level
from adcacc.data_builders.corpus.docs import licenses_md, readme_md
from adcacc.data_builders.corpus.fetch import Fetched, fetch
from adcacc.data_builders.corpus.music import Piece, mic_pieces, music_pieces, render
from adcacc.data_builders.corpus.scenes import (HELDOUT_STREAM, PRETRAIN_STREAM, TRAIN_STREAM, combination, draw_scenes,
                                                split_pool, write_scenes)
from adcacc.data_builders.corpus.speech import VOICES as SPEECH_VOICES
from adcacc.data_builders.corpus.speech import espeak_version, ser_clips

BASE_S = 10.0
MAX_SCENES = 10_000  # our choice: a toy corpus (demo: 500); each scene is a 10 s WAV, a few GB at most
RETENTION_DIRS = {"test": "retention", "train": "retention/train"}  # split -> folder of its clips and CSVs
WAV_DIRS = ("events", "bases", "heldout/bases", "pretrain/bases",
            *(f"{folder}/{sub}" for folder in RETENTION_DIRS.values() for sub in ("vsc", "mic", "ser")))


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


def write_events(out: Owned, fetched: dict[str, Fetched], music: list[tuple[Piece, np.ndarray]]):
    items = [(s.label, lambda s=s: event_clip(s, fetched[s.package].root))
             for s in SOURCES if s.pool == "event"]
    items += [(p.label, lambda a=a: level(fade(a))) for p, a in music]
    items.sort(key=lambda it: list(LABELS).index(it[0]))  # stable: catalog order per label
    rows, counts = [], {}
    for label, make in tqdm(items, desc="event clips", unit="clip"):
        counts[label] = counts.get(label, 0) + 1
        cid = f"{slug(label)}_{counts[label]:02d}"
        write_wav(out.path(f"events/{cid}.wav"), make())
        rows.append([cid, f"events/{cid}.wav", label, LABELS[label].category])
    out.write_text("events.csv", csv_text(["id", "path", "label", "category"], rows))
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


def write_retention(out: Owned, fetched: dict[str, Fetched], mic: list[tuple[str, Piece, np.ndarray]], seed: int):
    """retention/{vsc,mic,ser}_proxy.csv hold the test clips; retention/train/ the training clips
    (other speakers for VSC, other notes of the same instruments for MIC, other sentences for
    the synthesized speech emotions of SER)."""
    counts: dict[str, int] = {}

    def row(split: str, sub: str, label: str, audio: np.ndarray) -> tuple[str, list[str]]:
        counts[label] = counts.get(label, 0) + 1
        rid = f"{label}_{counts[label]:02d}"
        folder = RETENTION_DIRS[split]
        write_wav(out.path(f"{folder}/{sub}/{rid}.wav"), audio)
        return split, [rid, f"{sub}/{rid}.wav", label]

    vsc = [row("test" if s.pool == "vsc_test" else "train", "vsc", s.label, event_clip(s, fetched[s.package].root))
           for s in tqdm(VSC_SOURCES, desc="VocalSound proxy", unit="clip")]
    mic_rows = [row(split, "mic", p.label, level(fade(a))) for split, p, a in mic]
    ser = [row(split, "ser", label, audio) for split, label, audio in
           tqdm(ser_clips(seed, SAMPLE_RATE), desc="speech emotion proxy", unit="clip")]
    written = {}
    for name, rows in (("vsc_proxy.csv", vsc), ("mic_proxy.csv", mic_rows), ("ser_proxy.csv", ser)):
        for split, folder in RETENTION_DIRS.items():
            written[f"{folder}/{name}"] = [r for sp, r in rows if sp == split]
            out.write_text(f"{folder}/{name}", csv_text(["id", "path", "label"], written[f"{folder}/{name}"]))
    return written


def write_pretrain_scenes(out: Owned, seed: int, n: int, beds: list, fgs: list) -> list[list[str]]:
    """pretrain/: n scenes drawn from the training pools on their own stream; with n = 0 the
    lists an earlier build of ours wrote are removed, so no stale pretraining set is read."""
    if n:
        return write_scenes(out, "pretrain", "pretrain", draw_scenes(seed, n, beds, fgs, PRETRAIN_STREAM))
    for name in ("captions.csv", "scenes.json"):
        out.remove(f"pretrain/{name}")
    return []


def remove_stale(out: Owned, keep: set[str]) -> None:
    """Drop clips an earlier build of ours wrote and this one did not (e.g. more bases), and
    temp files of our writes that a killed run left; never a file our journal does not list."""
    for sub in WAV_DIRS:
        out.remove_partials(sub)  # before keep_only forgets the names they belong to
        out.keep_only(keep, sub)


SCENES = {"bases": 60, "heldout": 40, "pretrain": 0}  # default scene counts (CLI, experiments)


def check_scene_counts(n_bases: int, n_heldout: int, names: tuple[str, ...] = ("--bases", "--heldout", "--pretrain"),
                       n_pretrain: int = 0) -> None:
    """Scene counts from 1 (0 held out or for pretraining) to MAX_SCENES; InputError naming the
    option as `names` call them."""
    for n, name, low in ((n_bases, names[0], 1), (n_heldout, names[1], 0), (n_pretrain, names[2], 0)):
        if isinstance(n, bool) or not isinstance(n, int) or not low <= n <= MAX_SCENES:
            raise InputError(name, f"must be an integer from {low} to {MAX_SCENES}, got {n!r}")


def build_corpus(out_dir: Path, cache_dir: Path, seed: int = 0, n_bases: int = SCENES["bases"],
                 n_heldout: int = SCENES["heldout"], n_pretrain: int = SCENES["pretrain"]) -> dict:
    """Fetch the packages (cached), cut, render and mix the corpus into out_dir."""
    out, cache = Path(out_dir), Path(cache_dir).expanduser()
    check_scene_counts(n_bases, n_heldout, n_pretrain=n_pretrain)
    with owned(out, "adcacc corpus") as folder:
        return _build_into(folder, cache, seed, n_bases, n_heldout, n_pretrain)


def _build_into(folder: Owned, cache: Path, seed: int, n_bases: int, n_heldout: int, n_pretrain: int) -> dict:
    """build_corpus's work, inside the claimed folder."""
    out = folder.root
    fetched = {p.name: fetch(p, cache) for p in tqdm(PACKAGES, desc="packages", unit="pkg")}
    check_licences(fetched)
    check_pools_disjoint([*SOURCES, *VSC_SOURCES], fetched)
    mic = mic_pieces()
    pieces = {"event": music_pieces("event"), "base": music_pieces("base"), "mic": [p for _, p in mic]}
    flat = [p for ps in pieces.values() for p in ps]
    audio = iter(render(flat, fetched[SOUNDFONT[0]].root / SOUNDFONT[1], SAMPLE_RATE))
    music = {k: [(p, next(audio)) for p in ps] for k, ps in pieces.items()}

    events = write_events(folder, fetched, music["event"])
    (beds, held_beds), (fgs, held_fgs) = (split_pool(p) for p in base_pools(fetched, music["base"]))
    train_scenes = draw_scenes(seed, n_bases, beds, fgs, TRAIN_STREAM)
    seen = frozenset(combination(sc) for _, sc in train_scenes)
    bases = write_scenes(folder, "", "base", train_scenes)
    heldout = write_scenes(folder, "heldout", "heldout", draw_scenes(seed, n_heldout, held_beds, held_fgs,
                                                                   HELDOUT_STREAM, avoid=seen))
    pretrain = write_pretrain_scenes(folder, seed, n_pretrain, beds, fgs)
    retention = write_retention(folder, fetched, [(split, p, a) for (split, _), (p, a) in zip(mic, music["mic"])],
                                seed)
    remove_stale(folder, {r[1] for r in events + bases} | {f"heldout/{r[1]}" for r in heldout} |
                 {f"pretrain/{r[1]}" for r in pretrain} |
                 {f"{f.rsplit('/', 1)[0]}/{r[1]}" for f, rows in retention.items() for r in rows})
    manifest = {
        "seed": seed, "n_bases": n_bases, "n_heldout": n_heldout, "n_pretrain": n_pretrain,
        "packages": {f.name: {"version": f.version, "archive": f.archive.name, "bytes": f.size}
                     for f in fetched.values()},
        "download_bytes": sum(f.size for f in fetched.values()),
        "tools": {"espeak-ng": espeak_version(), "speech_voices": list(SPEECH_VOICES)},
        "counts": {"events": len(events), "labels": len({r[2] for r in events}),
                   "bases": len(bases), "heldout": len(heldout), "pretrain": len(pretrain),
                   **{name: len(rows) for name, rows in retention.items()}},
    }
    for pkg in PACKAGES:
        folder.write_text(f"licenses/{pkg.name}.txt",
                   (fetched[pkg.name].root / pkg.licence_file).read_text(errors="replace"))
    folder.write_text("LICENSES.md", licenses_md(manifest))
    folder.write_text("README.md", readme_md(manifest, events, retention))
    folder.write_text("manifest.json", json.dumps(manifest, indent=1) + "\n")
    print(f"corpus: {len(events)} events over {manifest['counts']['labels']} labels, {len(bases)} base "
          f"scenes + {len(heldout)} held-out, retention clips (train/test) "
          + ", ".join(f"{n}: {len(retention['retention/train/' + n])}/{len(retention['retention/' + n])}"
                      for n in ("vsc_proxy.csv", "mic_proxy.csv", "ser_proxy.csv")) + f" -> {out}")
    return manifest
