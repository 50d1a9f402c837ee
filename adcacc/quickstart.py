"""`adcacc quickstart`: the research loop on the embedded corpus in one readable file, written
out as the function calls it makes, one stage after the other. No hub downloads. The main job,
the toy replication with a pretrained base model, seeds and verdicts, is `adcacc run
experiments/demo.yaml`; this is its plumbing without them.

  1. assemble the embedded corpus of real sounds            -> OUT/corpus
  2. build the AC / ADC / ACC datasets from it               -> OUT/data
  3. build a tiny random Qwen2-Audio (stands in for the 7B)  -> OUT/model
  4. `swift sft` each arm's rtx4090 recipe on CPU            -> OUT/train/<arm>
  5. inference of base + arms on the captioning set and the proxy retention sets
                                                             -> OUT/runs/<arm>/<eval set>
  6. comparison -> OUT/report/report.html (tables, deltas with CIs, figures)

Every stage reuses its finished outputs when rerun. The tiny model is random, so the numbers
show that the pipeline works, not the paper's result. `adcacc run EXPERIMENT.yaml` runs the
same stages with seeds, a step-matched control, fingerprinted resume and GPU scheduling.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from adcacc.data_builders.corpus.fetch import DEFAULT_CACHE

EVAL_SETS = {  # eval-set name -> its file in the corpus folder
    "captions-csv": "heldout/captions.csv",  # scenes no training scene has
    "vsc-proxy": "retention/vsc_proxy.csv",
    "mic-proxy": "retention/mic_proxy.csv",
}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("quickstart", help="the research loop in one file on the embedded corpus (random model: plumbing only)")
    p.add_argument("--out", type=Path, default=Path("runs/quickstart"))
    p.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", type=int, default=20, help="LoRA steps per arm on CPU")
    p.add_argument("--data-only", action="store_true", help="stop after step 2")
    p.add_argument("--limit", type=int, help="first N clips of each eval set only (smoke tests)")
    p.set_defaults(func=lambda a: quickstart(a.out, a.cache, a.seed, a.steps, a.data_only, a.limit))


def quickstart(out: Path, cache: Path = DEFAULT_CACHE, seed: int = 0, steps: int = 20,
               data_only: bool = False, limit: int | None = None) -> int:
    """The loop above, in `out` (claimed: made by the quickstart or new, locked while it runs)."""
    from adcacc.common.owned_dir import owned

    with owned(out, "adcacc quickstart"):
        return _loop(out, cache, seed, steps, data_only, limit)


def _loop(out: Path, cache: Path, seed: int, steps: int, data_only: bool, limit: int | None) -> int:
    from adcacc.data_builders.corpus.build import build_corpus
    from adcacc.data_builders.datasets import build_datasets

    print(f"[1/6] embedded corpus -> {out / 'corpus'}")
    corpus = out / "corpus"
    build_corpus(corpus, cache_dir=cache, seed=seed)
    print(f"[2/6] AC / ADC / ACC datasets -> {out / 'data'}")
    report = build_datasets(out / "data", bases_csv=corpus / "bases.csv", events_csv=corpus / "events.csv",
                            seed=seed)
    print(f"      {report['rows']['pairs.csv']} pairs from {report['bases_built']} bases")
    if data_only:
        return 0

    from adcacc.common.vocabulary import DATASETS
    from adcacc.evals.comparison.compare import compare_experiment
    from adcacc.evals.inference.infer import run_inference
    from adcacc.recipes.launch import last_checkpoint, run_sft
    from adcacc.recipes.tiny_model import build_tiny_qwen2_audio

    print(f"[3/6] tiny random Qwen2-Audio -> {out / 'model'}")
    model = build_tiny_qwen2_audio(out / "model", seed=seed)
    adapters: dict[str, Path | None] = {"base": None}
    for arm in DATASETS:  # one arm per dataset kind the builder writes
        print(f"[4/6] swift sft recipes/qwen2_audio/{arm}_rtx4090.yaml ({steps} CPU steps) -> {out / 'train' / arm}")
        done = last_checkpoint(out / "train" / arm) if (out / "train" / arm).is_dir() else None
        adapters[arm] = done or run_sft(arm, "rtx4090", model, out / "data", out / "train" / arm,
                                        flags={"max_steps": steps, "save_steps": steps, "eval_steps": steps})
    print(f"[5/6] inference -> {out / 'runs'}")
    for arm, adapter in adapters.items():
        for eval_set, rel in EVAL_SETS.items():
            run_inference(str(model), eval_set, corpus / rel, out / "runs" / arm / eval_set,
                          adapter=str(adapter) if adapter else None, batch_size=16, max_new_tokens=24,
                          limit=limit)
    print(f"[6/6] comparison and retention report -> {out / 'report'}")
    compare_experiment({arm: [out / "runs" / arm] for arm in adapters}, out / "report", base="base")
    print(f"done: open {out / 'report' / 'report.html'}")
    return 0
