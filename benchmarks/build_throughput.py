"""Throughput of `adcacc build` against the I/O floor and a plain librosa pipeline.

Makes N synthetic AudioCaps-shaped bases (10 s, 32 kHz FLAC) and 40 events (0.5-4 s,
22.05 kHz WAV), then prints seconds of audio produced per wall second for
  (a) our builder (`run_build`, 2 workers),
  (b) the I/O floor: decode the same inputs and write the same three 16 kHz WAVs per base
      with 2 workers, no resampling or mixing,
  (c) a straightforward one-process librosa pipeline (librosa.load resampling, mix, write),
and the ratios a/b and a/c, at two sizes, plus the paper-scale (24,750 bases) estimate.

    python benchmarks/build_throughput.py [--sizes 150 300]
"""
from __future__ import annotations

import argparse
import csv
import multiprocessing as mp
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from adcacc.data_builders import inputs
from adcacc.data_builders.build import BuildConfig, run_build

PAPER_BASES = 24_750
BASE_S = 10.0


def make_inputs(root: Path, n_bases: int, n_events: int = 40) -> tuple[Path, Path]:
    rng = np.random.default_rng(0)
    (root / "audio").mkdir(parents=True)
    with open(root / "bases.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "path", "caption"])
        for i in range(n_bases):
            x = 0.1 * rng.standard_normal(int(BASE_S * 32000)).astype(np.float32)
            sf.write(root / f"audio/b{i}.flac", x, 32000)
            w.writerow([f"Y{i:07d}_30", f"audio/b{i}.flac", "People talk while a car passes by"])
    with open(root / "events.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "path", "label", "category"])
        for i in range(n_events):
            x = 0.3 * rng.standard_normal(int(rng.uniform(0.5, 4.0) * 22050)).astype(np.float32)
            sf.write(root / f"audio/e{i}.wav", x, 22050)
            w.writerow([f"e{i}", f"audio/e{i}.wav", f"event number {i % 25}", "Animals"])
    return root / "bases.csv", root / "events.csv"


def run_ours(bases_csv: Path, events_csv: Path, out: Path) -> float:
    problems = inputs.Problems()
    bases = inputs.load_clip_csv(bases_csv, "caption", problems)
    events = inputs.load_clip_csv(events_csv, "label", problems)
    start = time.perf_counter()
    run_build(bases, events, BuildConfig(out=out, workers=2), problems)
    return time.perf_counter() - start


def _floor_one(job: tuple[str, str, str, str]) -> None:
    base, ev_b, ev_c, out = job
    a, _ = sf.read(base, dtype="float32")
    b, _ = sf.read(ev_b, dtype="float32")
    c, _ = sf.read(ev_c, dtype="float32")
    n = int(BASE_S * 16000)
    for name in ("A", "AB", "AC"):
        sf.write(f"{out}_{name}.wav", a[:n], 16000, subtype="PCM_16")
    del b, c


def _jobs(bases_csv: Path, events_csv: Path, out: Path) -> list[tuple[str, str, str, str]]:
    root = bases_csv.parent
    bases = [r["path"] for r in csv.DictReader(open(bases_csv))]
    events = [r["path"] for r in csv.DictReader(open(events_csv))]
    out.mkdir(parents=True)
    return [(str(root / b), str(root / events[i % len(events)]), str(root / events[(i + 7) % len(events)]),
             str(out / f"b{i}")) for i, b in enumerate(bases)]


def run_floor(bases_csv: Path, events_csv: Path, out: Path) -> float:
    jobs = _jobs(bases_csv, events_csv, out)
    start = time.perf_counter()
    with mp.get_context("fork").Pool(2) as pool:
        pool.map(_floor_one, jobs, chunksize=8)
    return time.perf_counter() - start


def run_librosa(bases_csv: Path, events_csv: Path, out: Path) -> float:
    import librosa

    jobs = _jobs(bases_csv, events_csv, out)
    start = time.perf_counter()
    rng = np.random.default_rng(0)
    for base, ev_b, ev_c, stem in jobs:
        a = librosa.util.fix_length(librosa.load(base, sr=16000)[0], size=int(BASE_S * 16000))
        sf.write(f"{stem}_A.wav", a, 16000, subtype="PCM_16")
        for name, ev in (("AB", ev_b), ("AC", ev_c)):
            e = librosa.load(ev, sr=16000)[0]
            onset = int(rng.integers(0, len(a) - len(e)))
            gain = 10 ** (rng.uniform(0, 10) / 20) * np.sqrt(np.mean(a**2) / np.mean(e**2))
            y = a.copy()
            y[onset:onset + len(e)] += gain * e
            sf.write(f"{stem}_{name}.wav", y / max(1.0, np.abs(y).max() / 0.99), 16000, subtype="PCM_16")
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs=2, default=(150, 300))
    args = ap.parse_args()
    per_base = {}
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            bases_csv, events_csv = make_inputs(tmp / "in", n)
            audio_s = 3 * BASE_S * n
            t_ours = run_ours(bases_csv, events_csv, tmp / "ours")
            t_floor = run_floor(bases_csv, events_csv, tmp / "floor")
            t_lib = run_librosa(bases_csv, events_csv, tmp / "librosa")
            shutil.rmtree(tmp / "ours")
        per_base[n] = t_ours / n
        print(f"N={n:5d} bases  ours {audio_s / t_ours:7.0f} s/s | floor {audio_s / t_floor:7.0f} s/s | "
              f"librosa {audio_s / t_lib:7.0f} s/s | a/b {t_floor / t_ours:.2f} (goal >= {1 / 1.3:.2f}: "
              f"within 1.3x of the floor) | a/c {t_lib / t_ours:.2f}")
    small, large = args.sizes
    slope = (per_base[large] * large - per_base[small] * small) / (large - small)
    print(f"seconds per base: {per_base[small]:.4f} at N={small}, {per_base[large]:.4f} at N={large} "
          f"(linear if close); marginal {slope:.4f} s/base")
    print(f"paper scale ({PAPER_BASES} bases, {6 * PAPER_BASES} pairs): about {slope * PAPER_BASES / 60:.1f} min")


if __name__ == "__main__":
    main()
