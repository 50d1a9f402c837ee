"""`adcacc adiff train`: the paper's stages, resumable, seeded.

Stage "grounding": encoder and LM frozen, projections/mappers/cross-projection learn, with
position-captioning rows mixed in. Stage "finetune": LM unfrozen at a small learning rate
with warmup and cosine decay. The data order and prompt choice of every step derive from
(seed, stage, epoch, batch), and RNG states travel in checkpoints, so a run killed and
resumed ends with the same weights as one that never stopped.
"""
from __future__ import annotations

import json
import math
import random
from pathlib import Path

import torch
import yaml
from tqdm import tqdm

from adcacc.adiff_small import checkpoint, data, prompts
from adcacc.adiff_small.config import ADiffConfig, to_dict
from adcacc.adiff_small.embeddings import EmbeddingCache
from adcacc.adiff_small.events import fit_event_head
from adcacc.common.errors import InputError
from adcacc.common.files import write_text
from adcacc.common.owned_dir import owned
from adcacc.common.torch_files import load_torch_file
from adcacc.common.yaml_files import read_yaml


def training_rows(cfg: ADiffConfig) -> list[data.Row]:
    if not cfg.data.train:
        raise InputError(None, "config has no data.train files")
    rows = data.load_split(cfg.data.train, cfg.data.audio_roots, cfg.data.train_splits,
                           cfg.data.max_rows)
    wanted = {prompts.TIERS[t] for t in cfg.data.tiers}
    tiers = [r for r in rows if r.task in wanted]
    if cfg.train.position_captioning:
        tiers += data.position_rows(tiers)
    return tiers


def event_clips(events_csv: Path) -> list[tuple[Path, str]]:
    return [(c.path, c.text) for c in data.read_clips(events_csv) if c.is_label]


def _batch_prompts(rows: list[data.Row], seed: int, stage: int, epoch: int, b: int) -> list[str]:
    rng = random.Random(f"{seed}/{stage}/{epoch}/{b}")
    return [prompts.sample(r.task, rng) for r in rows]


def length_grouped_batches(order: list[int], lengths: list[int], batch_size: int,
                           seed: str) -> list[list[int]]:
    """Batches of similar target length (as transformers' LengthGroupedSampler): within each
    chunk of 16 batches of the shuffled order rows are sorted by length, then batches are
    shuffled. Label-only position-captioning rows then stop padding to a tier-1 sentence,
    which cut the CPU demo's step time by about a third."""
    chunk = 16 * batch_size
    batches = []
    for i in range(0, len(order), chunk):
        part = sorted(order[i:i + chunk], key=lambda j: -lengths[j])
        batches += [part[k:k + batch_size] for k in range(0, len(part), batch_size)]
    random.Random(seed).shuffle(batches)
    return batches


def _check_run_dir(run: Path, cfg_dict: dict) -> None:
    saved = run / "config.yaml"
    if saved.is_file() and read_yaml(saved) != cfg_dict:
        raise InputError(run, "holds a run with another config; use a new train.out_dir "
                              "(--set train.out_dir=...) or delete the folder")
    run.mkdir(parents=True, exist_ok=True)
    write_text(saved, yaml.safe_dump(cfg_dict, sort_keys=False))


def _scheduler(opt, stage, total: int, per_epoch: int):
    from transformers import get_constant_schedule_with_warmup, get_cosine_schedule_with_warmup

    if stage.scheduler == "cosine":
        return get_cosine_schedule_with_warmup(opt, stage.warmup_steps, max(total, 1))
    if stage.scheduler == "constant":
        return get_constant_schedule_with_warmup(opt, stage.warmup_steps)
    if stage.scheduler == "step":  # the paper's "warmup and step decay" (appendix G)
        every, warm = max(1, stage.step_epochs * per_epoch), stage.warmup_steps
        return torch.optim.lr_scheduler.LambdaLR(
            opt, lambda s: min(1.0, (s + 1) / warm if warm else 1.0) * stage.step_gamma ** (s // every))
    raise InputError(None, f"unknown scheduler {stage.scheduler!r} (cosine, constant or step)")


class Trainer:
    def __init__(self, cfg: ADiffConfig, model, progress: bool = True, cache: EmbeddingCache | None = None):
        self.cfg, self.model, self.progress = cfg, model, progress
        self.run = Path(cfg.train.out_dir)
        self.stages = cfg.active_stages()
        self.rows = training_rows(cfg)
        d = cfg.data
        if d.crops_per_clip < 1 or (d.crop_seconds is not None and not d.crop_seconds > 0):
            raise InputError(None, "data.crops_per_clip must be >= 1 and data.crop_seconds > 0 (or null)")
        self.cache = cache or EmbeddingCache(model, d.crops_per_clip, d.crop_seconds, cfg.train.seed)
        if self.cache.model is None:
            self.cache.model = model
        self.state = {"stage": 0, "epoch": 0, "batch": 0, "step": 0, "losses": []}

    def include_flags(self, upto: int) -> tuple[bool, bool]:
        done = self.stages[: upto + 1]
        lm = any(s.train_lm for s in done)
        # The encoder stays frozen; its weights are saved when a package or hub cannot restore
        # them (random or tiny) or came from a user's checkpoint (later loads then need no pickle).
        m, init = self.cfg.model, bool(self.cfg.train.init_from)  # an init checkpoint may hold both
        enc = m.random_encoder or m.encoder == "tiny" or bool(m.encoder_checkpoint) or init
        return lm or init, enc

    def training_event_clips(self) -> list[tuple[Path, str]]:
        """The labelled clips of data.events that training rows use: held-out clips never
        shape the event head that later explains them."""
        used = {p.resolve() for r in self.rows for p in (r.audio1, r.audio2)}
        clips = [(p, lab) for p, lab in event_clips(Path(self.cfg.data.events)) if p.resolve() in used]
        if not clips:
            raise InputError(self.cfg.data.events, "none of its clips occur in the training rows")
        return clips

    def save(self, opt, sched) -> Path:
        lm, enc = self.include_flags(self.state["stage"])
        weights = self.model.trainable_state(include_lm=lm, include_encoder=enc)
        optim = {"opt": opt.state_dict(), "sched": sched.state_dict(), "rng": torch.get_rng_state()}
        ck = checkpoint.save(self.run, self.state["step"], weights, to_dict(self.cfg),
                             self.state, optim)
        log = "".join(json.dumps(x) + "\n" for x in self.state["losses"])
        write_text(self.run / "train_log.jsonl", log)
        return ck

    def resume(self):
        ck = checkpoint.latest(self.run)
        if ck is None:
            return None
        checkpoint.restore(self.model, ck)
        self.state = checkpoint.read_state(ck)
        optim = ck / "optimizer.pt"
        return load_torch_file(optim) if optim.is_file() else None

    def fit(self) -> Path:
        self.cache.fill([(p, r.where) for r in self.rows for p in (r.audio1, r.audio2)], self.progress)
        saved = self.resume()
        if saved is None and self.cfg.train.init_from:  # its embedding statistics come with it
            checkpoint.restore(self.model, checkpoint.resolve(self.cfg.train.init_from))
        elif saved is None and self.cfg.model.standardize:
            used = [p for r in self.rows for p in (r.audio1, r.audio2)]
            self.model.set_embedding_stats(self.cache.all_embeddings(used))
        if saved is None and self.cfg.data.events and self.model.event_head is not None:
            clips = self.training_event_clips()
            acc = fit_event_head(self.model, clips, seed=self.cfg.train.seed, progress=self.progress,
                                 cache=self.cache)
            print(f"event head: {len(self.cfg.model.event_labels)} labels, fitted on {len(clips)} "
                  f"training clips, frame accuracy on them {acc:.2f}")
        elif saved is None and self.cfg.data.events:
            print(f"event view: the {self.cfg.model.encoder} encoder's own AudioSet head; data.events not used")
        last = None
        for si in range(self.state["stage"], len(self.stages)):
            last = self._run_stage(si, saved if si == self.state["stage"] else None)
            saved = None
        return last or checkpoint.latest(self.run)

    def _run_stage(self, si: int, saved: dict | None) -> Path | None:
        stage, cfg = self.stages[si], self.cfg.train
        self.model.freeze(encoder=True, lm=not stage.train_lm)
        params = [p for p in self.model.parameters() if p.requires_grad]
        opt = torch.optim.Adam(params, lr=stage.lr)  # paper: Adam (appendix G)
        per_epoch = math.ceil(len(self.rows) / cfg.batch_size)
        sched = _scheduler(opt, stage, per_epoch * stage.epochs, per_epoch)
        if saved is not None and self.state["stage"] == si:
            opt.load_state_dict(saved["opt"])
            sched.load_state_dict(saved["sched"])
            torch.set_rng_state(saved["rng"])
        else:
            self.state.update(stage=si, epoch=0, batch=0)
            torch.manual_seed(cfg.seed + 1000 * si)
        ck = None
        self.model.train()
        lengths = [len(r.answer) for r in self.rows]
        for epoch in range(self.state["epoch"], stage.epochs):
            seed = cfg.seed * 100_003 + si * 1009 + epoch
            order = torch.randperm(len(self.rows), generator=torch.Generator().manual_seed(seed)).tolist()
            batches = (length_grouped_batches(order, lengths, cfg.batch_size, f"{seed}") if cfg.group_by_length
                       else [order[k:k + cfg.batch_size] for k in range(0, len(order), cfg.batch_size)])
            bar = tqdm(range(self.state["batch"], per_epoch), disable=not self.progress,
                       desc=f"{stage.name} epoch {epoch + 1}/{stage.epochs}", unit="step")
            for b in bar:
                batch = [self.rows[i] for i in batches[b]]
                loss = self._step(batch, _batch_prompts(batch, cfg.seed, si, epoch, b), opt, sched, params,
                                  epoch)
                self.state.update(epoch=epoch, batch=b + 1, step=self.state["step"] + 1)
                self.state["losses"].append({"stage": stage.name, "epoch": epoch, "step": self.state["step"],
                                             "loss": round(loss, 6)})
                bar.set_postfix(loss=f"{loss:.3f}")
                if self.state["step"] % cfg.save_every == 0 and b + 1 < per_epoch:
                    ck = self.save(opt, sched)
            self.state.update(epoch=epoch + 1, batch=0)
            ck = self.save(opt, sched)
        self.state.update(stage=si + 1, epoch=0, batch=0)
        return ck

    def _step(self, batch, batch_prompts, opt, sched, params, epoch: int = 0) -> float:
        m = self.model
        emb1 = self.cache.get([r.audio1 for r in batch], epoch)
        emb2 = self.cache.get([r.audio2 for r in batch], epoch)
        ids, labels = m.tokenize_targets([r.answer for r in batch], self.cfg.data.max_answer_tokens)
        loss = m(emb1, emb2, m.tokenize_prompts(batch_prompts), ids, labels)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, self.cfg.train.grad_clip)
        opt.step()
        sched.step()
        return float(loss.detach())


def train(cfg: ADiffConfig, progress: bool = True, trust_checkpoint: bool = False,
          cache: EmbeddingCache | None = None, device: str = "cpu") -> Path:
    """Train (or resume) the run in cfg.train.out_dir; returns the final checkpoint folder.
    `trust_checkpoint` allows an encoder checkpoint that needs full unpickling. `cache`:
    clip embeddings shared by runs whose frozen encoder and crops are the same (the demo's
    arms and seeds), so each clip is encoded once. `device`: cpu, cuda or cuda:N (the model
    and its optimizer live there; checkpoints are written from host copies)."""
    from adcacc.adiff_small.model import ADiff
    from adcacc.common.devices import torch_device

    where = torch_device(device)  # a CUDA device that is not there: refused before any work
    run = Path(cfg.train.out_dir)
    if cfg.data.events and not cfg.model.event_labels and cfg.model.encoder != "htsat":
        cfg.model.event_labels = sorted({lab for _, lab in event_clips(Path(cfg.data.events))})
    torch.manual_seed(cfg.train.seed)  # the same random init (mappers, random encoder) per seed
    model = ADiff(cfg.model, trust_checkpoint=trust_checkpoint).to(where)  # bad weights: nothing written yet
    with owned(run, "adcacc adiff train", option="train.out_dir", legacy=("config.yaml",)):
        _check_run_dir(run, to_dict(cfg))
        return Trainer(cfg, model, progress, cache=cache).fit()
