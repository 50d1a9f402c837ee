"""The paper's Figure 5: explanation on top; per audio its log-mel spectrogram and the
top-3 event probabilities over time, so a reader can spot hallucinated events."""
from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np


def draw(out: Path, explanation: str, audios: list[tuple[str, np.ndarray, int]],
         events: list[tuple[np.ndarray, np.ndarray, list[str]]]) -> None:
    """`audios` = (title, wave, sr) per audio; `events` = event_probs() per audio."""
    import librosa
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from adcacc.common.files import atomic_path

    lines = textwrap.wrap(explanation, 150)[:10] or ["(empty explanation)"]
    fig = plt.figure(figsize=(12, 7.5 + 0.2 * len(lines)), layout="constrained")
    grid = fig.add_gridspec(3, 2, height_ratios=[0.3 + 0.12 * len(lines), 2.2, 1.6])
    ax = fig.add_subplot(grid[0, :])
    ax.axis("off")
    ax.text(0.0, 1.0, "\n".join(lines), va="top", fontsize=10, family="serif", transform=ax.transAxes)
    for col, ((title, wave, sr), (times, probs, names)) in enumerate(zip(audios, events)):
        mel = librosa.power_to_db(librosa.feature.melspectrogram(y=wave, sr=sr, n_mels=64), ref=np.max)
        ax = fig.add_subplot(grid[1, col])
        ax.imshow(mel, origin="lower", aspect="auto", cmap="magma",
                  extent=(0, len(wave) / sr, 0, mel.shape[0]))
        ax.set(title=f"{title}: log-mel spectrogram", xlabel="time (s)", ylabel="mel bin")
        ax = fig.add_subplot(grid[2, col])
        if probs.size:
            for k in np.argsort(-probs.max(axis=0))[:3]:
                ax.plot(times, probs[:, k], marker="o", ms=3, label=names[k])
            ax.legend(loc="upper right", fontsize=8)
        else:
            ax.text(0.5, 0.5, "no event head in this checkpoint", ha="center", transform=ax.transAxes)
        ax.set(title="top-3 event presence", xlabel="time (s)", ylabel="probability",
               ylim=(0, 1.05), xlim=(0, len(wave) / sr))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = atomic_path(out)
    fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
    tmp.replace(out)


def explain_files(model, paths: tuple[Path, Path], prompt: str, dec,
                  figure_path: Path | None = None, audioset_labels: Path | None = None) -> str:
    """Explain two audio files with `model`; with `figure_path`, also draw Figure 5
    (HTSAT's classes named from `audioset_labels`, AudioSet's class_labels_indices.csv)."""
    from adcacc.adiff_small.events import event_probs
    from adcacc.adiff_small.generate import explain

    sr = model.encoder.sample_rate
    waves = [model.read_audio(p) for p in paths]
    encoded = model.encode(waves)
    emb = encoded.embedding
    text = explain(model, emb[:1], emb[1:], [prompt], dec)[0]
    if figure_path is not None:
        draw(figure_path, text, [("Audio 1", waves[0], sr), ("Audio 2", waves[1], sr)],
             [event_probs(model, encoded, i, audioset_labels) for i in range(2)])
    return text
