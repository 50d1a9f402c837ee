"""Subcommands of `data_builders`: `corpus` (the embedded real-sound corpus) and `build`.
Parse, call the library function, print; nothing else."""
from __future__ import annotations

import argparse
from pathlib import Path

from adcacc.common.vocabulary import DATASETS
from adcacc.data_builders.corpus.build import SCENES
from adcacc.data_builders.corpus.fetch import DEFAULT_CACHE
from adcacc.data_builders.layout import PAIRS_CSV, SPLITS, dataset_file


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("corpus", help="assemble the embedded corpus of real sounds")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="download cache")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--bases", type=int, default=SCENES["bases"], help="number of 10 s base scenes")
    p.add_argument("--heldout", type=int, default=SCENES["heldout"],
                   help="number of held-out scenes (new label combinations) for evaluation only")
    p.add_argument("--pretrain", type=int, default=SCENES["pretrain"],
                   help="number of extra scenes for a toy base model's pretraining only (pretrain/)")
    p.set_defaults(func=_corpus)

    b = sub.add_parser("build", help="mix bases with events into AC / ADC / ACC datasets")
    src = b.add_mutually_exclusive_group(required=True)
    src.add_argument("--bases", type=Path, help="bases.csv (id,path,caption)")
    src.add_argument("--audiocaps", type=Path, help="aac-datasets root holding AUDIOCAPS/")
    ev = b.add_mutually_exclusive_group(required=True)
    ev.add_argument("--events", type=Path, help="events.csv (id,path,label,category)")
    ev.add_argument("--event-dir", type=Path, help="folder laid out <category>/<label>/<clip>")
    b.add_argument("--subset", default="train", help="AudioCaps subset (default: train)")
    b.add_argument("--max-bases", type=int, help="use a seeded random sample of N bases")
    b.add_argument("--out", type=Path, required=True)
    b.add_argument("--seed", type=int, default=0)
    b.add_argument("--workers", type=int, default=None,
                   help="worker processes, at most the CPU count (default: 2, or 1 on a 1-CPU machine)")
    b.add_argument("--duration", type=float, default=10.0,
                   help="base length in seconds, at most 30 (what Qwen2-Audio hears; default 10)")
    b.add_argument("--ratio-db", type=float, nargs=2, default=(0.0, 10.0), metavar=("MIN", "MAX"),
                   help="event-to-base loudness ratio range in dB (default 0 10)")
    b.add_argument("--splits", type=_fractions, default=(0.8, 0.1, 0.1), metavar="TRAIN,VAL,TEST",
                   help="fractions of the bases per split (default 0.8,0.1,0.1); e.g. "
                        "0.98,0.02,0 trains on nearly all bases and evaluates elsewhere")
    b.add_argument("--rewrite-backend", choices=("openai", "transformers"),
                   help="have a chat model reword post-edit captions and instructions (cached)")
    b.add_argument("--rewrite-model", help="model name (openai) or local model folder (transformers)")
    b.add_argument("--rewrite-url", help="OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1")
    b.add_argument("--skip-bad", action="store_true", help="skip bad rows/clips, record why")
    b.add_argument("--relative-paths", action="store_true",
                   help="write audio paths relative to --out instead of absolute")
    b.set_defaults(func=_build)


def _corpus(args: argparse.Namespace) -> int:
    from adcacc.data_builders.corpus.build import build_corpus

    build_corpus(args.out, cache_dir=args.cache, seed=args.seed, n_bases=args.bases, n_heldout=args.heldout,
                 n_pretrain=args.pretrain)
    return 0


def _build(args: argparse.Namespace) -> int:
    from adcacc.data_builders.datasets import build_datasets

    report = build_datasets(
        args.out, bases_csv=args.bases, events_csv=args.events, audiocaps=args.audiocaps,
        subset=args.subset, event_dir=args.event_dir, seed=args.seed, duration_s=args.duration,
        ratio_db=tuple(args.ratio_db), splits=args.splits, max_bases=args.max_bases, workers=args.workers,
        skip_bad=args.skip_bad, relative_paths=args.relative_paths,
        rewrite_backend=args.rewrite_backend, rewrite_model=args.rewrite_model,
        rewrite_url=args.rewrite_url,
    )
    rows = report["rows"]
    print(f"built {report['bases_built']}/{report['bases_requested']} bases, "
          f"{rows[PAIRS_CSV]} pairs, {len(report['skips'])} skips -> {args.out}")
    for kind in DATASETS:
        print(f"  {kind}: " + ", ".join(f"{s} {rows[dataset_file(kind, s)]}" for s in SPLITS))
    print(f"next: swift sft recipes/qwen2_audio/acc_rtx4090.yaml "
          f"--dataset {args.out}/{dataset_file('acc', 'train')}")
    return 0


def _fractions(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected TRAIN,VAL,TEST fractions, got {text!r}") from None
