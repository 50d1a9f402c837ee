"""The outputs of `adcacc build`: the JSONL / pairs.csv / report assembled from the per-base
shards, streamed one shard at a time and renamed into place."""
from __future__ import annotations

import csv
import json
import os
from contextlib import ExitStack
from pathlib import Path

from adcacc.common.files import atomic_path
from adcacc.common.vocabulary import DATASETS
from adcacc.data_builders.layout import PAIRS_CSV, dataset_file, dataset_files
from adcacc.data_builders.outdir import WORK
from adcacc.data_builders.rewrite import Rewriter, rewrite_shard

PAIR_COLUMNS = (
    "pair_id", "split", "base_id", "op", "src_audio", "tgt_audio",
    "pre_caption", "post_caption", "instruction", "commonality",
    "event_b_id", "event_b_label", "event_c_id", "event_c_label",
    "b_onset_s", "b_ratio_db", "b_event_gain", "b_mix_gain",
    "c_onset_s", "c_ratio_db", "c_event_gain", "c_mix_gain",
    "src_sha256", "tgt_sha256",
)


def shard_file(cfg, stem: str) -> Path:
    """Where one base's shard (its rows, pairs and audio hashes) lives until assembly."""
    return cfg.out / WORK / "shards" / f"{stem}.json"


def write_outputs(jobs, splits: dict[str, str], cfg, problems, fingerprint: dict,
                  rewrite: Rewriter | None = None) -> dict:
    """Stream the shards of the built bases (the keys of `splits`, base id -> split), in input
    order, from disk into the JSONL and CSV files (one shard in memory at a time); return counts."""
    names = dataset_files() + [PAIRS_CSV]
    counts = {name: 0 for name in names}
    ops: dict[str, int] = {}
    root = str(cfg.out.resolve())
    with ExitStack() as stack:
        tmp = {n: atomic_path(cfg.out / n) for n in names}
        stack.callback(lambda: [p.unlink(missing_ok=True) for p in tmp.values()])
        files = {n: stack.enter_context(open(p, "w", encoding="utf-8", newline="")) for n, p in tmp.items()}
        pairs_csv = csv.writer(files[PAIRS_CSV], lineterminator="\n")
        pairs_csv.writerow(PAIR_COLUMNS)
        for job in jobs:
            if job.base.id not in splits:
                continue
            path = shard_file(cfg, job.stem)
            shard = json.loads(path.read_text(encoding="utf-8"))
            if rewrite is not None:
                shard = rewrite_shard(shard, rewrite, path)
            for t in DATASETS:
                name = dataset_file(t, splits[job.base.id])
                for row in shard["rows"][t]:
                    if not cfg.relative_paths:
                        row = {**row, "audios": [f"{root}/{a}" for a in row["audios"]]}
                    files[name].write(json.dumps(row, ensure_ascii=False) + "\n")
                    counts[name] += 1
            for i, pair in enumerate(shard["pairs"]):
                pairs_csv.writerow(_pair_row(shard, splits[job.base.id], i, pair))
                ops[pair["op"]] = ops.get(pair["op"], 0) + 1
            counts[PAIRS_CSV] += len(shard["pairs"])
        for f in files.values():
            f.close()
        for name, path in tmp.items():
            os.replace(path, cfg.out / name)
    return {
        "bases_requested": len(jobs),
        "bases_built": len(splits),
        "pairs_by_op": ops,
        "rows": counts,
        "skips": problems.skips,
        "audio_paths": "relative to this folder" if cfg.relative_paths else "absolute",
        "fingerprint": fingerprint,
    }


def _pair_row(shard: dict, split: str, i: int, pair: dict) -> list:
    mix_b, mix_c = shard["mix"]["AB"], shard["mix"]["AC"]
    audio = shard["audio"]
    return [
        f"{shard['base_id']}#{i}", split, shard["base_id"], pair["op"],
        audio[pair["src"]]["path"], audio[pair["tgt"]]["path"],
        pair["pre_caption"], pair["post_caption"], pair["instruction"], pair["commonality"],
        *shard["events"]["b"], *shard["events"]["c"],
        mix_b["onset_s"], mix_b["ratio_db"], mix_b["event_gain"], mix_b["mix_gain"],
        mix_c["onset_s"], mix_c["ratio_db"], mix_c["event_gain"], mix_c["mix_gain"],
        audio[pair["src"]]["sha256"], audio[pair["tgt"]]["sha256"],
    ]
