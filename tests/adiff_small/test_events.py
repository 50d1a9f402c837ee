"""The event view: HTSAT's own AudioSet head named from class_labels_indices.csv, and the small
event head for other encoders fitted on training clips only."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from adcacc.adiff_small import explanations
from adcacc.adiff_small.config import ADiffConfig, DataConfig, ModelConfig, StageConfig, TrainConfig
from adcacc.adiff_small.data import load_split
from adcacc.adiff_small.events import audioset_names, event_probs
from adcacc.adiff_small.model import ADiff
from adcacc.adiff_small.train import Trainer, train
from adcacc.common.errors import InputError


def _labels_csv(path, n=527):
    rows = ['index,mid,display_name', '0,/m/09x0r,"Speech"', '1,/m/05zppz,"Male speech, man speaking"']
    rows += [f"{i},/m/x{i},class {i}" for i in range(2, n)]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_audioset_names_from_the_users_csv(tmp_path):
    names = audioset_names(_labels_csv(tmp_path / "class_labels_indices.csv"))
    assert len(names) == 527 and names[1] == "Male speech, man speaking"
    assert "--audioset-labels" in audioset_names(None)[0]
    with pytest.raises(InputError, match="527 classes"):
        audioset_names(_labels_csv(tmp_path / "short.csv", n=100))


def test_htsat_uses_its_own_head_not_an_event_head(tiny_lm, tmp_path):
    """HTSAT + event labels used to build a 768-d event head and apply it to 527-d probabilities."""
    torch.manual_seed(0)
    model = ADiff(ModelConfig(encoder="htsat", lm=str(tiny_lm), d_proj=32, mapper_layers=1, cross_layers=1,
                              event_labels=["hum", "hiss"])).eval()
    assert model.event_head is None
    wave = (0.3 * np.sin(2 * np.pi * 440 * np.arange(32_000) / 32_000)).astype(np.float32)
    with torch.no_grad():
        out = model.encode([wave])
    times, probs, names = event_probs(model, out, 0, _labels_csv(tmp_path / "labels.csv"))
    assert probs.shape == (len(times), 527) and names[0] == "Speech"


def _cfg(tiny_lm, pairs, events, out, encoder="tiny"):
    return ADiffConfig(
        model=ModelConfig(encoder=encoder, lm=str(tiny_lm), prefix_length=4, text_length=8, d_proj=32,
                          mapper_layers=1, cross_layers=1),
        data=DataConfig(train=[str(pairs)], tiers=[1], max_answer_tokens=40, events=str(events)),
        train=TrainConfig(out_dir=str(out), stages=[StageConfig("grounding", 1, 1e-3)]))


def test_event_head_is_fitted_on_training_clips_only(corpus, tiny_lm, tmp_path):
    pairs = tmp_path / "pairs"
    explanations.make(corpus / "events.csv", pairs, "template", seed=0, test_fraction=0.25, progress=False)
    cfg = _cfg(tiny_lm, pairs, corpus / "events.csv", tmp_path / "run")
    cfg.model.event_labels = ["chirp", "clicks", "hiss", "hum", "whistle"]
    trainer = Trainer(cfg, ADiff(cfg.model), progress=False)
    fitted = {p.resolve() for p, _ in trainer.training_event_clips()}
    held_out = {p.resolve() for r in load_split([str(pairs)], [], "test") for p in (r.audio1, r.audio2)}
    assert fitted and held_out and not fitted & held_out
    assert fitted == {p.resolve() for r in trainer.rows for p in (r.audio1, r.audio2)}


@pytest.mark.slow
def test_htsat_with_event_view_trains(corpus, tiny_lm, tmp_path, capsys):
    pairs = tmp_path / "pairs"
    explanations.make(corpus / "events.csv", pairs, "template", seed=0, test_fraction=0.25, progress=False)
    cfg = _cfg(tiny_lm, pairs, corpus / "events.csv", tmp_path / "run", encoder="htsat")
    cfg.data.max_rows = 2
    assert (train(cfg, progress=False) / "model.safetensors").is_file()
    assert "own AudioSet head" in capsys.readouterr().out
