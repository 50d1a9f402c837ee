"""The toy base model: a tiny model of the experiment's family (Qwen2-Audio, or a Qwen-Omni
thinker) pretrained from scratch, so the arms have something to lose.

A random tiny model scores zero on everything, so fine-tuning cannot make it forget. This
pretrains one with `swift sft --tuner_type full` (the same CLI the arms use) on what the
paper's base model already knew: captioning (the build's AC training rows) and the retention
proxy tasks (the corpus's retention TRAINING clips, asked with the eval prompts of
evals/sets/tasks.py). Held-out scenes and retention test clips are never in it. Its vocabulary is
the Qwen2 BPE cut to the texts of the experiment (recipes/trimmed_vocab.py), which makes a
full step about 10x cheaper than with the 156k-way output layer.
"""
from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from adcacc.common.errors import InputError
from adcacc.common.files import read_csv, write_text
from adcacc.common.swift_rows import SwiftRow, read_swift_rows
from adcacc.data_builders.corpus.build import RETENTION_DIRS
from adcacc.data_builders.layout import dataset_file
from adcacc.data_builders.prompts import AC_PROMPTS
from adcacc.evals.sets.tasks import CAPTION, CAPTION_PROMPT, SPOKEN, TASK_LABELS, task_prompt
from adcacc.recipes.swift_flags import flag_argv

TRAIN_FILE = "pretrain.jsonl"
RETENTION_TRAIN = {task: f"{RETENTION_DIRS['train']}/{task}_proxy.csv" for task in ("vsc", "mic", "ser")}
CHAT_TEXTS = ("system\nYou are a helpful assistant.\n", "user\n", "assistant\n")  # ms-swift's default system
# `swift sft` flags of the pretraining; all our choice (no paper pretrains a tiny model).
# The experiment's `model.pretrain.overrides` come after these and win.
FLAGS: dict[str, Any] = {
    "model_type": "qwen2_audio",  # the family's (pretrain_argv)
    "tuner_type": "full", "freeze_vit": False, "freeze_aligner": False,  # from scratch: train everything
    "torch_dtype": "float32", "bf16": False, "fp16": False,  # CPU
    "learning_rate": 2e-3,  # a 64-wide model from scratch; 1e-4 barely moves it in 300 steps
    "lr_scheduler_type": "cosine", "warmup_ratio": 0.05, "weight_decay": 0.0,
    "per_device_train_batch_size": 8, "gradient_accumulation_steps": 1,
    "gradient_checkpointing": False,  # activations of a 64-wide model are small; it costs time
    "max_steps": 200, "num_train_epochs": 100,  # max_steps binds
    "save_only_model": True, "save_total_limit": 1, "add_version": False,  # checkpoints right in output_dir
    "split_dataset_ratio": 0.0, "eval_strategy": "no",  # held-out data is scored by the eval stages
    "logging_steps": 10, "dataloader_num_workers": 0, "dataset_num_proc": 1, "check_model": False,
    "seed": 0, "data_seed": 0,
}


def vocabulary_texts(build_dir: Path, corpus: Path | None = None) -> list[str]:
    """Every prompt and answer the experiment will train or evaluate on, sorted: the texts
    the tiny model's vocabulary is cut to (with a corpus: its pretraining scenes' captions too)."""
    texts = {CAPTION_PROMPT, *CHAT_TEXTS, *AC_PROMPTS, *(task_prompt(t) for t in TASK_LABELS)}
    if corpus is not None and (Path(corpus) / PRETRAIN_CAPTIONS).is_file():
        texts |= {r[k] for r in read_csv(Path(corpus) / PRETRAIN_CAPTIONS, ("id", "path", *PRETRAIN_STYLES))
              for k in PRETRAIN_STYLES}
    if corpus is not None and (Path(corpus) / EVENTS_CSV).is_file():
        texts |= set(phrasing_texts(Path(corpus)))
    texts |= {SPOKEN.get(lab, lab) for labels in TASK_LABELS.values() for lab in labels}
    for path in sorted(Path(build_dir).glob("*.jsonl")):
        texts |= {text for _, row in read_swift_rows(path, empty_ok=True) for text in (row.prompt, row.answer)}
    return sorted(texts)


def _chat(prompt: str, answer: str, audio: Path) -> SwiftRow:
    return SwiftRow(prompt, answer, (str(audio),))


CAPTION_SOURCES = ("build", "corpus_pretrain")  # what the base learns to caption (model.pretrain.captions)
PRETRAIN_CAPTIONS = "pretrain/captions.csv"  # in the corpus: scenes for pretraining only
# Our choice: the base captions each pretraining scene in one of the corpus's other four
# paraphrase templates (drawn per scene), never in the fine-tuning captions' (caption_1,
# "B while X and Y"), so fine-tuning teaches AC (and ACC, whose targets are such captions) a
# caption style, as AudioCaps fine-tuning teaches a general audio model AudioCaps' style. All
# four are needed: with one (pilot 6, caption_5's noun phrases only) the base had never written
# the verb forms ("a dog barks") that caption_1 uses, and a LoRA could not learn to emit them.
PRETRAIN_STYLES = ("caption_2", "caption_3", "caption_4", "caption_5")
EVENTS_CSV = "events.csv"  # in the corpus: the single-event pool the build mixes in
PHRASING_PROMPT = "Write the audio edit instruction: {op} {what}."
MAX_PHRASING = 10_000


def caption_rows(build_dir: Path, corpus: Path, source: str) -> list[SwiftRow]:
    """The pretraining's captioning rows. "build": the build's AC training rows (the scenes the
    arms fine-tune on). "corpus_pretrain": the corpus's pretraining scenes (data.corpus.pretrain),
    drawn like the bases but never mixed or fine-tuned on, each with a prompt from the AC
    training pool: the base has not seen the fine-tuning scenes, as the paper's base never saw
    its ADC/ACC mixes, so the AC arm has something left to learn."""
    if source == "build":
        return [row for _, row in read_swift_rows(Path(build_dir) / dataset_file("ac", "train"))]
    path = Path(corpus) / PRETRAIN_CAPTIONS
    if not path.is_file():
        raise InputError(path, "not found: pretraining on corpus_pretrain needs data.corpus.pretrain "
                               "(a number of pretraining scenes) in the experiment")
    rng = random.Random(1)
    return [_chat(rng.choice(AC_PROMPTS), r[rng.choice(PRETRAIN_STYLES)], path.parent / r["path"])
            for r in read_csv(path, ("id", "path", *PRETRAIN_STYLES))]


def phrasing_rows(corpus: Path, n: int) -> list[SwiftRow]:
    """`n` instruction-phrasing rows: told which event to add, remove or replace and where, the
    base writes the edit instruction (adcacc.data_builders.targets' templates), over a pretraining
    scene's audio. Our choice, a toy stand-in for an instruct model's general ability to
    phrase requests: without it the base has never written "Add", "Remove" or "the sound of",
    and a LoRA on it cannot learn to (its output layer rows for them are untrained), so the
    ADC arm could not learn its task at all. The pair task itself (finding what changed
    between two clips) stays new to the base."""
    scenes = [Path(corpus) / "pretrain" / r["path"] for r in read_csv(Path(corpus) / PRETRAIN_CAPTIONS, ("path",))]
    return [_chat(prompt, answer, scenes[i % len(scenes)]) for i, (prompt, answer) in
            enumerate(_phrasings(Path(corpus), n))]


def phrasing_texts(corpus: Path) -> list[str]:
    """The texts phrasing rows may use (vocabulary): every op x label x place, templates drawn."""
    return [t for pair in _phrasings(corpus, MAX_PHRASING) for t in pair]


def _phrasings(corpus: Path, n: int) -> list[tuple[str, str]]:
    import numpy as np

    from adcacc.data_builders.targets import CONTEXTS, instruction

    labels = sorted({r["label"] for r in read_csv(Path(corpus) / EVENTS_CSV, ("label",))})
    rng, pick = np.random.default_rng(2), random.Random(2)
    out = []
    for _ in range(n):
        op, (a, b), where = pick.choice(("add", "delete", "replace")), pick.sample(labels, 2), pick.choice(CONTEXTS)
        what = f"{a} with {b} {where}" if op == "replace" else f"{a} {where}"
        text = instruction(op, rng, a, b if op == "replace" else "", where, where if op == "replace" else "")
        out.append((PHRASING_PROMPT.format(op=op, what=what), text))
    return out


def write_pretrain_data(build_dir: Path, corpus: Path, out_dir: Path, retention_repeats: int | dict[str, int] = 2,
                        captions: str = "build", edit_phrasing: int = 0) -> dict:
    """out_dir/pretrain.jsonl: captioning rows (`caption_rows`), `edit_phrasing` phrasing rows,
    and each retention training clip `retention_repeats` times (they are few; an int for every
    task or a map task -> count, 2 for a task it does not name), shuffled with
    a fixed seed; returns row counts."""
    rows = caption_rows(build_dir, corpus, captions)
    counts = {CAPTION: len(rows)}
    if edit_phrasing:
        rows += phrasing_rows(corpus, edit_phrasing)
        counts["edit_phrasing"] = edit_phrasing
    for task, rel in RETENTION_TRAIN.items():
        csv_path = Path(corpus) / rel
        clips = [_chat(task_prompt(task), SPOKEN.get(r["label"], r["label"]), csv_path.parent / r["path"])
                 for r in read_csv(csv_path, ("id", "path", "label"))]
        rows += clips * (retention_repeats.get(task, 2) if isinstance(retention_repeats, dict) else retention_repeats)
        counts[task] = len(clips)
    random.Random(0).shuffle(rows)
    write_text(Path(out_dir) / TRAIN_FILE, "".join(r.to_line() for r in rows))
    return counts


def pretrain_checkpoint(sft_out: Path, overrides: dict[str, Any]) -> Path:
    """Where the pretraining's one checkpoint lands: swift saves at `max_steps` into
    `checkpoint-<max_steps>` (FLAGS keep one checkpoint, no version subfolder), known before the
    run, so a dry run prints the `--model` every arm will get."""
    return Path(sft_out) / f"checkpoint-{int({**FLAGS, **overrides}['max_steps'])}"


def pretrain_argv(model: Path, data_dir: Path, overrides: dict[str, Any], family: str = "qwen2_audio") -> list[str]:
    """`swift sft` arguments of the pretraining: FLAGS with the family's model_type, then the
    experiment's overrides."""
    from adcacc.common.model_families import FAMILIES

    flags = {**FLAGS, "model_type": FAMILIES[family].model_type, **overrides}
    flags.setdefault("save_steps", flags["max_steps"])
    return ["sft", "--model", str(model), "--dataset", str(Path(data_dir) / TRAIN_FILE), *flag_argv(flags)]


def training_answers(data_dir: Path, task: str) -> list[str]:
    """The answers the pretraining taught for `task` ("caption" or a retention task)."""
    prompts = {task_prompt(t): t for t in RETENTION_TRAIN}
    answers = []
    for _, row in read_swift_rows(Path(data_dir) / TRAIN_FILE):
        if row.prompt.startswith(PHRASING_PROMPT.split("{")[0]):
            continue  # not a caption: the toy base's instruction phrasing
        if prompts.get(row.prompt, CAPTION) == task:
            answers.append(row.answer)
    return answers
