"""Audio encoders behind one interface: HTSAT (the paper's), aisfx (offline), tiny (tests).

Each takes a list of mono waveforms at its own `sample_rate` and returns clip embeddings plus
what the hallucination view needs: frame-level event probabilities (HTSAT's own AudioSet
head) or frame embeddings that a small event head (`events.py`) turns into probabilities.
"""
from __future__ import annotations

import importlib
import importlib.machinery
import sys
import types
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from adcacc.common.errors import InputError
from adcacc.common.torch_files import load_torch_file, read_safetensors

# aisfx's shipped weights file pickles numpy integers in its dataset table: plain data, so
# weights_only may build them (and nothing else) instead of unpickling with weights_only=False.
_NUMPY_DATA = ((np._core.multiarray.scalar, "numpy.core.multiarray.scalar"), np.dtype,
               np.dtypes.Int64DType)


@dataclass
class EncoderOutput:
    embedding: torch.Tensor  # [B, D] one vector per clip
    frames: list[torch.Tensor]  # per clip [T, D] frame embeddings (or [T, C] probabilities)
    frames_are_probs: bool  # True when `frames` already holds event probabilities
    hop_s: float  # seconds between frames
    offset_s: float  # time of the first frame's centre


class TinyEncoder(nn.Module):
    """Random log-mel + conv encoder: small and fast, for tests and the language-only check."""

    sample_rate = 16_000
    hop = 160

    def __init__(self, dim: int = 32, n_mels: int = 32):
        super().__init__()
        import librosa

        mel = librosa.filters.mel(sr=self.sample_rate, n_fft=400, n_mels=n_mels)
        self.register_buffer("mel", torch.tensor(mel, dtype=torch.float32), persistent=False)
        self.conv = nn.Conv1d(n_mels, dim, kernel_size=5, stride=4, padding=2)
        self.embed_dim = dim

    def forward(self, waves: list[np.ndarray]) -> EncoderOutput:
        frames = []
        for w in waves:
            x = torch.as_tensor(w, dtype=torch.float32, device=self.mel.device)
            spec = torch.stft(x, 400, self.hop, window=torch.hann_window(400, device=x.device),
                              return_complex=True).abs() ** 2
            logmel = torch.log(self.mel @ spec + 1e-6)
            logmel = logmel - logmel.mean()  # spectral shape, not level, tells the sounds apart
            frames.append(torch.tanh(self.conv(logmel[None]))[0].T)  # [T, D]
        emb = torch.stack([f.mean(0) for f in frames])
        return EncoderOutput(emb, frames, False, self.hop * 4 / self.sample_rate, 0.0)


class AisfxEncoder(nn.Module):
    """aisfx's sound-effects CNN (ISMIR 2022, CC BY 4.0 weights shipped in the package).

    Its 512-d embeddings come per ~2.3 s block of a 96-band log-mel at 44.1 kHz; the clip
    embedding is their mean. `pretrained=False` keeps the architecture with random weights
    (the paper's language-only ablation).
    """

    sample_rate = 44_100
    embed_dim = 512

    def __init__(self, pretrained: bool = True):
        super().__init__()
        from aisfx import inference
        from aisfx.models.cnn2d import CrossNet, EmbeddingNet

        self._inf = inference
        self.net = EmbeddingNet("max", 3, 1, 64)  # the released X-Sequential-CE settings
        if pretrained:
            weights, ds_dict = load_torch_file(inference.get_path_modelWeights(), allow=_NUMPY_DATA)
            model = CrossNet(EmbeddingNet("max", 3, 1, 64), ds_dict, "cpu")
            model.load_state_dict(weights)
            self.net = model.embedding_net

    def _blocks(self, wave: np.ndarray) -> torch.Tensor:
        import librosa
        from aisfx import preprocessing as pre

        inf = self._inf
        y = wave / max(float(np.abs(wave).max()), 1e-9)  # aisfx peak-normalizes before the mel
        spec = librosa.feature.melspectrogram(
            y=y, sr=self.sample_rate, n_mels=inf.MEL_BINS, norm=1.0, fmin=inf.F_MIN,
            fmax=inf.F_MAX, htk=True, power=2.0, hop_length=inf.SPEC_HOP_LENGTH,
            win_length=inf.SPEC_BLOCK_LENGTH, n_fft=inf.SPEC_BLOCK_LENGTH)
        spec = pre.spectrogram_normalize(np.log10(spec * 10000.0 + 1).T, "original")
        block, hop = inf.EMB_BLOCK_LENGTH, inf.EMB_BLOCK_LENGTH // 4  # 0.58 s between frames
        if spec.shape[0] < block:
            spec = np.pad(spec, ((0, block - spec.shape[0]), (0, 0)))
        starts = range(0, spec.shape[0] - block + 1, hop)
        blocks = np.stack([spec[s:s + block] for s in starts]).astype(np.float32)
        return torch.from_numpy(blocks).to(next(self.parameters()).device)

    def forward(self, waves: list[np.ndarray]) -> EncoderOutput:
        frames = [self.net(self._blocks(w)) for w in waves]
        emb = torch.stack([f.mean(0) for f in frames])
        hop_s = self._inf.EMB_BLOCK_LENGTH // 4 * self._inf.SPEC_HOP_LENGTH / self.sample_rate
        block_s = self._inf.EMB_BLOCK_LENGTH * self._inf.SPEC_HOP_LENGTH / self.sample_rate
        return EncoderOutput(emb, frames, False, hop_s, block_s / 2)


def _import_htsat():
    """msclap's HTSAT (the same code ADIFF ships), imported under a private package name:
    msclap/__init__ imports torchaudio (no CPU build matches torch 2.13) for its CLAP
    wrapper only, and other code may have put a stand-in `msclap` into sys.modules."""
    alias = "_adcacc_msclap"
    if alias not in sys.modules:
        spec = importlib.machinery.PathFinder.find_spec("msclap")  # ignores sys.modules
        if spec is None:
            raise InputError(None, "HTSAT needs the msclap package: pip install --no-deps msclap torchlibrosa")
        pkg = types.ModuleType(alias)
        pkg.__path__ = list(spec.submodule_search_locations)
        sys.modules[alias] = pkg
    return importlib.import_module(f"{alias}.models.htsat").HTSATWrapper


class HTSATEncoder(nn.Module):
    """HTSAT (Chen et al. 2022) at 32 kHz, 10 s, 768-d; frame-level AudioSet probabilities."""

    sample_rate = 32_000
    embed_dim = 768
    clip_samples = 320_000
    event_classes = 527  # its own AudioSet head: frames are probabilities, no event head needed

    def __init__(self, checkpoint: str | None = None, trust: bool = False):
        super().__init__()
        self.base = _import_htsat()(32000, 1024, 320, 64, 50, 14000, 527, 768)
        if checkpoint:
            load_matching(self.base.htsat, checkpoint,
                          ("audio_encoder.base.htsat.", "sed_model.", "htsat.", "module."), trust)

    def forward(self, waves: list[np.ndarray]) -> EncoderOutput:
        fixed = [np.pad(w[: self.clip_samples], (0, max(0, self.clip_samples - len(w)))) for w in waves]
        x = torch.from_numpy(np.stack(fixed)).to(next(self.parameters()).device)
        out = self.base(x)
        probs = list(out["framewise_output"])
        hop = 10.0 / probs[0].shape[0]
        return EncoderOutput(out["embedding"], probs, True, hop, hop / 2)


def read_state_dict(path: str | Path, trust: bool = False) -> dict[str, torch.Tensor]:
    """Tensors of a user checkpoint (.safetensors, or a torch/Lightning .ckpt/.pt/.pth).

    Pickled files load with weights_only; one that pickles more (a Lightning checkpoint's
    hyper-parameters) needs `trust` (--trust-checkpoint)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "checkpoint not found")
    if path.suffix == ".safetensors":
        return read_safetensors(path, "export or download it again")
    obj = load_torch_file(path, trust=trust)
    for key in ("state_dict", "model"):
        if isinstance(obj, dict) and isinstance(obj.get(key), dict):
            obj = obj[key]
    return {k: v for k, v in obj.items() if isinstance(v, torch.Tensor)}


def load_matching(module: nn.Module, path: str | Path, prefixes: tuple[str, ...],
                  trust: bool = False) -> None:
    """Load the keys of `path` that belong to `module` under any known prefix; all must exist."""
    state = read_state_dict(path, trust)
    wanted = module.state_dict()
    for prefix in (*prefixes, ""):
        sub = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
        if sub and all(k in sub for k in wanted):
            module.load_state_dict({k: sub[k] for k in wanted})
            return
    raise InputError(path, f"does not hold weights for {type(module).__name__} "
                           f"(looked under prefixes {', '.join(p or '<none>' for p in prefixes)})")


def build_encoder(kind: str, *, dim: int = 32, checkpoint: str | None = None,
                  pretrained: bool = True, trust: bool = False) -> nn.Module:
    if kind == "tiny":
        return TinyEncoder(dim)
    if kind == "aisfx":
        return AisfxEncoder(pretrained=pretrained)
    if kind == "htsat":
        return HTSATEncoder(checkpoint if pretrained else None, trust)
    raise InputError(None, f"unknown encoder kind {kind!r} (choose tiny, aisfx or htsat)")
