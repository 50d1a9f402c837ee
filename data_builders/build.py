"""`adcacc build`: base clips + event clips -> mixed audio, six pairs per base, AC/ADC/ACC JSONL.

Each base is one `BaseJob`, done by a worker process and finished by an atomic shard file
(`.work/shards/<stem>.json`) written after its audio. A rerun skips bases whose shard and
audio are intact, so a killed build resumes without redoing or duplicating anything.
Splits are drawn over the bases that were built (after any --skip-bad skips), then the
JSONL/CSV outputs are assembled from the shards and renamed into place. Randomness comes
from generators keyed by (seed, base id), never by worker or order, so the same seed and
inputs give byte-identical outputs with any number of workers.
"""
from __future__ import annotations

import json
import multiprocessing as mp
import time
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from tqdm import tqdm

from adcacc.common.audio import SAMPLE_RATE, fit_length, load_audio, write_wav
from adcacc.common.errors import InputError
from adcacc.common.files import sha256_file, write_json
from adcacc.data_builders import assemble, outdir
from adcacc.data_builders.inputs import Clip, Problems
from adcacc.data_builders.layout import REPORT_JSON
from adcacc.data_builders.mixing import MixParams, add_event, check_level, draw_onset, event_gain, limit_gain
from adcacc.data_builders.pairs import chat_row, six_pairs
from adcacc.data_builders.plan import BaseJob, assign_splits, plan, rng_for, sample_bases
from adcacc.data_builders.rewrite import RewriteConfig, make_rewriter
from adcacc.data_builders.targets import CONNECTORS, insertion_context


@dataclass(frozen=True)
class BuildConfig:
    out: Path
    seed: int = 0
    duration_s: float = 10.0
    ratio_db: tuple[float, float] = (0.0, 10.0)
    split_fractions: tuple[float, float, float] = (0.8, 0.1, 0.1)
    max_bases: int | None = None
    workers: int = 2
    skip_bad: bool = False
    relative_paths: bool = False
    rewrite: RewriteConfig | None = None


# --- worker side ---------------------------------------------------------------------
_CFG: BuildConfig | None = None


def _init_worker(cfg: BuildConfig) -> None:
    global _CFG
    _CFG = cfg
    if mp.parent_process() is not None:  # a pool worker, not the single-process path
        _die_with_parent()


def _die_with_parent() -> None:
    """Ctrl-C is the parent's to report (one line), and a worker must not outlive a parent
    killed with SIGKILL, printing broken-pipe tracebacks: ignore SIGINT, and ask Linux to
    send SIGTERM when the parent dies (prctl PR_SET_PDEATHSIG; a no-op elsewhere)."""
    import ctypes
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


@lru_cache(maxsize=256)
def _event_audio(path: Path, where: str) -> np.ndarray:
    """Events recur across many bases; decode each once per worker (bounded cache)."""
    audio = load_audio(path, where=where)
    check_level(audio, f"{where}: {path}")
    return audio


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
        return {"skip": {"file": job.base.source, "row": job.base.row, "audio": str(job.base.path),
                         "reason": err.problem, "base_id": job.base.id}}
    write_json(shard_path, shard, indent=None)  # machine-read only: compact is faster
    return {"base_id": job.base.id, "reused": False}


def _build_one(job: BaseJob, cfg: BuildConfig) -> dict:
    """Decode the base's window only, add each event, and write A, A+B, A+C with one gain."""
    n = int(round(cfg.duration_s * SAMPLE_RATE))
    raw = load_audio(job.base.path, where=job.base.where, max_s=cfg.duration_s)
    check_level(raw, f"{job.base.where}: {job.base.path}")
    base = fit_length(raw, n)
    sums, mix_params = {}, {}
    for key, ev in (("AB", job.b), ("AC", job.c)):
        event = _event_audio(ev.path, ev.where)
        if len(event) > len(raw):
            raise InputError(
                job.base.where,
                f"base clip {job.base.id!r} is {len(raw) / SAMPLE_RATE:.2f} s, shorter than "
                f"event {ev.id!r} ({len(event) / SAMPLE_RATE:.2f} s)",
            )
        rng = rng_for(cfg.seed, "mix", job.base.id, key)
        onset = draw_onset(rng, len(raw), len(event))
        ratio = float(rng.uniform(*cfg.ratio_db))
        gain = event_gain(base, event, ratio, SAMPLE_RATE)
        sums[key] = add_event(base, event, onset, gain)
        mix_params[key] = (onset, ratio, gain, len(event))
    scale = limit_gain(base, *sums.values())  # the same gain for A in every file of a pair
    audio = {"A": base * scale, **{k: v * scale for k, v in sums.items()}}
    written = {}
    for key, samples in audio.items():
        rel = f"{outdir.AUDIO}/{job.stem}/{key}.wav"
        written[key] = {"path": rel, "sha256": write_wav(cfg.out / rel, samples.astype(np.float32))}
    params = {k: asdict(MixParams(round(o / SAMPLE_RATE, 6), r, float(g), float(scale)))
              for k, (o, r, g, _) in mix_params.items()}
    contexts = {k: insertion_context(o / SAMPLE_RATE, m / SAMPLE_RATE, cfg.duration_s)
                for k, (o, _, _, m) in mix_params.items()}
    return _shard(job, cfg, written, params, contexts)


def _shard(job: BaseJob, cfg: BuildConfig, written: dict, mix_params: dict, contexts: dict) -> dict:
    rng = rng_for(cfg.seed, "text", job.base.id)
    conn_b, conn_c = (CONNECTORS[int(rng.integers(len(CONNECTORS)))] for _ in range(2))
    pairs = six_pairs(job.base.text, job.b.text, job.c.text, conn_b, conn_c, rng,
                      contexts["AB"], contexts["AC"])
    path = {k: v["path"] for k, v in written.items()}
    rows = {
        "ac": [chat_row("ac", [path["A"]], job.base.text, rng)],
        "adc": [chat_row("adc", [path[p.src], path[p.tgt]], p.instruction, rng) for p in pairs],
        "acc": [chat_row("acc", [path[p.src], path[p.tgt]], p.commonality, rng) for p in pairs],
    }
    return {
        "base_id": job.base.id,
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
            audio = load_audio(ev.path, where=ev.where)
            check_level(audio, f"{ev.where}: {ev.path}")
            seconds = len(audio) / SAMPLE_RATE
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
    with outdir.claimed(cfg.out) as folder:
        events = validate_events(events, cfg, problems)
        bases = sample_bases(bases, cfg.max_bases, cfg.seed)
        jobs = plan(bases, events, cfg.seed)
        fingerprint = outdir.fingerprint(cfg, bases, events)
        outdir.reconcile(folder, fingerprint)
        reused = _run_all(jobs, cfg, problems)
        built = [j.base.id for j in jobs if j.base.id in reused]  # input order
        splits = assign_splits(built, cfg.seed, cfg.split_fractions)
        rewriter = make_rewriter(cfg.rewrite, cfg.out / outdir.WORK, cfg.seed) if cfg.rewrite else None
        report = assemble.write_outputs(jobs, splits, cfg, problems, fingerprint, rewriter)
        if rewriter:
            report["rewrite"] = {"backend": cfg.rewrite.backend, "model": cfg.rewrite.model,
                                 "replies_asked_this_run": rewriter.chat.asked,
                                 "replies_not_used": rewriter.kept_template}
        if cfg.max_bases is not None:
            report["max_bases"] = {"n": cfg.max_bases, "ids": [b.id for b in bases]}
        report["timing"] = _timing(reused, cfg, time.perf_counter() - start)
        write_json(cfg.out / REPORT_JSON, report)
        outdir.mark_complete(cfg.out, fingerprint)
    return report


def _run_all(jobs: list[BaseJob], cfg: BuildConfig, problems: Problems) -> dict[str, bool]:
    """Run every job; returns base id -> shard reused from an earlier run (built ones only)."""
    reused: dict[str, bool] = {}
    try:
        with tqdm(total=len(jobs), desc="building pairs", unit="base") as bar:
            for res in _run_jobs(jobs, cfg):
                if "skip" in res:
                    problems.skips.append(res["skip"])
                else:
                    reused[res["base_id"]] = res["reused"]
                bar.update()
    except BaseException:
        outdir.remove_partial_files(cfg.out)  # workers stopped mid-write leave temp files
        raise
    return reused


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
