"""ADIFF: two audios and a prompt -> a prefix for a causal LM (paper section 3, eq. 1-3).

prefix = cross_project([map1(a1) (L), sep (1), map2(a2) (L), text_map(prompt) (L)]), i.e.
3L+1 = 121 positions for L = 40. Without cross-projection (the paper's baseline) the
separator and the cross transformer are dropped: [map1(a1), map2(a2), text_map(prompt)].
"""
from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import torch
from torch import nn

from adcacc.adiff_small.config import ModelConfig
from adcacc.adiff_small.encoders import EncoderOutput, build_encoder
from adcacc.adiff_small.lm import SEPARATOR, load_lm, separator_id
from adcacc.adiff_small.mappers import PrefixMapper, Projection, transformer
from adcacc.adiff_small.release_io import read_channels, release_stop_id
from adcacc.common.audio import load_audio
from adcacc.common.errors import InputError

IGNORE = -100


class ADiff(nn.Module):
    def __init__(self, cfg: ModelConfig, trust_checkpoint: bool = False):
        super().__init__()
        self.cfg = cfg
        self.encoder = build_encoder(cfg.encoder, dim=cfg.encoder_dim,
                                     checkpoint=cfg.encoder_checkpoint,
                                     pretrained=not cfg.random_encoder, trust=trust_checkpoint)
        self.lm, self.tokenizer = load_lm(cfg.lm, cfg.gguf_file, matvec=cfg.matvec)
        self.sep_id = separator_id(self.tokenizer)
        self.stop_id = release_stop_id(self.tokenizer) if cfg.stop == "release" else self.sep_id
        width = self.lm.get_input_embeddings().weight.shape[1]
        d_enc, n = self.encoder.embed_dim, cfg.prefix_length
        # Per-feature statistics of the training clips' embeddings (set by the trainer, saved
        # in checkpoints). Pretrained clip embeddings share a large common component (aisfx:
        # spread across clips is half the mean magnitude), so unstandardized inputs make every
        # prefix nearly the same and the LM learns to ignore the audio.
        self.register_buffer("embed_mean", torch.zeros(d_enc))
        self.register_buffer("embed_std", torch.ones(d_enc))
        self.projection = Projection(d_enc, cfg.d_proj, cfg.dropout)
        self.audio_map1 = PrefixMapper(cfg.d_proj, width, n, cfg.mapper_layers)
        self.audio_map2 = PrefixMapper(cfg.d_proj, width, n, cfg.mapper_layers)
        self.text_map = PrefixMapper(None, width, cfg.text_length, cfg.mapper_layers)
        self.cross = transformer(width, 4, cfg.cross_layers) if cfg.cross_projection else None
        if (cfg.prompt_format not in ("plain", "release") or cfg.audio_fit not in ("pad", "repeat")
                or cfg.audio_channels not in ("mean", "concat") or cfg.stop not in ("eos", "release")):
            raise InputError(None, f"model.prompt_format {cfg.prompt_format!r} / audio_fit {cfg.audio_fit!r} / "
                                   f"audio_channels {cfg.audio_channels!r} / stop {cfg.stop!r}: choose "
                                   "plain|release, pad|repeat, mean|concat and eos|release")
        # A small event head only for encoders without their own (HTSAT has AudioSet's).
        own_head = getattr(self.encoder, "event_classes", None) is not None
        self.event_head = nn.Linear(d_enc, len(cfg.event_labels)) if cfg.event_labels and not own_head else None
        self.freeze(encoder=True, lm=True)

    # --- freezing -------------------------------------------------------------------
    def freeze(self, *, encoder: bool, lm: bool) -> None:
        """Projections, mappers and cross-projection always train (paper: zeta, beta)."""
        self.encoder.requires_grad_(not encoder)
        self.lm.requires_grad_(not lm)
        if self.event_head is not None:  # trained separately on event labels
            self.event_head.requires_grad_(False)

    def train(self, mode: bool = True):
        super().train(mode)
        # Frozen parts stay in eval mode so dropout never perturbs them.
        if not any(p.requires_grad for p in self.encoder.parameters()):
            self.encoder.eval()
        if not any(p.requires_grad for p in self.lm.parameters()):
            self.lm.eval()
        return self

    # --- inputs ---------------------------------------------------------------------
    def set_embedding_stats(self, embeddings: torch.Tensor) -> None:
        """Standardize clip embeddings with these statistics (rows = training clips)."""
        device = self.embed_mean.device
        self.embed_mean.copy_(embeddings.mean(0).to(device))
        self.embed_std.copy_(embeddings.std(0).clamp_min(1e-6).to(device) if len(embeddings) > 1
                             else torch.ones_like(self.embed_std))

    def read_audio(self, path: Path, where: str | None = None) -> np.ndarray:
        """A clip at the encoder's rate, its channels as model.audio_channels says: our mono
        (a silent clip refused), or the release's channels end to end (a silent clip kept)."""
        sr = self.encoder.sample_rate
        if self.cfg.audio_channels == "concat":
            return read_channels(path, sr, where)
        return load_audio(path, sr, where=where)

    def fit_clip(self, wave: np.ndarray) -> np.ndarray:
        """A fixed-window encoder's input (model.audio_fit); other encoders take any length."""
        n = getattr(self.encoder, "clip_samples", None)
        if n is None or self.cfg.audio_fit == "pad" or len(wave) == 0:
            return wave
        if len(wave) <= n:
            return np.tile(wave, -(-n // len(wave)))[:n]
        start = np.random.default_rng(zlib.crc32(wave.tobytes())).integers(len(wave) - n)
        return wave[start:start + n]

    def encode(self, waves: list[np.ndarray]) -> EncoderOutput:
        waves = [self.fit_clip(w) for w in waves]
        trainable = any(p.requires_grad for p in self.encoder.parameters())
        with torch.set_grad_enabled(trainable and torch.is_grad_enabled()):
            return self.encoder(waves)

    def tokenize_prompts(self, prompts: list[str]) -> torch.Tensor:
        """[B, text_length] prompt ids, truncated and right-padded (model.prompt_format)."""
        n = self.cfg.text_length
        if self.cfg.prompt_format == "release":
            prompts = [f"{p} {SEPARATOR}" for p in prompts]
            pad = self.tokenizer.convert_tokens_to_ids("!")
        else:
            pad = self.sep_id
        rows = self.tokenizer(prompts, truncation=True, max_length=n, add_special_tokens=False)["input_ids"]
        return torch.tensor([r + [pad] * (n - len(r)) for r in rows], dtype=torch.long)

    def tokenize_targets(self, answers: list[str], max_tokens: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Token ids ending with the separator (end of text) and their labels (pad = IGNORE)."""
        rows = [self.tokenizer(a, add_special_tokens=False)["input_ids"][: max_tokens - 1] + [self.sep_id]
                for a in answers]
        width = max(len(r) for r in rows)
        ids = torch.full((len(rows), width), self.sep_id, dtype=torch.long)
        labels = torch.full((len(rows), width), IGNORE, dtype=torch.long)
        for i, r in enumerate(rows):
            ids[i, : len(r)] = torch.tensor(r)
            labels[i, : len(r)] = torch.tensor(r)
        return ids, labels

    # --- prefix and loss ------------------------------------------------------------
    def prefix(self, emb1: torch.Tensor, emb2: torch.Tensor, prompt_ids: torch.Tensor) -> torch.Tensor:
        wte = self.lm.get_input_embeddings()
        device = wte.weight.device
        emb1, emb2 = emb1.to(device), emb2.to(device)
        if self.cfg.audio_blind:  # one constant input for every clip: nothing to hear
            emb1, emb2 = torch.zeros_like(emb1), torch.zeros_like(emb2)
        if self.cfg.standardize:
            emb1, emb2 = ((e - self.embed_mean) / self.embed_std for e in (emb1, emb2))
        p1, p2 = self.projection(emb1), self.projection(emb2)
        if self.cfg.normalize_prefix:
            p1 = p1 / p1.norm(dim=-1, keepdim=True).clamp_min(1e-8)
            p2 = p2 / p2.norm(dim=-1, keepdim=True).clamp_min(1e-8)
        a1, a2 = self.audio_map1(p1), self.audio_map2(p2)
        text = self.text_map(wte(prompt_ids.to(device)))
        if self.cross is None:
            return torch.cat([a1, a2, text], dim=1)
        sep = wte(torch.full((a1.shape[0], 1), self.sep_id, device=device))
        return self.cross(torch.cat([a1, sep, a2, text], dim=1))

    def logits(self, emb1, emb2, prompt_ids, target_ids) -> torch.Tensor:
        """[B, T, V] next-token logits predicting each of the T target tokens.

        The LM head runs only where a target is predicted (the last prefix position and the
        targets but the last): with a 49k vocabulary it would otherwise cost as much as the
        transformer for the prefix positions, whose logits no loss uses.
        """
        prefix = self.prefix(emb1, emb2, prompt_ids)
        device, n = prefix.device, target_ids.shape[1]
        embeds = torch.cat([prefix, self.lm.get_input_embeddings()(target_ids.to(device))], dim=1)
        hidden = self.lm.base_model(inputs_embeds=embeds).last_hidden_state
        return self.lm.get_output_embeddings()(hidden[:, -n - 1:-1])

    def forward(self, emb1, emb2, prompt_ids, target_ids, labels) -> torch.Tensor:
        """Mean next-token cross-entropy over the target tokens (paper eq. 3)."""
        logits = self.logits(emb1, emb2, prompt_ids, target_ids)
        device = logits.device
        return nn.functional.cross_entropy(logits.flatten(0, 1).float(), labels.to(device).flatten(),
                                           ignore_index=IGNORE)

    # --- checkpoint content ---------------------------------------------------------
    def trainable_state(self, include_lm: bool, include_encoder: bool) -> dict[str, torch.Tensor]:
        """Everything the package/hub weights cannot restore: adapters always, the LM and
        encoder only when a stage trained them (or the encoder is random)."""
        skip = []
        if not include_lm:
            skip.append("lm.")
        if not include_encoder:
            skip.append("encoder.")
        return {k: v.detach().cpu().contiguous().clone() for k, v in self.state_dict().items()
                if not any(k.startswith(s) for s in skip)}  # on the CPU: safetensors files hold host tensors
