"""Subcommands of `evals`: `adcacc infer`, `adcacc eval captions|retention`, `adcacc compare`."""
from __future__ import annotations

import argparse
from pathlib import Path


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _eval(args: argparse.Namespace) -> int:
    from evals.scoring import score_run

    score_run(args.preds, args.out, task=args.task, kind=args.eval_command,
              allow_partial=args.allow_partial)
    md = args.out / f"{args.eval_command}.md"
    print(md.read_text(encoding="utf-8"))
    print(f"wrote {args.out / f'{args.eval_command}.json'}\nwrote {md}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    from evals.compare import compare_runs

    return compare_runs(args.runs, args.out, names=args.names, n_boot=args.bootstrap, seed=args.seed)


def _infer(args: argparse.Namespace) -> int:
    from evals.infer import run_inference

    run_inference(args.model, args.eval_set, args.data, args.out, adapter=args.adapter,
                  backend=args.backend, batch_size=args.batch_size, max_new_tokens=args.max_new_tokens,
                  limit=args.limit, prompt=args.prompt, dtype=args.dtype, device=args.device,
                  sessions=tuple(args.sessions) if args.sessions else None)
    return 0


def _add_infer(sub: argparse._SubParsersAction) -> None:
    from evals.backends import BACKENDS
    from evals.eval_sets import registry

    p = sub.add_parser("infer", help="run a model (+ LoRA adapter) over an eval set -> predictions JSONL",
                       description="Batched greedy generation; resumable: ids already in "
                                   "OUT/predictions.jsonl are not redone.")
    p.add_argument("--model", required=True, help="HF id or local dir, e.g. Qwen/Qwen2-Audio-7B-Instruct")
    p.add_argument("--adapter", default=None, help="LoRA adapter dir (ms-swift checkpoint)")
    p.add_argument("--eval-set", required=True, choices=list(registry()))
    p.add_argument("--data", required=True, type=Path, help="dataset root, or the CSV for csv/proxy sets")
    p.add_argument("--out", required=True, type=Path, help="run folder (predictions.jsonl, run.json)")
    p.add_argument("--sessions", type=int, nargs="+", default=None,
                   help="IEMOCAP sessions to evaluate (default: 5, the 1,241 utterances the paper's accuracies fit)")
    p.add_argument("--prompt", default=None,
                   help="instruction sent with every clip (default: the task's documented prompt, "
                        "evals/README.md: Prompts); recorded in run.json")
    p.add_argument("--batch-size", type=_positive_int, default=8)
    p.add_argument("--max-new-tokens", type=_positive_int, default=64)
    p.add_argument("--limit", type=_positive_int, default=None, help="first N clips only (smoke tests)")
    p.add_argument("--backend", default="transformers", choices=list(BACKENDS),
                   help="transformers (this environment) or vllm (its own environment and a merged "
                        "model; evals/README.md: Backends)")
    p.add_argument("--dtype", default="auto", choices=["auto", "float32", "bfloat16", "float16"])
    p.add_argument("--device", default="auto", help="cpu, cuda, cuda:1... (auto: cuda if available)")
    p.set_defaults(func=_infer)


def _add_eval(sub: argparse._SubParsersAction) -> None:
    ev = sub.add_parser("eval", help="score predictions: captioning metrics or retention accuracy")
    ev_sub = ev.add_subparsers(dest="eval_command", required=True, metavar="KIND")
    cap = ev_sub.add_parser("captions", help="BLEU-1..4, METEOR, ROUGE-L, CIDEr-D (+SPICE/SPIDEr/FENSE if present)")
    ret = ev_sub.add_parser("retention", help="VSC/SER/MIC/MGC accuracy, recall, confusion, fallback share")
    ret.add_argument("--task", choices=["vsc", "ser", "mic", "mgc"], default=None,
                     help="default: from run.json, else from the labels")
    cap.set_defaults(task=None)
    for p in (cap, ret):
        p.add_argument("--preds", required=True, type=Path, help="predictions.jsonl or a run folder")
        p.add_argument("--out", required=True, type=Path)
        p.add_argument("--allow-partial", action="store_true",
                       help="score a run that has fewer clips than its run.json promises (marked PARTIAL)")
        p.set_defaults(func=_eval)


def register(sub: argparse._SubParsersAction) -> None:
    _add_infer(sub)
    _add_eval(sub)
    cmp_ = sub.add_parser("compare", help="base vs AC/ADC/ACC runs: deltas, bootstrap CIs, paper numbers, HTML")
    cmp_.add_argument("runs", nargs="+", type=Path,
                      help="run folders, base model first; each holds one or more eval-set folders")
    cmp_.add_argument("--names", nargs="+", default=None, help="arm names (default: folder names)")
    cmp_.add_argument("--out", required=True, type=Path)
    cmp_.add_argument("--bootstrap", type=_positive_int, default=1000, help="paired bootstrap resamples")
    cmp_.add_argument("--seed", type=int, default=0)
    cmp_.set_defaults(func=_compare)
