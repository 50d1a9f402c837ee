"""Peak GPU memory and seconds/step of the RTX 4090 recipes on a true-shape Qwen2-Audio-7B.

No 7B download is possible on the GPU box, so the model is built with random weights
from Qwen2-Audio-7B's config (adcacc.recipes.tiny_model.REAL_7B_SHAPES: same layers, widths and
vocabulary, so the same memory). The recipe's exact settings are replayed through
transformers + peft (+ bitsandbytes), the libraries `swift sft` drives underneath, because
ms-swift's own dependency tree does not fit the 64 MiB that can travel to that machine:
LoRA r/alpha/dropout on every linear layer of the language model, audio tower and projector
frozen, bf16 autocast, gradient checkpointing, AdamW + cosine, batch 1 x accumulation, and
for QLoRA ms-swift's BitsAndBytesConfig (NF4, double quant, bf16 compute, audio tower and
projector kept in bf16). Input: two 10 s audios and a long target filling max_length.

    python benchmarks/recipe_gpu_memory.py --arm rtx4090 --steps 20 --out results.json
Each arm runs in its own process so torch.cuda.max_memory_allocated is per arm.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from adcacc.recipes.tiny_model import REAL_7B_SHAPES, TINY_SHAPES, qwen2_audio_config  # noqa: E402

GIB = 1024 ** 3
LIMIT_GIB = 22.0
LM_LINEARS = r".*language_model\.model\.layers\.\d+\.(self_attn\.(q|k|v|o)_proj|mlp\.(gate|up|down)_proj)"


def load_recipe(arm: str, task: str) -> dict:
    """The YAML the user launches: settings are read from it, not restated here."""
    return yaml.safe_load((ROOT / "recipes" / "qwen2_audio" / f"{task}_{arm}.yaml").read_text())


def save_random_model(model_dir: Path, shapes: dict, seed: int = 0) -> None:
    """Random-weight Qwen2-Audio of the given shapes, built on the GPU, saved as bf16."""
    from transformers import Qwen2AudioForConditionalGeneration

    torch.manual_seed(seed)
    torch.set_default_dtype(torch.bfloat16)
    with torch.device("cuda"):
        model = Qwen2AudioForConditionalGeneration(qwen2_audio_config(shapes))
    torch.set_default_dtype(torch.float32)
    model.save_pretrained(model_dir, safe_serialization=True, max_shard_size="5GB")


def load_model(model_dir: Path, recipe: dict):
    """Load as ms-swift would for this recipe (bf16, or bnb 4-bit with its skip list)."""
    from transformers import BitsAndBytesConfig, Qwen2AudioForConditionalGeneration

    kwargs = {"torch_dtype": torch.bfloat16, "device_map": {"": 0},
              "attn_implementation": recipe.get("attn_impl", "sdpa")}
    if recipe.get("quant_method") == "bnb":
        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=recipe["quant_bits"] == 4, load_in_8bit=recipe["quant_bits"] == 8,
            bnb_4bit_compute_dtype=getattr(torch, recipe["bnb_4bit_compute_dtype"]),
            bnb_4bit_quant_type=recipe["bnb_4bit_quant_type"],
            bnb_4bit_use_double_quant=recipe["bnb_4bit_use_double_quant"],
            llm_int8_skip_modules=["audio_tower", "multi_modal_projector"])
    return Qwen2AudioForConditionalGeneration.from_pretrained(model_dir, **kwargs)


def add_lora(model, recipe: dict):
    """LoRA on the LM's linear layers; everything else frozen (freeze_vit/aligner)."""
    from peft import LoraConfig, get_peft_model

    assert recipe["target_modules"] == "all-linear" and recipe["freeze_vit"]
    if recipe.get("gradient_checkpointing"):
        model.gradient_checkpointing_enable()
        model.enable_input_require_grads()
    model.config.use_cache = False
    cfg = LoraConfig(r=recipe["lora_rank"], lora_alpha=recipe["lora_alpha"],
                     lora_dropout=recipe["lora_dropout"], target_modules=LM_LINEARS,
                     task_type="CAUSAL_LM")
    return get_peft_model(model, cfg)


def make_batch(processor, max_length: int, seconds: float = 10.0) -> dict:
    """Two 10 s audios + prompt + a target that fills the row up to max_length tokens."""
    rng = np.random.default_rng(0)
    audios = [rng.standard_normal(int(16000 * seconds)).astype(np.float32) * 0.1
              for _ in range(2)]
    prompt = ("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
              "Audio 1: <|audio_bos|><|AUDIO|><|audio_eos|>\n"
              "Audio 2: <|audio_bos|><|AUDIO|><|audio_eos|>\n"
              "Describe what the two recordings have in common.<|im_end|>\n"
              "<|im_start|>assistant\n")
    head = processor(text=prompt, audios=audios, sampling_rate=16000, return_tensors="pt")
    n_prompt = head["input_ids"].shape[1]
    words = "both clips contain a dog barking in the distance while rain falls steadily ".split()
    target = " ".join(words[i % len(words)] for i in range(4 * max_length))
    target_ids = processor.tokenizer(target)["input_ids"][: max_length - n_prompt - 1]
    target_ids = target_ids + [processor.tokenizer.convert_tokens_to_ids("<|im_end|>")]
    ids = torch.cat([head["input_ids"][0], torch.tensor(target_ids)])
    labels = ids.clone()
    labels[:n_prompt] = -100
    return {"input_ids": ids[None], "attention_mask": torch.ones_like(ids)[None],
            "labels": labels[None], "input_features": head["input_features"],
            "feature_attention_mask": head["feature_attention_mask"]}


def train(model, batch: dict, recipe: dict, steps: int, accum: int, max_seconds: float) -> dict:
    """AdamW + cosine as the recipe, `steps` optimizer steps of `accum` micro-batches."""
    from transformers import get_cosine_schedule_with_warmup

    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=recipe["learning_rate"],
                            weight_decay=recipe["weight_decay"])
    sched = get_cosine_schedule_with_warmup(
        opt, math.ceil(recipe["warmup_ratio"] * steps), steps)
    batch = {k: v.cuda() for k, v in batch.items()}
    model.train()
    times, losses = [], []
    for _ in range(steps):
        torch.cuda.synchronize()
        start = time.perf_counter()
        for _ in range(accum):
            with torch.autocast("cuda", dtype=torch.bfloat16):
                loss = model(**batch).loss / accum
            loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
        losses.append(loss.item() * accum)
        print(f"step {len(times)}/{steps}: {times[-1]:.2f} s, loss {losses[-1]:.3f}, "
              f"peak {torch.cuda.max_memory_allocated() / GIB:.2f} GiB", flush=True)
        if sum(times) > max_seconds:
            break
    return {"steps_done": len(times), "losses": losses, "step_seconds": times,
            "trainable_params": sum(p.numel() for p in params)}


def run_arm(args: argparse.Namespace) -> dict:
    from transformers import AutoProcessor

    recipe = load_recipe(args.arm, args.task)
    processor = AutoProcessor.from_pretrained(args.processor)
    batch = make_batch(processor, args.seq_len or recipe["max_length"])
    torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    model = add_lora(load_model(Path(args.model_dir), recipe), recipe)
    load_s = time.perf_counter() - t0
    after_load = torch.cuda.max_memory_allocated() / GIB
    accum = args.accum or recipe["gradient_accumulation_steps"]
    stats = train(model, batch, recipe, args.steps, accum, args.max_seconds)
    peak = torch.cuda.max_memory_allocated() / GIB
    steady = stats["step_seconds"][1:] or stats["step_seconds"]
    return {
        "arm": args.arm, "task": args.task, "shapes": args.shapes,
        "alloc_conf": os.environ.get("PYTORCH_CUDA_ALLOC_CONF", ""),
        "device": torch.cuda.get_device_name(0), "torch": torch.__version__,
        "seq_len": int(batch["input_ids"].shape[1]),
        "target_tokens": int((batch["labels"] != -100).sum()),
        "gradient_accumulation_steps": accum, "load_seconds": round(load_s, 1),
        "peak_after_load_gib": round(after_load, 2), "peak_gib": round(peak, 2),
        "max_reserved_gib": round(torch.cuda.max_memory_reserved() / GIB, 2),
        "seconds_per_step": round(float(np.mean(steady)), 3),
        "under_limit": bool(peak < LIMIT_GIB), "limit_gib": LIMIT_GIB, **stats,
    }


def write_report(results: Path) -> None:
    """Markdown table + PNG bar chart (peak vs. the 22 GiB budget) next to the JSONL."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [json.loads(line) for line in results.read_text().splitlines() if line.strip()]
    lines = ["| arm | device | seq len | PYTORCH_CUDA_ALLOC_CONF | peak allocated GiB | "
             "peak / 22 GiB | max reserved GiB | s / optimizer step (x accum) | steps |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['arm']} | {r['device']} | {r['seq_len']} | "
                     f"{r.get('alloc_conf') or '-'} | {r['peak_gib']} | "
                     f"{r['peak_gib'] / r['limit_gib']:.2f} | {r['max_reserved_gib']} | "
                     f"{r['seconds_per_step']} (x{r['gradient_accumulation_steps']}) | "
                     f"{r['steps_done']} |")
    results.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.bar([f"{r['arm']}\n{r['seq_len']} tok" for r in rows], [r["peak_gib"] for r in rows],
           label="peak allocated")
    ax.axhline(LIMIT_GIB, color="red", linestyle="--", label=f"{LIMIT_GIB:g} GiB budget")
    ax.set_ylabel("GiB")
    ax.set_title("Qwen2-Audio-7B recipes, two 10 s audios")
    ax.legend()
    fig.tight_layout()
    fig.savefig(results.with_suffix(".png"), dpi=120)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", action="store_true", help="only build + save the random model")
    ap.add_argument("--model-dir", default="/tmp/qwen2_audio_random")
    ap.add_argument("--processor", required=False, help="dir with the Qwen2-Audio processor")
    ap.add_argument("--shapes", choices=("real", "tiny"), default="real")
    ap.add_argument("--arm", choices=("rtx4090", "rtx4090_qlora"), default="rtx4090")
    ap.add_argument("--task", default="acc", help="recipe task (two-audio tasks: adc, acc)")
    ap.add_argument("--steps", type=int, default=20, help="optimizer steps")
    ap.add_argument("--seq-len", type=int, default=0,
                    help="LM tokens per row (0: recipe max_length). ms-swift counts each "
                         "<|AUDIO|> as 1 token, so its worst case is max_length + 2 x 249")
    ap.add_argument("--accum", type=int, default=0, help="override accumulation (0: recipe)")
    ap.add_argument("--max-seconds", type=float, default=1e9, help="stop early after this")
    ap.add_argument("--out", help="append the result as one JSON line here")
    ap.add_argument("--report", help="JSONL of results: write .md table and .png chart")
    args = ap.parse_args()
    if args.report:
        write_report(Path(args.report))
        return 0
    if args.build:
        shapes = REAL_7B_SHAPES if args.shapes == "real" else TINY_SHAPES
        save_random_model(Path(args.model_dir), shapes)
        return 0
    result = run_arm(args)
    print(json.dumps({k: v for k, v in result.items() if k not in ("losses", "step_seconds")}))
    if args.out:
        with open(args.out, "a", encoding="utf-8") as f:
            f.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
