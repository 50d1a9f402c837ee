"""`adcacc infer`: batched greedy generation of a Qwen2-Audio model (+ LoRA) over an eval set.

Backends: transformers directly (default: `Qwen2AudioForConditionalGeneration` + its
processor, peft for adapters), the same stack ms-swift trains with; or vLLM (`--backend vllm`,
`evals.infer_vllm`), which needs its own environment (transformers>=4.55, while ms-swift's
pin here is 4.48.3) and a merged model instead of an adapter. Rows are appended to
OUT/predictions.jsonl batch by batch (flushed and fsynced), so an interrupted run loses at
most the batch in flight; rerunning the same command skips every id already written.
Clips are batched in order of duration (less padding), so rows are not in eval-set order;
every consumer keys them by id.
"""
from __future__ import annotations

import json
import os
from contextlib import contextmanager
from pathlib import Path

from common.errors import InputError
from evals.eval_sets import EvalItem, EvalSet, load_eval_set
from evals.predictions import PREDICTIONS, RUN_META, iter_jsonl
from common.files import write_text

CAPTION_PROMPT = "Generate a caption for the audio."  # Qwen2-Audio's AAC instruction style


def default_prompt(task: str) -> str:
    from evals.retention_sets import task_prompt

    return CAPTION_PROMPT if task == "caption" else task_prompt(task)


def load_model(model_id: str, adapter: str | None, dtype: str, device: str):
    """Model and processor from an HF id or local dir; the adapter (if any) merged for speed."""
    import torch
    from transformers import AutoProcessor, Qwen2AudioForConditionalGeneration

    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    torch_dtype = {"auto": torch.bfloat16 if device.startswith("cuda") else torch.float32,
                   "float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[dtype]
    processor = AutoProcessor.from_pretrained(model_id)
    processor.tokenizer.padding_side = "left"  # batched decoder-only generation pads on the left
    # model_inputs() pads per-clip encodings with tokenizer.pad on purpose; silence the
    # advice that __call__ would be faster (it tokenizes whole batches, not our case)
    processor.tokenizer.deprecation_warnings["Asking-to-pad-a-fast-tokenizer"] = True
    model = Qwen2AudioForConditionalGeneration.from_pretrained(model_id, torch_dtype=torch_dtype)
    if adapter:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, adapter).merge_and_unload()
    return model.to(device).eval(), processor


@contextmanager
def last_position_logits(model):
    """Project hidden states to the vocabulary at the last position only, during generate().

    Qwen2-Audio's forward (transformers 4.48) has no `num_logits_to_keep`, so the prefill
    computes logits for every prompt position: batch x ~800 positions x 156k vocabulary on
    the 7B model (GBs), while generate() reads only `logits[:, -1]`. Training is unaffected.
    For a batch on CPU the projection runs as W @ h.T rather than h @ W.T, where CPU BLAS packs
    the huge weight operand on every call: the same logits up to float rounding (tested; batching
    itself rounds differently too), and 16 rows x 156k vocabulary took 7.5 vs 16.4 ms at hidden
    64, 129 vs 185 ms at hidden 1536 (2-core dev CPU, with generate's clone and argmax). A single
    row keeps h @ W.T, the faster GEMV there.
    """
    import torch

    lm = model.language_model
    full_head = lm.lm_head

    class _LastPosition(torch.nn.Module):
        def forward(self, hidden):
            last = hidden[:, -1, :]
            if len(last) == 1 or last.is_cuda or full_head.bias is not None:
                return full_head(last).unsqueeze(1)
            return (full_head.weight @ last.T).T.unsqueeze(1)

    lm.lm_head = _LastPosition()
    try:
        yield
    finally:
        lm.lm_head = full_head


def chat_texts(processor, prompts: list[str]) -> list[str]:
    """One user turn per clip (audio, then the instruction) in the model's chat template."""
    return [processor.apply_chat_template(
        [{"role": "user", "content": [{"type": "audio", "audio_url": "clip"}, {"type": "text", "text": p}]}],
        add_generation_prompt=True, tokenize=False) for p in prompts]


def model_inputs(processor, texts: list[str], audios: list):
    """What `processor(text=texts, audios=audios, padding=True)` returns, built clip by clip.

    Whisper features of a whole batch at once cost more per clip than clip by clip (16 clips:
    200 vs 86 ms on the 2-core dev CPU; the batch's padded 30-s spectrograms outgrow the
    cache). So each clip goes through the processor alone, which also expands its <|AUDIO|>
    tokens, and the tokenizer's own `pad` left-pads the ids; the result is identical (tested).
    """
    import torch

    sr = processor.feature_extractor.sampling_rate
    parts = [processor(text=[t], audios=[a], sampling_rate=sr, return_tensors="pt")
             for t, a in zip(texts, audios)]
    text_keys = ("input_ids", "attention_mask")
    batch = processor.tokenizer.pad([{k: p[k][0] for k in text_keys} for p in parts],
                                    padding=True, return_tensors="pt")
    for key in [k for k in parts[0].keys() if k not in text_keys]:
        batch[key] = torch.cat([p[key] for p in parts])
    return batch


def generate_batch(model, processor, audios: list, prompts: list[str], decoding: dict) -> list[str]:
    """Greedy-decode one batch; returns the generated text only (prompt tokens stripped)."""
    import torch

    inputs = model_inputs(processor, chat_texts(processor, prompts), audios).to(model.device)
    if "input_features" in inputs:
        inputs["input_features"] = inputs["input_features"].to(model.dtype)
    with torch.inference_mode(), last_position_logits(model):
        out = model.generate(**inputs, **decoding)
    new = out[:, inputs["input_ids"].shape[1]:]
    return [t.strip() for t in processor.batch_decode(new, skip_special_tokens=True)]


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


def _run_meta(args, eval_set: EvalSet, prompt: str, decoding: dict) -> dict:
    return {"model": str(args.model), "adapter": str(args.adapter) if args.adapter else None,
            "backend": args.backend,
            "prompt": prompt, "decoding": decoding,
            "eval_set": {"name": eval_set.name, "task": eval_set.task, "source": eval_set.source,
                         "labels": list(eval_set.labels), "proxy": eval_set.proxy,
                         "n_items": len(eval_set.items)},
            "skipped": eval_set.skipped}


def _check_same_run(out: Path, meta: dict) -> None:
    old_file = out / RUN_META
    if not old_file.is_file():
        return
    old = json.loads(old_file.read_text())
    old.setdefault("backend", "transformers")
    for key in ("model", "adapter", "backend", "prompt", "decoding"):
        if old.get(key) != meta[key]:
            raise InputError(old_file, f"this folder holds a run with a different {key} "
                                       f"({old.get(key)!r}); use a new --out")
    if old["eval_set"]["name"] != meta["eval_set"]["name"]:
        raise InputError(old_file, f"this folder holds eval set {old['eval_set']['name']!r}; use a new --out")


def _row(item: EvalItem, prompt: str, prediction: str, meta: dict) -> dict:
    row = {"id": item.id, "audio": str(item.audio), "prompt": prompt, "prediction": prediction}
    row.update({"references": list(item.references)} if item.references else {"label": item.label})
    row.update(model=meta["model"], adapter=meta["adapter"], decoding=meta["decoding"])
    return row


def _duration(item: EvalItem) -> float:
    """Seconds of audio, from the header only: batches of similar length pad less."""
    import soundfile as sf

    try:
        info = sf.info(str(item.audio))
        return info.frames / info.samplerate
    except (RuntimeError, sf.LibsndfileError):
        return 0.0  # load_audio will report the problem with the clip's name


def _generator(args, decoding: dict):
    """(generate(audios, prompts) -> texts, sample rate) of the chosen backend."""
    if args.backend == "vllm":
        from evals.infer_vllm import VllmGenerator

        gen = VllmGenerator(args.model, args.adapter, args.max_new_tokens, args.batch_size)
        return gen, gen.sample_rate
    model, processor = load_model(args.model, args.adapter, args.dtype, args.device)
    return (lambda audios, prompts: generate_batch(model, processor, audios, prompts, decoding),
            processor.feature_extractor.sampling_rate)


def run_inference(args) -> int:
    from tqdm import tqdm

    from common.audio import load_audio

    if args.adapter and not Path(args.adapter, "adapter_config.json").is_file():
        raise InputError(args.adapter, "not a LoRA adapter folder (no adapter_config.json)")
    eval_set = load_eval_set(args.eval_set, args.data, getattr(args, "sessions", None))
    items = eval_set.items[: args.limit] if args.limit else eval_set.items
    eval_set.items = items
    prompt = args.prompt or default_prompt(eval_set.task)
    decoding = {"do_sample": False, "num_beams": 1, "max_new_tokens": args.max_new_tokens}
    meta = _run_meta(args, eval_set, prompt, decoding)
    out = Path(args.out)
    _check_same_run(out, meta)
    pred_file = out / PREDICTIONS
    done = _resume(pred_file, {i.id for i in items})
    todo = sorted((i for i in items if i.id not in done), key=_duration)
    print(f"[infer] {eval_set.name}: {len(items)} clips, {len(done)} already done, {len(todo)} to go"
          + (f"; {len(eval_set.skipped)} listed clips have no audio (recorded in run.json)" if eval_set.skipped else ""))
    generate, sr = _generator(args, decoding) if todo else (None, None)  # fails before any write
    write_text(out / RUN_META, json.dumps(meta, indent=2, sort_keys=True) + "\n")
    if not todo:
        return 0
    with open(pred_file, "a", encoding="utf-8") as f, tqdm(total=len(todo), desc="infer", unit="clip") as bar:
        for start in range(0, len(todo), args.batch_size):
            batch = todo[start:start + args.batch_size]
            audios = [load_audio(i.audio, sr=sr, where=f"{eval_set.name} clip {i.id}") for i in batch]
            preds = generate(audios, [prompt] * len(batch))
            f.write("".join(json.dumps(_row(i, prompt, p, meta), ensure_ascii=False) + "\n"
                            for i, p in zip(batch, preds)))
            f.flush()
            os.fsync(f.fileno())
            bar.update(len(batch))
    print(f"[infer] wrote {pred_file}")
    return 0
