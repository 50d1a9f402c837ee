"""Training on CPU with the tiny model: overfitting, freeze states per stage, resume after a
kill (byte-identical weights), checkpoint round trip, CLI errors."""
from __future__ import annotations

import csv
import json
import shutil

import pytest
import torch
from safetensors.torch import load_file

from adcacc.adiff_small import checkpoint, explanations
from adcacc.adiff_small.config import ADiffConfig, DataConfig, ModelConfig, StageConfig, TrainConfig
from adcacc.adiff_small.generate import Decoding
from adcacc.adiff_small.train import Trainer, train
from adcacc.cli import main
from adcacc.common.errors import InputError


@pytest.fixture(scope="module")
def pairs_dir(corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("pairs")
    explanations.make(corpus / "events.csv", out, "template", seed=0, test_fraction=0.0, progress=False)
    return out


def _cfg(tiny_lm, pairs_dir, out, stages, **data) -> ADiffConfig:
    return ADiffConfig(
        model=ModelConfig(encoder="tiny", lm=str(tiny_lm), prefix_length=4, text_length=8, d_proj=64,
                          mapper_layers=1, cross_layers=1),
        data=DataConfig(train=[str(pairs_dir)], max_answer_tokens=40, **data),
        train=TrainConfig(out_dir=str(out), batch_size=8, save_every=3, stages=stages))


def test_resume_after_kill_is_byte_identical_and_stages_freeze(tiny_lm, pairs_dir, tmp_path, monkeypatch):
    stages = [StageConfig("grounding", 1, 1e-3), StageConfig("finetune", 1, 1e-4, 2, train_lm=True)]
    first = train(_cfg(tiny_lm, pairs_dir, tmp_path / "a", stages, tiers=[1], max_rows=6), progress=False)
    log = [json.loads(x) for x in (tmp_path / "a" / "train_log.jsonl").read_text().splitlines()]
    assert {x["stage"] for x in log} == {"grounding", "finetune"}
    real_step, calls = Trainer._step, {"n": 0}

    def dying_step(self, *a):
        calls["n"] += 1
        if calls["n"] == 5:  # mid-epoch of stage 1, after the step-3 checkpoint
            raise KeyboardInterrupt
        return real_step(self, *a)

    monkeypatch.setattr(Trainer, "_step", dying_step)
    cfg_b = _cfg(tiny_lm, pairs_dir, tmp_path / "b", stages, tiers=[1], max_rows=6)
    with pytest.raises(KeyboardInterrupt):
        train(cfg_b, progress=False)
    monkeypatch.setattr(Trainer, "_step", real_step)
    second = train(cfg_b, progress=False)
    assert (first / "model.safetensors").read_bytes() == (second / "model.safetensors").read_bytes()
    # finetuning trained the LM: the final checkpoint holds LM tensors that moved.
    final = load_file(str(first / "model.safetensors"))
    from adcacc.adiff_small.lm import load_lm

    lm0 = load_lm(str(tiny_lm))[0].state_dict()
    assert [k for k, v in lm0.items() if not torch.equal(final[f"lm.{k}"], v)]
    assert len(list((tmp_path / "a" / "checkpoints").glob("step-*"))) == checkpoint.KEEP


def test_grounding_checkpoint_excludes_frozen_lm(tiny_lm, pairs_dir, tmp_path):
    ck = train(_cfg(tiny_lm, pairs_dir, tmp_path, [StageConfig("grounding", 1, 1e-3)], tiers=[1],
                    max_rows=4), progress=False)
    weights = load_file(str(ck / "model.safetensors"))
    keys = weights.keys()
    assert not any(k.startswith("lm.") for k in keys)
    # clip embeddings are standardized with the training clips' statistics, saved with the weights
    assert weights["embed_std"].min() > 0 and weights["embed_mean"].abs().sum() > 0
    assert any(k.startswith("encoder.") for k in keys)  # random encoder: not restorable otherwise
    assert any(k.startswith("cross.") for k in keys)
    # resuming reads optimizer.pt with weights_only: a planted pickle is refused, its code never runs
    from tests.adiff_small.test_checkpoint import _evil

    marker = tmp_path / "ran"
    _evil(ck / "optimizer.pt", marker)
    with pytest.raises(InputError, match="--trust-checkpoint"):
        train(_cfg(tiny_lm, pairs_dir, tmp_path, [StageConfig("grounding", 1, 1e-3)], tiers=[1],
                   max_rows=4), progress=False)
    assert not marker.exists()


@pytest.mark.slow
def test_tiny_model_overfits_and_names_the_right_events(tiny_lm, pairs_dir, corpus, labels, tmp_path):
    """Train until it memorises tier-1 rows of 8 pairs; greedy outputs name both events in order."""
    stages = [StageConfig("all", 150, 3e-3, 10, scheduler="constant", train_lm=True)]
    cfg = _cfg(tiny_lm, pairs_dir, tmp_path / "run", stages, tiers=[1], max_rows=8,
               events=str(corpus / "events.csv"))
    cfg.train.position_captioning = False
    cfg.train.save_every = 10_000
    cfg.model.dropout = 0.0  # memorising 8 pairs through a p=0.5 dropout needs far more steps
    ck = train(cfg, progress=False)
    model, _ = checkpoint.load_model(ck)  # also the checkpoint round trip
    from adcacc.adiff_small.data import load_split
    from adcacc.adiff_small.evaluate import predict

    rows = [r for r in load_split([str(pairs_dir)], [], "train", 8) if r.task == "tier1"]
    preds = predict(model, rows, Decoding(max_new_tokens=60), progress=False)
    right = 0
    for r, p in zip(rows, preds):
        named = sorted((lab for lab in labels if f"of {lab}" in p), key=lambda lab: p.index(f"of {lab}"))
        right += named == [r.caption1, r.caption2] or (r.caption1 == r.caption2 and named == [r.caption1])
    # chance is about 1 in 25 per row (5 labels, ordered). Measured: 7 of 8 with the earlier
    # 52-prompt pools, 6 of 8 with the paper's ~100 paraphrases per tier (the canonical prompt
    # used here is then sampled half as often in training).
    assert right >= 6, list(zip([r.answer for r in rows], preds))


def test_training_continues_from_an_init_checkpoint(tiny_lm, pairs_dir, tmp_path):
    """train.init_from (e.g. an imported release): at lr 0 the weights stay those it started from."""
    first = train(_cfg(tiny_lm, pairs_dir, tmp_path / "a", [StageConfig("grounding", 1, 1e-3)], tiers=[1],
                       max_rows=4), progress=False)
    cfg = _cfg(tiny_lm, pairs_dir, tmp_path / "b", [StageConfig("grounding", 1, 0.0)], tiers=[1], max_rows=4)
    cfg.train.init_from = str(tmp_path / "a")
    second = train(cfg, progress=False)
    a, b = load_file(str(first / "model.safetensors")), load_file(str(second / "model.safetensors"))
    assert all(torch.equal(a[k], b[k]) for k in a) and any(k.startswith("lm.") for k in b)


def test_a_shared_cache_encodes_each_clip_once_across_runs(tiny_lm, pairs_dir, tmp_path, monkeypatch):
    """train(cache=...) trains on the cache it is given (the demo shares one across arms and
    seeds): a second run encodes nothing and ends with the same weights as a run on its own."""
    from adcacc.adiff_small.embeddings import EmbeddingCache
    from adcacc.adiff_small.model import ADiff

    stages = [StageConfig("grounding", 1, 1e-3)]
    alone = train(_cfg(tiny_lm, pairs_dir, tmp_path / "alone", stages, tiers=[1], max_rows=6), progress=False)
    cache = EmbeddingCache(None, 1, None, 0)
    train(_cfg(tiny_lm, pairs_dir, tmp_path / "a", stages, tiers=[1], max_rows=6), progress=False, cache=cache)
    assert cache.store  # the run filled the cache it was given
    encoded = {"n": 0}
    real_encode = ADiff.encode

    def counting_encode(self, *a, **k):
        encoded["n"] += 1
        return real_encode(self, *a, **k)

    monkeypatch.setattr(ADiff, "encode", counting_encode)
    shared = train(_cfg(tiny_lm, pairs_dir, tmp_path / "b", stages, tiers=[1], max_rows=6), progress=False,
                   cache=cache)
    assert encoded["n"] == 0
    assert (alone / "model.safetensors").read_bytes() == (shared / "model.safetensors").read_bytes()


def test_cli_errors_are_one_line(corpus, tmp_path, capsys):
    bad = tmp_path / "events.csv"
    rows = list(csv.DictReader((corpus / "events.csv").open()))
    shutil.copytree(corpus / "audio", tmp_path / "audio")  # clip paths stay inside the CSV's folder
    (tmp_path / "audio" / "broken.wav").write_bytes(b"RIFF0000WAVEjunk")
    rows[3]["path"] = "audio/broken.wav"
    with bad.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    assert main(["adiff", "make-explanations", "--clips", str(bad), "--out", str(tmp_path / "o"),
                 "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "broken.wav" in err and "unreadable or corrupt audio" in err
    assert main(["adiff", "explain", "a.wav", "b.wav", "--checkpoint", str(tmp_path / "none")]) == 2
    assert "no ADIFF checkpoint here" in capsys.readouterr().err
    assert main(["adiff", "train", "--config", str(tmp_path / "missing.yaml")]) == 2
    assert "config file not found" in capsys.readouterr().err


def test_length_grouped_batches_cover_every_row_once_and_group_lengths():
    from adcacc.adiff_small.train import length_grouped_batches

    lengths = [5 if i % 3 else 60 for i in range(50)]  # short label rows and long sentences
    order = list(range(50))[::-1]
    batches = length_grouped_batches(order, lengths, 8, "s")
    assert sorted(j for b in batches for j in b) == list(range(50))
    assert [len(b) for b in batches].count(8) == 6 and len(batches) == 7
    assert sum(len({lengths[j] for j in b}) > 1 for b in batches) <= 1  # one mixed batch at most
    assert batches == length_grouped_batches(order, lengths, 8, "s")
