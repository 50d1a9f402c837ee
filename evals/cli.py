"""Subcommands of `evals`: `adcacc infer`, `adcacc eval captions|retention`, `adcacc compare`."""
from __future__ import annotations

import argparse
from pathlib import Path

from adcacc.common.cli_types import int_in

# Upper limits of the sizes a user sets (our choices; `adcacc run` checks eval.* against the same):
MAX_BATCH_SIZE = 256  # clips decoded at once; beyond this a batch only risks running out of memory
MAX_NEW_TOKENS = 2048  # Qwen2-Audio's context is 8192 tokens; the longest reference caption is ~60
# Bootstrap resamples: ample for a 95% interval; each holds a row of counts per clip
# (10^4 x 4,096 NSynth clips x 8 bytes = 330 MB per eval set; 10^9 ended in ArrayMemoryError).
MAX_BOOTSTRAP = 10_000
MAX_LIMIT = 10**7  # more clips than any eval set holds


def _eval(args: argparse.Namespace) -> int:
    from adcacc.evals.scoring.runs import score_run

    score_run(args.preds, args.out, task=args.task, kind=args.eval_command,
              allow_partial=args.allow_partial)
    md = args.out / f"{args.eval_command}.md"
    print(md.read_text(encoding="utf-8"))
    print(f"wrote {args.out / f'{args.eval_command}.json'}\nwrote {md}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    from adcacc.evals.comparison.compare import compare_runs

    return compare_runs(args.runs, args.out, names=args.names, n_boot=args.bootstrap, seed=args.seed)


def _infer(args: argparse.Namespace) -> int:
    import sys

    from adcacc.common.model_families import FAMILIES
    from adcacc.evals.inference.in_env import run_inference_in

    family = FAMILIES[args.family] if args.family else None
    python = family.require_env() if family else Path(sys.executable)
    run_inference_in(python, args.model, args.eval_set, args.data, args.out, adapter=args.adapter,
                     backend=args.backend or (family.backend if family else "transformers"),
                     batch_size=args.batch_size, max_new_tokens=args.max_new_tokens, limit=args.limit,
                     prompt=args.prompt, dtype=args.dtype, device=args.device,
                     sessions=tuple(args.sessions) if args.sessions else None, teacher_forced=args.teacher_forced)
    return 0


def _add_infer(sub: argparse._SubParsersAction) -> None:
    from adcacc.common.model_families import FAMILIES
    from adcacc.evals.inference.backends import BACKENDS
    from adcacc.evals.sets.eval_sets import registry

    p = sub.add_parser("infer", help="run a model (+ LoRA adapter) over an eval set -> predictions JSONL",
                       description="Batched greedy generation; resumable: ids already in "
                                   "OUT/predictions.jsonl are not redone.")
    p.add_argument("--model", required=True, help="HF id or local dir, e.g. Qwen/Qwen2-Audio-7B-Instruct")
    p.add_argument("--adapter", default=None, help="LoRA adapter dir (ms-swift checkpoint)")
    p.add_argument("--eval-set", required=True, choices=list(registry()))
    p.add_argument("--data", required=True, type=Path, help="dataset root, or the CSV for csv/proxy sets")
    p.add_argument("--out", required=True, type=Path, help="run folder (predictions.jsonl, run.json)")
    p.add_argument("--sessions", type=int_in(1, 5, "IEMOCAP has five sessions"), nargs="+", default=None,
                   help="IEMOCAP sessions to evaluate (default: 5, the 1,241 utterances the paper's accuracies fit)")
    p.add_argument("--prompt", default=None,
                   help="instruction sent with every clip (default: the task's documented prompt, "
                        "evals/README.md: Prompts); recorded in run.json")
    p.add_argument("--batch-size", type=int_in(1, MAX_BATCH_SIZE), default=8)
    p.add_argument("--max-new-tokens", type=int_in(1, MAX_NEW_TOKENS), default=64)
    p.add_argument("--limit", type=int_in(1, MAX_LIMIT), default=None, help="first N clips only (smoke tests)")
    p.add_argument("--family", choices=list(FAMILIES), default=None,
                   help="the model's family: runs in that family's environment with its backend "
                        "(qwen2_5_omni, qwen2_5_omni_3b, qwen3_omni: .venv-omni and omni); default: this "
                        "environment, --backend")
    p.add_argument("--backend", default=None, choices=list(BACKENDS),
                   help="transformers (Qwen2-Audio, this environment; the default), omni (Qwen2.5-/Qwen3-Omni "
                        "thinker, in .venv-omni: --family picks it) or vllm (its own environment and a merged "
                        "model; evals/README.md: Backends)")
    p.add_argument("--teacher-forced", action="store_true",
                   help="also record each clip's log-probability of every allowed label / reference "
                        "(transformers and omni backends; compare reads label_logprob and ref_loglik from it)")
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
    cmp_.add_argument("--bootstrap", type=int_in(1, MAX_BOOTSTRAP, "each resample holds a row per clip"),
                      default=1000, help=f"paired bootstrap resamples (at most {MAX_BOOTSTRAP:,})")
    cmp_.add_argument("--seed", type=int_in(0, 2**32 - 1), default=0)
    cmp_.set_defaults(func=_compare)
