"""`adcacc adiff demo`: does a small ADIFF trained on CPU listen? Measured against controls.

Template explanations (tier 2 by default: both labels by position, then which clip is
louder and brighter) for sampled event-clip pairs; held-out pairs are new
recordings of labels seen in training, and the pairs are the same for every seed. For each
training seed three models are trained the same way: "full" (aisfx clip embeddings +
SmolLM2-135M), "audio-blind" (every clip embedding replaced by one constant: it cannot hear)
and one of the paper's ablations (position captioning off, or cross-projection off). Each is
measured on the held-out pairs (`outcomes.py`) and every number is printed with its 95%
CI and a verdict worded by the CI (`report.py`, `verdicts.py`).

Reproducibility: the same seeds, corpus, config and --threads give the same
`demo_report.json`, byte for byte (timings go to `timings.json`). The thread count is
fixed (default 2) because it changes the order of float sums, and so the trained weights.
"""
from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import torch

from adcacc.adiff_small import checkpoint, data, explanations, prompts
from adcacc.adiff_small.config import ADiffConfig, load_config
from adcacc.adiff_small.demo import measures
from adcacc.adiff_small.demo import report as demo_report
from adcacc.adiff_small.demo.outcomes import DECODING, item_clips, measure
from adcacc.adiff_small.embeddings import EmbeddingCache
from adcacc.adiff_small.lm import make_tiny_lm
from adcacc.adiff_small.train import train
from adcacc.common.errors import InputError
from adcacc.common.files import csv_text, write_text
from adcacc.common.owned_dir import owned

CONTROL = "audio-blind"
# `model.lm: demo-gpt2`: a 4-layer, 256-wide GPT-2 and its 2000-token BPE (whole words, so
# the 8 prompt tokens keep the words that name the tier), built here from the training texts
# (lm.make_tiny_lm) and trained from scratch; our choice for the CPU budget.
DEMO_LM = "demo-gpt2"
ABLATIONS = {  # the paper's ablations (section 5): name -> the switch it turns off
    "no-position-captioning": lambda c: dataclasses.replace(
        c, train=dataclasses.replace(c.train, position_captioning=False)),
    "no-cross-projection": lambda c: dataclasses.replace(
        c, model=dataclasses.replace(c.model, cross_projection=False)),
}


@dataclass(frozen=True)
class DemoOptions:
    seeds: tuple[int, ...] = (0, 1)
    pairs_per_clip: int = 3
    ablation: str = "no-position-captioning"
    threads: int = 2
    progress: bool = True


def _default_config() -> str:
    return str(resources.files("adcacc.adiff_small").joinpath("configs/demo_gpt2_small.yaml"))


def arms(cfg: ADiffConfig, ablation: str, seed: int, out: Path) -> dict[str, ADiffConfig]:
    """The configs trained for one seed: full, audio-blind, the ablation."""
    blind = dataclasses.replace(cfg, model=dataclasses.replace(cfg.model, audio_blind=True))
    runs = {"full": cfg, CONTROL: blind, ablation: ABLATIONS[ablation](cfg)}
    return {name: dataclasses.replace(c, train=dataclasses.replace(c.train, seed=seed, out_dir=str(out / f"{name}-s{seed}")))
            for name, c in runs.items()}


def make_data(corpus: Path, out: Path, cfg: ADiffConfig, opts: DemoOptions) -> tuple[list[data.Row], dict[str, list[data.Row]]]:
    """Writes the template explanations; sets cfg.data; returns (training tier rows, test rows per tier)."""
    events = corpus / "events.csv"
    if not events.is_file():
        raise InputError(events, "not found: build the embedded corpus first (adcacc corpus)")
    counts = explanations.make(events, out / "data", "template", name="demo", seed=cfg.train.seed,
                               test_fraction=0.25, per_clip=opts.pairs_per_clip, progress=opts.progress)
    cfg.data.train = sorted(str(out / "data" / n) for n in counts if "_train_" in n)
    cfg.data.events = str(events)
    wanted = sorted(prompts.TIERS[t] for t in cfg.data.tiers)
    train_rows = [r for r in data.load_split(cfg.data.train, []) if r.task in wanted]
    test_rows = data.load_split([str(out / "data")], [], "test")
    return train_rows, {t: [r for r in test_rows if r.task == t] for t in wanted}


def baselines(train_rows: list[data.Row], test: dict[str, list[data.Row]]) -> dict[str, dict[str, float]]:
    def tier(t: str) -> list[data.Row]:
        return [r for r in train_rows if r.task == t]

    low = min(test)
    out = measures.label_baselines(tier(low), test[low])
    for fact in measures.FACTS if test.get("tier2") else ():
        majority = measures.direction_majority(tier("tier2"), test["tier2"], fact)
        out[f"{fact} direction"] = {"chance": 0.5, **({"majority": majority} if majority is not None else {})}
    return out


def run_demo(corpus: Path, out: Path, config: str | None = None, overrides=(),
             opts: DemoOptions = DemoOptions()) -> int:
    start = time.monotonic()
    if opts.ablation not in ABLATIONS:
        raise InputError(None, f"unknown ablation {opts.ablation!r} (choose {', '.join(ABLATIONS)})")
    torch.set_num_threads(opts.threads)
    cfg = load_config(config or _default_config(), list(overrides))
    with owned(out, "adcacc adiff demo"):
        return _demo_into(corpus, out, cfg, opts, start)


def _demo_into(corpus: Path, out: Path, cfg: ADiffConfig, opts: DemoOptions, start: float) -> int:
    """run_demo's work, inside the claimed folder."""
    train_rows, test = make_data(corpus, out, cfg, opts)
    labels = sorted({lab for r in train_rows for lab in (r.caption1, r.caption2)})
    if cfg.model.lm == DEMO_LM:
        texts = [r.answer for r in train_rows] + [p for pool in prompts.pools().values() for p in pool]
        cfg.model.lm = str(make_tiny_lm(out / "lm", texts, width=256, layers=4, seed=cfg.train.seed,
                                                vocab_size=2000))
    cache = EmbeddingCache(None, cfg.data.crops_per_clip, cfg.data.crop_seconds, cfg.train.seed)
    measured: demo_report.Measured = {}
    timings, example = {}, ""
    for seed in opts.seeds:
        for name, c in arms(cfg, opts.ablation, seed, out).items():
            t = time.monotonic()
            model, _ = checkpoint.load_model(train(c, progress=opts.progress, cache=cache))
            outcomes, preds = measure(model, test, labels, cache, controls=name == "full", seed=seed)
            measured.setdefault(name, []).append(outcomes)
            _write_predictions(out / f"{name}-s{seed}" / "predictions.csv", test, preds)
            if not example and name == "full":
                example = _example(model, out, test)
            timings[f"{name}-s{seed}"] = round(time.monotonic() - t, 1)
            print(f"{name} seed {seed}: trained and measured in {timings[f'{name}-s{seed}'] / 60:.1f} min", flush=True)
    base = baselines(train_rows, test)
    report = demo_report.build(measured, base, CONTROL, opts.ablation, clips=item_clips(test))
    print(demo_report.format_report(report, len(opts.seeds)))
    print(example)
    report["baselines"] = base
    report["setup"] = {"seeds": list(opts.seeds), "threads": opts.threads, "ablation": opts.ablation,
                       "train_rows": len(train_rows), "test_rows": {t: len(r) for t, r in test.items()}}
    write_text(out / "demo_report.json", json.dumps(report, indent=1) + "\n")
    timings["total"] = round(time.monotonic() - start, 1)
    write_text(out / "timings.json", json.dumps(timings, indent=1) + "\n")
    print(f"total {timings['total'] / 60:.1f} min; report: {out / 'demo_report.json'}")
    return 0


def _write_predictions(path: Path, test: dict[str, list[data.Row]], preds: dict[str, list[str]]) -> None:
    rows = []
    for key, texts in preds.items():
        tier, _, condition = key.partition(" ")
        rows += [[tier, condition, r.audio1.name, r.audio2.name, r.answer, p] for r, p in zip(test[tier], texts)]
    write_text(path, csv_text(["task", "audio_order", "audio1", "audio2", "reference", "prediction"], rows))


def _example(model, out: Path, test: dict[str, list[data.Row]]) -> str:
    """Explain one held-out pair (the highest tier) with the first full model; draw Figure 5."""
    from adcacc.adiff_small.figure import explain_files

    row = test[max(test)][-1]
    text = explain_files(model, (row.audio1, row.audio2), prompts.canonical(row.task), DECODING,
                         out / "example.png")
    return f"held-out pair: {row.audio1.name} vs {row.audio2.name}\n  reference: {row.answer}\n  model:     {text}"
