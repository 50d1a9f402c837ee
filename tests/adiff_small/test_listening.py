"""Forced choice: candidate construction, likelihoods equal the training loss, conditions."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from adiff_small import explanations, listening
from adiff_small.config import ModelConfig
from adiff_small.data import Row, load_split
from adiff_small.embeddings import EmbeddingCache
from adiff_small.model import ADiff


def _row(a, b, answer):
    return Row(Path("x.wav"), Path("y.wav"), "tier1", answer, a, b, "test")


def test_candidates_swap_labels_and_insert_a_wrong_one():
    rows = [_row("hum", "hiss", "Audio 1 has hum, while audio 2 has hiss."),
            _row("chirp", "chirp", "Both have chirp."),  # same label: no order to swap
            _row("clicks", "whistle", "Audio 1 has clicks, while audio 2 has whistle.")]
    items = listening.candidates(rows)
    assert [r.caption1 for r, _ in items] == ["hum", "clicks"]
    true, swapped, wrong = items[0][1]
    assert swapped == "Audio 1 has hiss, while audio 2 has hum."
    assert "hum" not in wrong and "hiss" in wrong and wrong != true


@pytest.fixture(scope="module")
def model(tiny_lm):
    torch.manual_seed(0)
    return ADiff(ModelConfig(encoder="tiny", lm=str(tiny_lm), prefix_length=4, text_length=8, d_proj=32,
                             mapper_layers=1, cross_layers=1)).eval()


def test_mean_logprob_is_minus_the_training_loss(model):
    emb = torch.randn(2, model.encoder.embed_dim)
    text = ["Audio 1 has the sound of hum, while audio 2 has the sound of hiss."]
    got = listening.mean_logprob(model, emb[:1], emb[1:], ["explain the difference in few words"], text, 64)
    ids, labels = model.tokenize_targets(text, 64)
    with torch.no_grad():
        loss = model(emb[:1], emb[1:], model.tokenize_prompts(["explain the difference in few words"]), ids, labels)
    assert got.item() == pytest.approx(-loss.item(), abs=1e-5)


def test_forced_choice_reports_each_condition_with_cis(model, corpus, tmp_path):
    explanations.make(corpus / "events.csv", tmp_path / "pairs", "template", seed=0, test_fraction=0.5,
                      progress=False)
    rows = [r for r in load_split([str(tmp_path / "pairs")], [], "test") if r.task == "tier1"]
    out = listening.forced_choice(model, rows, EmbeddingCache(model), seed=0)
    assert out["pairs"] == len(listening.candidates(rows)) > 0
    for cond in ("matched", "shuffled", "swapped"):
        for k in ("of_three", "true_vs_swapped"):
            r = out[cond][k]
            assert 0 <= r["ci95"][0] <= r["accuracy"] <= r["ci95"][1] <= 1
    # the audio order reaches the scores (audio 1 and audio 2 have their own mappers)
    items = listening.candidates(rows)
    cache = EmbeddingCache(model)
    cache.fill([(p, r.where) for r, _ in items for p in (r.audio1, r.audio2)], progress=False)
    m = listening.choices(model, items, cache, "matched")
    s = listening.choices(model, items, cache, "swapped")
    assert m.shape == s.shape == (len(items), 3) and not np.allclose(m, s)
    assert listening.forced_choice(model, [], EmbeddingCache(model))["unavailable"]
