"""`adcacc build`: base clips + event clips -> mixed audio, six pairs per base, AC/ADC/ACC JSONL.

Each base is one unit of work, done by a worker process and finished by an atomic shard
file (`.work/shards/<stem>.json`) written after its audio. A rerun skips bases whose shard
and audio are intact, so a killed build resumes without redoing or duplicating anything.
The JSONL/CSV outputs are assembled from the shards at the end and renamed into place.
Randomness is drawn from generators keyed by (seed, base id), never by worker or order,
so the same seed and inputs give byte-identical outputs with any number of workers.
"""
from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
import time
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from tqdm import tqdm

from common.audio import SAMPLE_RATE, fit_length, load_audio, write_wav
from common.errors import InputError
from common.files import sha256_file, write_json
from data_builders import assemble
from data_builders.inputs import Clip, Problems
from data_builders.layout import SPLITS
from data_builders.mixing import draw_onset, mix
from data_builders.pairs import chat_row, six_pairs
from data_builders.targets import CONNECTORS


@dataclass(frozen=True)
class BuildConfig:
    out: Path
    seed: int = 0
    duration_s: float = 10.0
    ratio_db: tuple[float, float] = (0.0, 10.0)
    split_fractions: tuple[float, float, float] = (0.8, 0.1, 0.1)
    workers: int = 2
    skip_bad: bool = False
    relative_paths: bool = False


@dataclass(frozen=True)
class BaseJob:
    """One unit of work: a base clip, its two events and its split."""

    base: Clip
    b: Clip
    c: Clip
    split: str
    stem: str  # file-name-safe, unique form of the base id


def rng_for(seed: int, *keys: str) -> np.random.Generator:
    """A generator that depends only on the seed and the keys (e.g. a base id)."""
    digest = hashlib.sha256(repr((seed, *keys)).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def assign_splits(ids: list[str], seed: int, fractions: tuple[float, ...]) -> dict[str, str]:
    """Split by base id (no base in two splits): a seeded shuffle cut by the fractions."""
    order = [ids[i] for i in rng_for(seed, "splits").permutation(len(ids))]
    n = len(ids)
    small = n >= 3  # with three or more bases, val and test each get at least one
    n_val = max(int(small and fractions[1] > 0), round(fractions[1] * n))
    n_test = max(int(small and fractions[2] > 0), round(fractions[2] * n))
    n_train = n - n_val - n_test
    return {
        bid: SPLITS[0] if i < n_train else SPLITS[1] if i < n_train + n_val else SPLITS[2]
        for i, bid in enumerate(order)
    }


def choose_events(base_id: str, events: list[Clip], seed: int) -> tuple[Clip, Clip]:
    """Two distinct event clips for a base, with distinct labels whenever there are two."""
    rng = rng_for(seed, "events", base_id)
    b = events[int(rng.integers(len(events)))]
    others = [e for e in events if e.text != b.text] or [e for e in events if e.id != b.id]
    return b, others[int(rng.integers(len(others)))]


def file_stem(clip_id: str) -> str:
    """A safe file name for an id; ids that needed changes get a short hash to stay unique."""
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in clip_id).strip(".")
    if safe == clip_id:
        return safe
    return f"{safe[:80]}-{hashlib.sha256(clip_id.encode()).hexdigest()[:8]}"


def plan(bases: list[Clip], events: list[Clip], cfg: BuildConfig) -> list[BaseJob]:
    splits = assign_splits([b.id for b in bases], cfg.seed, cfg.split_fractions)
    return [
        BaseJob(base, *choose_events(base.id, events, cfg.seed), splits[base.id], file_stem(base.id))
        for base in bases
    ]


# --- worker side ---------------------------------------------------------------------
_CFG: BuildConfig | None = None


def _init_worker(cfg: BuildConfig) -> None:
    global _CFG
    _CFG = cfg


@lru_cache(maxsize=256)
def _event_audio(path: Path, where: str) -> np.ndarray:
    """Events recur across many bases; decode each once per worker (bounded cache)."""
    return load_audio(path, where=where)


def process(job: BaseJob) -> dict:
    """Build (or reuse) one base's audio and shard on disk; return its id or a skip record."""
    cfg = _CFG
    shard_path = assemble.shard_file(cfg, job.stem)
    if shard_path.is_file():
        shard = json.loads(shard_path.read_text(encoding="utf-8"))
        if all(
            (cfg.out / a["path"]).is_file() and sha256_file(cfg.out / a["path"]) == a["sha256"]
            for a in shard["audio"].values()
        ):
            return {"base_id": job.base.id, "reused": True}
    try:
        shard = _build_one(job, cfg)
    except InputError as err:
        if not cfg.skip_bad:
            raise
        return {"skip": {"file": err.path, "row": err.row, "reason": err.problem, "base_id": job.base.id}}
    write_json(shard_path, shard, indent=None)  # machine-read only: compact is faster
    return {"base_id": job.base.id, "reused": False}


def _build_one(job: BaseJob, cfg: BuildConfig) -> dict:
    n = int(round(cfg.duration_s * SAMPLE_RATE))
    raw = load_audio(job.base.path, where=job.base.where)
    audio = {"A": fit_length(raw, n)}
    mix_params = {}
    for key, ev in (("AB", job.b), ("AC", job.c)):
        event = _event_audio(ev.path, ev.where)
        if len(event) > len(raw):
            raise InputError(
                job.base.where,
                f"base clip {job.base.id!r} is {len(raw) / SAMPLE_RATE:.2f} s, shorter than "
                f"event {ev.id!r} ({len(event) / SAMPLE_RATE:.2f} s)",
            )
        rng = rng_for(cfg.seed, "mix", job.base.id, key)
        onset = draw_onset(rng, min(n, len(raw)), len(event))
        audio[key], params = mix(audio["A"], event, onset, float(rng.uniform(*cfg.ratio_db)), SAMPLE_RATE)
        mix_params[key] = asdict(params)
    written = {}
    for key, samples in audio.items():
        rel = f"audio/{job.stem}/{key}.wav"
        written[key] = {"path": rel, "sha256": write_wav(cfg.out / rel, samples)}
    return _shard(job, cfg, written, mix_params)


def _shard(job: BaseJob, cfg: BuildConfig, written: dict, mix_params: dict) -> dict:
    rng = rng_for(cfg.seed, "text", job.base.id)
    conn_b, conn_c = (CONNECTORS[int(rng.integers(len(CONNECTORS)))] for _ in range(2))
    pairs = six_pairs(job.base.text, job.b.text, job.c.text, conn_b, conn_c, rng)
    path = {k: v["path"] for k, v in written.items()}
    rows = {
        "ac": [chat_row("ac", [path["A"]], job.base.text, rng)],
        "adc": [chat_row("adc", [path[p.src], path[p.tgt]], p.instruction, rng) for p in pairs],
        "acc": [chat_row("acc", [path[p.src], path[p.tgt]], p.commonality, rng) for p in pairs],
    }
    return {
        "base_id": job.base.id,
        "split": job.split,
        "events": {"b": [job.b.id, job.b.text], "c": [job.c.id, job.c.text]},
        "audio": written,
        "mix": mix_params,
        "pairs": [asdict(p) for p in pairs],
        "rows": rows,
    }


# --- driver --------------------------------------------------------------------------
def validate_events(events: list[Clip], cfg: BuildConfig, problems: Problems) -> list[Clip]:
    """Decode every event once up front: a bad event would otherwise fail many bases."""
    good = []
    for ev in tqdm(events, desc="checking events", unit="clip", leave=False):
        try:
            seconds = len(load_audio(ev.path, where=ev.where)) / SAMPLE_RATE
            if seconds > cfg.duration_s:
                raise InputError(ev.where, f"event is {seconds:.2f} s, longer than a base ({cfg.duration_s} s)")
            good.append(ev)
        except InputError as err:
            problems.report(err)
    if len({e.id for e in good}) < 2:
        raise InputError(None, "need at least two usable event clips")
    return good


def run_build(bases: list[Clip], events: list[Clip], cfg: BuildConfig, problems: Problems) -> dict:
    """Build everything into cfg.out and return the report (also written as build_report.json)."""
    start = time.perf_counter()
    events = validate_events(events, cfg, problems)
    jobs = plan(bases, events, cfg)
    fingerprint = assemble.prepare_out(cfg, bases, events)
    reused: dict[str, bool] = {}  # base id -> shard reused from an earlier run
    try:
        with tqdm(total=len(jobs), desc="building pairs", unit="base") as bar:
            for res in _run_jobs(jobs, cfg):
                if "skip" in res:
                    problems.skips.append(res["skip"])
                else:
                    reused[res["base_id"]] = res["reused"]
                bar.update()
    except BaseException:
        assemble.remove_partial_files(cfg.out)  # workers stopped mid-write leave temp files
        raise
    report = assemble.write_outputs(jobs, set(reused), cfg, problems, fingerprint)
    report["timing"] = _timing(reused, cfg, time.perf_counter() - start)
    write_json(cfg.out / "build_report.json", report)
    return report


def _run_jobs(jobs: list[BaseJob], cfg: BuildConfig):
    if cfg.workers <= 1:
        _init_worker(cfg)
        yield from map(process, jobs)
        return
    with mp.get_context("fork").Pool(cfg.workers, _init_worker, (cfg,)) as pool:
        yield from pool.imap_unordered(process, jobs, chunksize=4)


def _timing(reused: dict[str, bool], cfg: BuildConfig, seconds: float) -> dict:
    built = sum(not r for r in reused.values())
    audio_s = built * 3 * cfg.duration_s
    return {
        "wall_s": round(seconds, 3),
        "bases_built_this_run": built,
        "bases_reused": len(reused) - built,
        "audio_s_written": audio_s,
        "audio_s_per_wall_s": round(audio_s / seconds, 1) if seconds > 0 else None,
        "workers": cfg.workers,
    }
