"""Forced choice: candidate construction, likelihoods equal the training loss, conditions."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from adcacc.adiff_small import explanations
from adcacc.adiff_small.config import ModelConfig
from adcacc.adiff_small.data import Row, load_split
from adcacc.adiff_small.demo import listening
from adcacc.adiff_small.embeddings import EmbeddingCache
from adcacc.adiff_small.model import ADiff


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


def test_the_swapped_tier2_explanation_reverses_the_directions_too():
    """Issue 24 item 11: exchanging only the labels left "Audio 1 is louder" in the candidate
    scored as right under swapped audio, a wrong loudness claim."""
    answer = ("Audio 1 has hum, while audio 2 has hiss. Audio 1 is louder by about 6 dB. "
              "Audio 2 sounds brighter, with more high-frequency energy.")
    (_, (true, swapped, _)), = listening.candidates([_row("hum", "hiss", answer)] + [_row("chirp", "clicks", "x")])
    assert swapped == ("Audio 1 has hiss, while audio 2 has hum. Audio 2 is louder by about 6 dB. "
                       "Audio 1 sounds brighter, with more high-frequency energy.")
    assert listening._swap(swapped, "hum", "hiss") == true  # the other order of the other order


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


def test_forced_choice_gives_per_item_outcomes_per_condition(model, corpus, tmp_path):
    explanations.make(corpus / "events.csv", tmp_path / "pairs", "template", seed=0, test_fraction=0.5,
                      progress=False)
    rows = [r for r in load_split([str(tmp_path / "pairs")], [], "test") if r.task == "tier1"]
    items = listening.candidates(rows)
    cache = EmbeddingCache(model)
    cache.fill([(p, r.where) for r, _ in items for p in (r.audio1, r.audio2)], progress=False)
    out = listening.forced_choice(model, items, cache, seed=0)
    assert set(out) == set(listening.CONDITIONS)
    for cond in listening.CONDITIONS:
        for kind in listening.CHANCE:
            assert out[cond][kind].shape == (len(items),) and set(out[cond][kind]) <= {0.0, 1.0}
    # outcomes follow the scores: the matched winner is the argmax of the candidates' likelihoods
    m = listening.choices(model, items, cache, "matched")
    assert np.array_equal(out["matched"]["of_three"], (m.argmax(1) == 0).astype(float))
    assert np.array_equal(out["matched"]["true_vs_swapped"], (m[:, 0] > m[:, 1]).astype(float))
    # the audio order reaches the scores (audio 1 and audio 2 have their own mappers), and under
    # swapped audio the order-swapped text is the right one
    s = listening.choices(model, items, cache, "swapped")
    assert s.shape == m.shape == (len(items), 3) and not np.allclose(m, s)
    assert np.array_equal(out["swapped"]["true_vs_swapped"], (s[:, 1] > s[:, 0]).astype(float))
    assert set(listening.forced_choice(model, items, cache, ("matched",))) == {"matched"}
