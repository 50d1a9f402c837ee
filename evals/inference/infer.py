"""`adcacc infer`: run a model (+ LoRA adapter) over an eval set into a resumable run folder.

This module drives a run; generation itself is a backend (`adcacc.evals.inference.backends`). Rows are
appended to OUT/predictions.jsonl batch by batch (flushed and fsynced), so an interrupted run
loses at most the batch in flight; rerunning the same call skips every id already written.
Clips are batched in order of duration (less padding), so rows are not in eval-set order;
every consumer keys them by id. A folder is resumed only for the same eval-set contents
(run.json records their fingerprint): a different CSV under the same eval-set name is refused.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from pathlib import Path

from adcacc.common.content_hash import file_hashes
from adcacc.common.errors import InputError
from adcacc.common.files import iter_jsonl, write_text
from adcacc.common.owned_dir import owned
from adcacc.evals.inference.backends import open_backend
from adcacc.evals.inference.backends.chat import greedy_decoding
from adcacc.evals.inference.predictions import PREDICTIONS, RUN_META, read_run_meta
from adcacc.evals.sets.eval_items import EvalItem, EvalSet
from adcacc.evals.sets.eval_sets import load_eval_set
from adcacc.evals.sets.tasks import CAPTION, TASK_LABELS, default_prompt, spoken

TOOL = "adcacc infer"  # the owner of a run folder (adcacc.common.owned_dir)
OWN_PROMPTS = "(each row's own)"  # run.json's prompt for a set whose rows bring their prompts
SCORING_BACKENDS = ("transformers", "omni")  # the backends with a teacher-forced `score`


def run_inference(model: str, eval_set: str, data: Path, out: Path, *, adapter: str | None = None,
                  backend: str = "transformers", batch_size: int = 8, max_new_tokens: int = 64,
                  limit: int | None = None, prompt: str | None = None, dtype: str = "auto",
                  device: str = "auto", sessions: tuple[int, ...] | None = None,
                  teacher_forced: bool = False, set_name: str | None = None) -> Path:
    """Predict every clip of `eval_set` (read from `data`) not yet in `out`; returns `out`.
    `teacher_forced` also records each clip's answer log-probabilities (adcacc.evals.inference.teacher_forcing);
    `set_name` names the set in run.json (an experiment's set id) instead of the loader's name.

    `out` must be new, empty or a run folder of `adcacc infer`, and is locked while it runs."""
    with owned(out, TOOL):
        return _infer_claimed(model, eval_set, Path(data), Path(out), adapter=adapter, backend=backend,
                              batch_size=batch_size, max_new_tokens=max_new_tokens, limit=limit, prompt=prompt,
                              dtype=dtype, device=device, sessions=sessions, teacher_forced=teacher_forced,
                              set_name=set_name)


def _infer_claimed(model: str, eval_set: str, data: Path, out: Path, *, adapter: str | None, backend: str,
                   batch_size: int, max_new_tokens: int, limit: int | None, prompt: str | None, dtype: str,
                   device: str, sessions: tuple[int, ...] | None, teacher_forced: bool,
                   set_name: str | None) -> Path:
    from tqdm import tqdm

    from adcacc.common.audio import load_audio

    if adapter and not Path(adapter, "adapter_config.json").is_file():
        raise InputError(adapter, "not a LoRA adapter folder (no adapter_config.json)")
    es = load_eval_set(eval_set, Path(data), sessions, limit)
    es.name = set_name or es.name
    if teacher_forced and backend not in SCORING_BACKENDS:
        raise InputError(None, f"--teacher-forced scores answers with the {' or '.join(SCORING_BACKENDS)} "
                               f"backend only, not {backend}")
    if prompt and any(i.prompt for i in es.items):
        raise InputError(None, f"--prompt does not apply to eval set {es.name}: its rows bring their own prompts")
    for note in es.notes:
        print(f"[infer] {es.name}: {note}")
    meta = _run_meta(model, adapter, backend, es, prompt, greedy_decoding(max_new_tokens))
    meta["teacher_forced"] = teacher_forced
    meta["eval_set"]["loader"] = eval_set
    prompt = meta["prompt"]
    meta["eval_set"]["content_sha256"] = eval_set_fingerprint(es, prompt)
    _check_same_run(out, meta)
    pred_file = out / PREDICTIONS
    done = _resume(pred_file, {i.id for i in es.items})
    # Batches are cut from the whole set in duration order (less padding) BEFORE finished ids are
    # dropped, so a resumed run decodes exactly the batches an uninterrupted one would (batched
    # greedy decoding depends on a clip's batch mates through padding).
    order = sorted(es.items, key=lambda i: _duration(i, es.name))
    batches = [[i for i in order[s:s + batch_size] if i.id not in done] for s in range(0, len(order), batch_size)]
    batches = [b for b in batches if b]
    todo = [i for b in batches for i in b]
    print(f"[infer] {es.name}: {len(es.items)} clips, {len(done)} already done, {len(todo)} to go"
          + (f"; {len(es.skipped)} listed clips have no audio (recorded in run.json)" if es.skipped else ""))
    generate = (open_backend(backend, model, adapter, max_new_tokens=max_new_tokens, batch_size=batch_size,
                             dtype=dtype, device=device) if todo else None)  # fails before any write
    write_text(out / RUN_META, json.dumps(meta, indent=2, sort_keys=True) + "\n")
    if not todo:
        return out
    with open(pred_file, "a", encoding="utf-8") as f, tqdm(total=len(todo), desc="infer", unit="clip") as bar:
        for batch in batches:
            audios = [[load_audio(a, sr=generate.sample_rate, where=f"{es.name} clip {i.id}") for a in i.audios]
                      for i in batch]
            prompts = [i.prompt or prompt for i in batch]
            rows = [_row(i, prompt, p, meta) for i, p in zip(batch, generate(audios, prompts))]
            if teacher_forced:
                _add_answer_scores(rows, generate.score(audios, prompts, [_candidates(es, i) for i in batch]), es)
            f.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
            f.flush()
            os.fsync(f.fileno())
            bar.update(len(batch))
    print(f"[infer] wrote {pred_file}")
    return out


def run_constant(answer: str, name: str, eval_set: str, data: Path, out: Path, limit: int | None = None,
                 set_name: str | None = None) -> Path:
    """A trivial baseline run: `answer` for every clip of `eval_set` (the first `limit`, as
    `run_inference`, and named `set_name` as there), written exactly like a model's run
    (run.json model = `name`), so it is scored and compared like one."""
    es = load_eval_set(eval_set, Path(data), limit=limit)
    es.name = set_name or es.name
    meta = _run_meta(name, None, "constant", es, None, {"constant_answer": answer})
    meta["eval_set"]["loader"] = eval_set
    rows = [_row(item, meta["prompt"], answer, meta) for item in es.items]
    with owned(out, TOOL) as folder:
        folder.write_text(PREDICTIONS, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
        folder.write_text(RUN_META, json.dumps(meta, indent=2, sort_keys=True) + "\n")
    return Path(out)


def most_frequent(answers: list[str]) -> str:
    """The trivial baseline's one answer: the most frequent training answer (ties: the
    alphabetically first, so it is deterministic)."""
    counts = Counter(answers)
    return min(counts, key=lambda a: (-counts[a], a))


def _resume(path: Path, valid_ids: set[str]) -> set[str]:
    """Ids already predicted; a torn last line (killed mid-write) is dropped, atomically."""
    if not path.is_file():
        return set()
    kept, done, torn = [], set(), False
    try:
        for _, row in iter_jsonl(path):
            if row.get("id") in valid_ids and row["id"] not in done:
                kept.append(row)
                done.add(row["id"])
    except InputError:
        torn = True
    if torn or len(kept) != sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip()):
        write_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in kept))
    return done


def _run_meta(model: str, adapter: str | None, backend: str, es: EvalSet, prompt: str | None,
              decoding: dict) -> dict:
    """What run.json records: everything that decides the predictions, and the protocol notes."""
    own = any(i.prompt for i in es.items)
    return {"model": str(model), "adapter": str(adapter) if adapter else None, "backend": backend,
            "prompt": OWN_PROMPTS if own else prompt or default_prompt(es.task),
            "prompt_source": "each row's own (an own-task set)" if own else
            "given (--prompt)" if prompt else "the task's default (evals/sets/tasks.py)",
            "decoding": decoding,
            "eval_set": {"name": es.name, "task": es.task, "source": es.source,
                         "labels": list(es.labels), "proxy": es.proxy, "n_items": len(es.items)},
            "skipped": es.skipped, "notes": es.notes}


def _check_same_run(out: Path, meta: dict) -> None:
    """Refuse to append to a folder that holds a run with other settings."""
    if not (out / RUN_META).is_file():
        return
    old = read_run_meta(out / RUN_META)
    old.setdefault("backend", "transformers")
    old.setdefault("teacher_forced", False)
    for key in ("model", "adapter", "backend", "prompt", "decoding", "teacher_forced"):
        if old.get(key) != meta[key]:
            raise InputError(out / RUN_META, f"this folder holds a run with a different {key} "
                                             f"({old.get(key)!r}); use a new --out")
    if old["eval_set"]["name"] != meta["eval_set"]["name"]:
        raise InputError(out / RUN_META, f"this folder holds eval set {old['eval_set']['name']!r}; "
                                         "use a new --out")
    if old["eval_set"].get("content_sha256") != meta["eval_set"]["content_sha256"]:
        raise InputError(out / RUN_META, "this folder holds predictions for other eval-set contents; "
                                         "use a new --out")


def eval_set_fingerprint(es: EvalSet, prompt: str | None, cache_file: Path | None = None,
                         save: bool = False) -> str:
    """What predictions depend on besides the model: each clip's id, audio path and audio
    content, its references or label, and the prompt (two CSVs may share an eval-set name)."""
    audio = file_hashes([a for i in es.items for a in i.audios], cache_file, save=save)
    h = hashlib.sha256(json.dumps([es.name, es.task, list(es.labels), prompt]).encode())
    for i in es.items:
        h.update(json.dumps([i.id, str(i.audio), audio[str(i.audio)], list(i.references), i.label]).encode())
        if i.more_audio or i.prompt:
            h.update(json.dumps([[str(a), audio[str(a)]] for a in i.more_audio] + [i.prompt]).encode())
    return h.hexdigest()


def _row(item: EvalItem, prompt: str, prediction: str, meta: dict) -> dict:
    row = {"id": item.id, "audio": str(item.audio), "prompt": item.prompt or prompt, "prediction": prediction}
    if item.more_audio:
        row["audios"] = [str(a) for a in item.audios]
    row.update({"references": list(item.references)} if item.references else {"label": item.label})
    row.update(model=meta["model"], adapter=meta["adapter"], decoding=meta["decoding"])
    return row


def _candidates(es: EvalSet, item: EvalItem) -> list[str]:
    """The answers scored under teacher forcing: every allowed label (as the prompt says it),
    or the item's references."""
    return [spoken(label) for label in TASK_LABELS[es.task]] if es.task != CAPTION else list(item.references)


def _add_answer_scores(rows: list[dict], scores: list[list[tuple[float, int]]], es: EvalSet) -> None:
    """Retention rows get `label_logprobs` {label: summed log-prob}; captioning rows get
    `ref_logprobs` [[summed log-prob, tokens] per reference]."""
    for row, item_scores in zip(rows, scores):
        if es.task != CAPTION:
            row["label_logprobs"] = {label: round(lp, 6) for label, (lp, _) in zip(TASK_LABELS[es.task], item_scores)}
        else:
            row["ref_logprobs"] = [[round(lp, 6), n] for lp, n in item_scores]


def _duration(item: EvalItem, where: str) -> float:
    """Seconds of audio (all of an item's clips), from the headers only: batches of similar
    length pad less. Reading every header first also stops on an unreadable file before the
    model loads."""
    import soundfile as sf

    seconds = 0.0
    for audio in item.audios:
        try:
            info = sf.info(str(audio))
        except (RuntimeError, sf.LibsndfileError) as err:
            raise InputError(f"{where} clip {item.id}: {audio}", f"unreadable or corrupt audio ({err}); "
                             "replace the file or remove it from the eval set") from None
        seconds += info.frames / info.samplerate
    return seconds
