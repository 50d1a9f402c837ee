"""`adcacc adiff train|explain|eval|import-release|demo|make-explanations`."""
from __future__ import annotations

import argparse
from pathlib import Path

from adcacc.adiff_small.api import MAX_NEW_TOKENS, RELEASE_NEW_TOKENS
from adcacc.common.cli_types import float_in, int_in

# Upper limits of the sizes a user sets (our choices):
MAX_BATCH_SIZE = 256
MAX_ROWS = 10**7
MAX_SAMPLING_SEEDS = 20  # paper-protocol repeats of a whole eval
MAX_PARTNERS = 100  # partners sampled per clip
MAX_THREADS = 256  # torch CPU threads (not bound to this machine's CPUs: the count fixes the numbers)
SEED = int_in(0, 2**32 - 1, "numpy's and torch's seed range")


def _decoding(args):
    from adcacc.adiff_small.generate import Decoding

    return Decoding(args.decoding, args.top_k, args.top_p, 1.0, args.max_new_tokens, args.seed)


def _add_decoding(p: argparse.ArgumentParser) -> None:
    p.add_argument("--decoding", choices=["greedy", "sample"], default="greedy",
                   help="greedy, or top-k/top-p sampling (paper: k=3, p=0.8)")
    p.add_argument("--top-k", type=int_in(1, 1000), default=3)
    p.add_argument("--top-p", type=float_in(0.0, 1.0, low_open=True), default=0.8)
    p.add_argument("--max-new-tokens", type=int_in(1, MAX_NEW_TOKENS, "GPT-2's context"), default=RELEASE_NEW_TOKENS,
                   help=f"new tokens at most (default: {RELEASE_NEW_TOKENS}, the release's examples)")
    p.add_argument("--seed", type=SEED, default=0)


def cmd_train(args) -> int:
    from adcacc.adiff_small.config import load_config
    from adcacc.adiff_small.train import train

    ckpt = train(load_config(args.config, args.set), progress=not args.quiet, device=args.device,
                 trust_checkpoint=args.trust_checkpoint)
    print(f"checkpoint: {ckpt}")
    return 0


def cmd_explain(args) -> int:
    from adcacc.adiff_small import checkpoint, prompts
    from adcacc.adiff_small.figure import explain_files

    model, _ = checkpoint.load_model(args.checkpoint, args.trust_checkpoint, args.device)
    prompt = args.prompt or prompts.canonical(prompts.TIERS[args.tier])
    print(explain_files(model, (args.audio1, args.audio2), prompt, _decoding(args),
                        Path(args.figure) if args.figure else None, args.audioset_labels))
    if args.figure:
        print(f"figure: {args.figure}")
    return 0


def cmd_eval(args) -> int:
    from adcacc.adiff_small import evaluate

    report = evaluate.evaluate_checkpoint(
        args.checkpoint, args.data, args.audio_root, Path(args.out), split=args.split, max_rows=args.max_rows,
        protocol=args.protocol, seed=args.seed, max_new_tokens=args.max_new_tokens, batch_size=args.batch_size,
        progress=not args.quiet, trust=args.trust_checkpoint, n_seeds=args.sampling_seeds,
        device=args.device)
    print(evaluate.format_paper_table(report["groups"], args.protocol))
    if report["skipped"]:
        print(f"skipped {report['skipped']} of {report['rows']} rows (audio the model cannot read): "
              f"{Path(args.out) / 'skipped.csv'}")
    print(f"predictions and metrics: {args.out}")
    return 0


def cmd_import(args) -> int:
    from adcacc.adiff_small.release import import_release

    ckpt = import_release(args.ckpt, args.out, lm=args.lm, trust=args.trust_checkpoint)
    print(f"checkpoint: {ckpt}")
    return 0


def cmd_make(args) -> int:
    from adcacc.adiff_small.explanations import make

    counts = make(Path(args.clips), Path(args.out), args.backend, name=args.name, seed=args.seed,
                  test_fraction=args.test_fraction, per_clip=args.per_clip,
                  base_url=args.base_url, model=args.model, progress=not args.quiet)
    for name, n in counts.items():
        print(f"{n:6d} rows  {Path(args.out) / name}")
    return 0


def cmd_demo(args) -> int:
    from adcacc.adiff_small.demo.run import DemoOptions, run_demo

    opts = DemoOptions(tuple(args.seeds), args.pairs_per_clip, args.ablation, args.threads, not args.quiet)
    return run_demo(Path(args.corpus), Path(args.out), config=args.config, overrides=args.set, opts=opts)


def _add_device(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", default="cpu", help="cpu (default), cuda or cuda:N: where the model runs")


def _add_trust(p: argparse.ArgumentParser) -> None:
    p.add_argument("--trust-checkpoint", action="store_true",
                   help="allow an encoder checkpoint that is not a plain tensor file (e.g. a "
                        "Lightning .ckpt pickling its hyper-parameters); unpickling can run code")


def register(sub: argparse._SubParsersAction) -> None:
    top = sub.add_parser("adiff", help="ADIFF companion model: explain the difference of two audios")
    cmds = top.add_subparsers(dest="adiff_command", required=True, metavar="SUBCOMMAND")

    p = cmds.add_parser("train", help="train or resume a run from a YAML config")
    p.add_argument("--config", required=True, help="e.g. adiff_small/configs/paper_gpt2.yaml")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config key, e.g. --set train.out_dir=runs/x (repeatable)")
    p.add_argument("--quiet", action="store_true")
    _add_trust(p)
    _add_device(p)
    p.set_defaults(func=cmd_train)

    p = cmds.add_parser("explain", help="explain the difference between two audio files")
    p.add_argument("audio1")
    p.add_argument("audio2")
    p.add_argument("--checkpoint", required=True, help="run folder or checkpoint folder")
    p.add_argument("--tier", type=int, choices=[1, 2, 3], default=1)
    p.add_argument("--prompt", help="free-form request instead of the tier's canonical prompt")
    p.add_argument("--figure", help="also draw spectrograms + event probabilities to this PNG")
    p.add_argument("--audioset-labels", help="AudioSet's class_labels_indices.csv (index,mid,"
                   "display_name): names HTSAT's event classes in the figure")
    _add_decoding(p)
    _add_trust(p)
    _add_device(p)
    p.set_defaults(func=cmd_explain)

    p = cmds.add_parser("eval", help="per-tier captioning metrics on ACD/CLD-layout CSVs")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--data", action="append", required=True,
                   help="CSV file or folder of *_adiff_*_answer.csv (repeatable)")
    p.add_argument("--split", help="only files of this split (e.g. test, evaluation)")
    p.add_argument("--audio-root", action="append", default=[],
                   help="folder the CSV audio paths are relative to (repeatable)")
    p.add_argument("--max-rows", type=int_in(1, MAX_ROWS), help="per file, for quick checks")
    p.add_argument("--batch-size", type=int_in(1, MAX_BATCH_SIZE), default=16)
    p.add_argument("--out", default="runs/adiff-eval")
    p.add_argument("--quiet", action="store_true")
    p.add_argument("--protocol", choices=["paper", "greedy"], default="paper",
                   help="paper: top-k 3, top-p 0.8 sampling, seeded (the paper's Table 2); "
                        "greedy: the release wrapper's decoding")
    p.add_argument("--seed", type=SEED, default=0, help="first sampling seed of the paper protocol")
    p.add_argument("--sampling-seeds", type=int_in(1, MAX_SAMPLING_SEEDS, "our bound"), default=3,
                   help="paper protocol: sample with this many seeds (--seed, --seed+1, ...) and report "
                        "the mean and range of each metric (default: 3; greedy runs once)")
    p.add_argument("--max-new-tokens", type=int_in(1, MAX_NEW_TOKENS, "GPT-2's context"), default=RELEASE_NEW_TOKENS,
                   help=f"new tokens at most (default: {RELEASE_NEW_TOKENS}, the release's examples)")
    _add_trust(p)
    _add_device(p)
    p.set_defaults(func=cmd_eval)

    p = cmds.add_parser("import-release", help="convert the authors' released ADIFF checkpoint")
    p.add_argument("ckpt", help="the release's state dict (.pt/.ckpt, or .safetensors)")
    p.add_argument("--out", required=True, help="new folder for our checkpoint")
    p.add_argument("--lm", default="gpt2",
                   help="GPT-2 the release was trained from (hub id or local folder): tokenizer "
                        "and architecture; its weights are replaced by the release's")
    _add_trust(p)
    p.set_defaults(func=cmd_import)

    p = cmds.add_parser("make-explanations", help="tiered explanations for sampled clip pairs")
    p.add_argument("--clips", required=True,
                   help="bases.csv (id,path,caption) / events.csv (id,path,label,...): pairs are "
                        "sampled; or the pairs.csv of `adcacc build`: its pairs and splits are used")
    p.add_argument("--out", required=True)
    p.add_argument("--backend", choices=["template", "openai", "transformers"], default="template")
    p.add_argument("--base-url", help="OpenAI-compatible endpoint, e.g. http://localhost:8000/v1")
    p.add_argument("--model", help="endpoint model name, or a local transformers model folder/id")
    p.add_argument("--name", default="demo", help="dataset name in the output file names")
    p.add_argument("--seed", type=SEED, default=0)
    p.add_argument("--test-fraction", type=float_in(0.0, 1.0), default=0.2)
    p.add_argument("--per-clip", type=int_in(1, MAX_PARTNERS), default=1, help="partners sampled per clip")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_make)

    p = cmds.add_parser("demo", help="train full, audio-blind and ablated models on the embedded corpus; "
                                     "measure listening with CIs")
    p.add_argument("--corpus", default="data/corpus", help="folder with events.csv (adcacc corpus)")
    p.add_argument("--out", default="runs/adiff-demo")
    p.add_argument("--config", default=None, help="default: adiff_small/configs/demo_smollm2.yaml")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--pairs-per-clip", type=int_in(1, MAX_PARTNERS), default=3,
                   help="partners sampled per clip (train and held-out pairs)")
    p.add_argument("--seeds", type=SEED, nargs="+", default=[0, 1], help="training seeds (the pairs stay fixed)")
    p.add_argument("--ablation", default="no-position-captioning",
                   choices=["no-position-captioning", "no-cross-projection"])
    p.add_argument("--threads", type=int_in(1, MAX_THREADS), default=2,
                   help="torch CPU threads; the same count reproduces the same numbers")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_demo)
