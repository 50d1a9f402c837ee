"""`adcacc quickstart`: the main job on the embedded default, end to end, no hub downloads.

Each step is resumable; rerunning skips finished work:
  1. assemble the embedded corpus of real sounds            -> OUT/corpus
  2. build the AC / ADC / ACC datasets from it               -> OUT/data
  3. build a tiny random Qwen2-Audio (stands in for the 7B)  -> OUT/model
  4. `swift sft` each arm's rtx4090 recipe on CPU            -> OUT/train/<arm>
  5. `adcacc infer` base + arms on the captioning set and the proxy retention sets
                                                             -> OUT/runs/<arm>/<eval set>
  6. `adcacc compare` -> OUT/report/report.html (tables, deltas with CIs, figures)

The tiny model is random, so the numbers show the pipeline works, not the paper's result;
run the same steps with `--model Qwen/Qwen2-Audio-7B-Instruct` recipes on a GPU for that.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from data_builders.corpus.fetch import DEFAULT_CACHE
from data_builders.layout import TASKS
from common.errors import InputError

ARMS = TASKS
EVAL_SETS = {  # eval-set name -> file in the corpus folder
    "captions-csv": "captions.csv",
    "vsc-proxy": "retention/vsc_proxy.csv",
    "mic-proxy": "retention/mic_proxy.csv",
}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("quickstart", help="the main job, end to end, on the embedded corpus")
    p.add_argument("--out", type=Path, default=Path("runs/quickstart"))
    p.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", type=int, default=20, help="LoRA steps per arm on CPU")
    p.add_argument("--data-only", action="store_true", help="stop after step 2")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    out = args.out
    build_data(out, args.cache, args.seed)
    if args.data_only:
        return 0
    from recipes.tiny_model import build_tiny_qwen2_audio

    print(f"[3/6] tiny random Qwen2-Audio -> {out / 'model'}")
    model = build_tiny_qwen2_audio(out / "model", seed=args.seed)
    adapters = {arm: train_arm(arm, model, out, args.steps) for arm in ARMS}
    print(f"[5/6] inference -> {out / 'runs'}")
    for arm, adapter in {"base": None, **adapters}.items():
        infer_arm(arm, model, adapter, out)
    print(f"[6/6] comparison and retention report -> {out / 'report'}")
    _adcacc(["compare", *[str(out / "runs" / a) for a in ("base", *ARMS)],
             "--out", str(out / "report")])
    print(f"done: open {out / 'report' / 'report.html'}")
    return 0


def build_data(out: Path, cache: Path, seed: int) -> None:
    from data_builders.corpus.build import build_corpus
    from data_builders.datasets import build_datasets

    print(f"[1/6] embedded corpus -> {out / 'corpus'}")
    build_corpus(out / "corpus", cache_dir=cache, seed=seed)
    print(f"[2/6] AC / ADC / ACC datasets -> {out / 'data'}")
    report = build_datasets(out / "data", bases_csv=out / "corpus/bases.csv",
                            events_csv=out / "corpus/events.csv", seed=seed)
    print(f"      {report['rows']['pairs.csv']} pairs from {report['bases_built']} bases")


def train_arm(arm: str, model: Path, out: Path, steps: int) -> Path:
    """LoRA-tune one arm with its rtx4090 recipe plus the CPU overrides; reuse if done."""
    from recipes.launch import sft_argv

    run_dir = out / "train" / arm
    adapter = run_dir / f"checkpoint-{steps}"
    if (adapter / "adapter_model.safetensors").is_file():
        print(f"[4/6] {arm}: reusing {adapter}")
        return adapter
    print(f"[4/6] swift sft recipes/qwen2_audio/{arm}_rtx4090.yaml ({steps} CPU steps) -> {run_dir}")
    argv = sft_argv(arm, "rtx4090", model, out / "data", run_dir)
    argv += ["--max_steps", str(steps), "--save_steps", str(steps), "--eval_steps", str(steps)]
    log = out / "train" / f"{arm}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    swift = Path(sys.executable).parent / "swift"
    with log.open("w") as f:
        code = subprocess.run([str(swift), *argv], stdout=f, stderr=subprocess.STDOUT,
                              env={**os.environ, "PYTHONUNBUFFERED": "1"}).returncode
    if code != 0 or not (adapter / "adapter_model.safetensors").is_file():
        raise InputError(log, f"swift sft for the {arm} arm failed (exit {code}); read the log's end")
    return adapter


def infer_arm(arm: str, model: Path, adapter: Path | None, out: Path) -> None:
    for eval_set, rel in EVAL_SETS.items():
        argv = ["infer", "--model", str(model), "--eval-set", eval_set,
                "--data", str(out / "corpus" / rel), "--out", str(out / "runs" / arm / eval_set),
                "--max-new-tokens", "24", "--batch-size", "16"]
        _adcacc(argv + (["--adapter", str(adapter)] if adapter else []))


def _adcacc(argv: list[str]) -> None:
    from adcacc.cli import main

    code = main(argv)
    if code != 0:
        raise SystemExit(code)
