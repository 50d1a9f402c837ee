"""The one place where recipe settings live: shared hyperparameters, arms, hardware.

Every key is an ms-swift 4.6 `swift sft` argument and carries the reason it has its
value; `recipes/generate.py` renders each (family, arm, hardware) into a commented YAML
under recipes/<family>/ (the families: common/model_families.py), and a test keeps those files
equal to this module.
Paper: "Audio Commonality Captioning" (ACC), Training Details: Qwen2-Audio-7B-Instruct,
LoRA r=8 alpha=32 dropout=0.05, AdamW lr 1e-4 wd 0.1, cosine, batch 1 x accumulation 16,
max input length 2048, one RTX 4090, ms-swift.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from adcacc.common.model_families import FAMILIES
from adcacc.common.vocabulary import ARMS
from adcacc.data_builders.layout import dataset_file

MODEL_ID = FAMILIES["qwen2_audio"].model_id
DEFAULT_DATA_DIR = "data/adcacc"
EFFECTIVE_BATCH = 16

# (key, value, reason). Order is the order in the YAML files.
SHARED: list[tuple[str, Any, str]] = [
    ("model", MODEL_ID, "paper's base model; a local dir works too (then keep model_type)"),
    ("model_type", "qwen2_audio", "needed when --model is a local directory"),
    ("tuner_type", "lora", "paper: LoRA (ms-swift 4.x name; 3.x called it train_type)"),
    ("lora_rank", 8, "paper"),
    ("lora_alpha", 32, "paper"),
    ("lora_dropout", 0.05, "paper"),
    ("target_modules", "all-linear", "our choice (the paper names no target modules): every "
                                      "linear layer of the parts left unfrozen below"),
    ("freeze_vit", True, "our choice (paper silent): the audio encoder gets no LoRA; saves memory"),
    ("freeze_aligner", True, "our choice (paper silent): LoRA on the language model only; "
                             "--freeze_aligner false also puts LoRA on the audio projector, as "
                             "ms-swift 2.x (which the paper likely used) did by default"),
    ("learning_rate", 1.0e-4, "paper: AdamW lr 1e-4"),
    ("weight_decay", 0.1, "paper"),
    ("optim", "adamw_torch", "paper: AdamW"),
    ("lr_scheduler_type", "cosine", "paper: cosine schedule"),
    ("warmup_ratio", 0.05, "our choice (paper silent): short warmup keeps early LoRA steps "
                           "stable at lr 1e-4"),
    ("num_train_epochs", 1, "our choice (paper silent): one pass over 10^4-10^5 rows; "
                            "raise with --num_train_epochs"),
    ("max_length", 2048, "paper (long version): maximum input length 2048. It never binds "
                         "here: ms-swift counts each audio as 1 token before the model expands "
                         "it (250 per 10 s), so rows are far shorter than it; `adcacc recipes "
                         "check --data` reports the true lengths"),
    ("truncation_strategy", "delete", "our choice: drop over-long rows rather than cut an answer "
                                      "(by ms-swift's count, so it never fires: see max_length)"),
    ("per_device_train_batch_size", 1, "paper: batch size 1"),
    ("per_device_eval_batch_size", 1, "same memory profile as training"),
    ("seed", 42, "our choice (the paper states no seed): fixed, so reruns match"),
    ("data_seed", 42, "fixed data order"),
    ("split_dataset_ratio", 0.0, "the val split comes from `adcacc build`, not carved out"),
    ("eval_strategy", "steps", "evaluate on the val split during training"),
    ("eval_steps", 500, "our choice: about every 8000 rows (500 x 16), cheap vs. training"),
    ("save_steps", 500, "checkpoint at each eval so the best/last can be resumed"),
    ("save_total_limit", 3, "keep disk bounded; a rank-8 LoRA checkpoint is tens of MB"),
    ("logging_steps", 10, "loss curve resolution without log spam"),
    ("dataloader_num_workers", 4, "audio decoding runs in workers, off the GPU's path"),
    ("dataset_num_proc", 4, "parallel tokenization when the dataset is first encoded"),
    ("add_version", False, "fixed output_dir (no v0-timestamp subfolder), so evals and "
                           "--resume_from_checkpoint find checkpoints at known paths"),
    ("report_to", ["tensorboard"], "local logs only; no account needed"),
]

@dataclass(frozen=True)
class Hardware:
    """Settings that differ per machine, plus what we expect it to cost."""

    name: str
    title: str
    nproc: int  # training processes (NPROC_PER_NODE)
    settings: list[tuple[str, Any, str]] = field(default_factory=list)
    memory: str = ""
    launch_env: str = ""
    # Seconds of one H100 per training row (one optimizer step of 16 rows x 2048 tokens,
    # measured, divided by 16): `adcacc run --dry-run` turns rows into GPU-hours with it.
    gpu_s_per_row: float | None = None
    gpus_per_process: int = 1  # >1: ms-swift splits each process's model over that many GPUs (device_map)

    @property
    def gpus(self) -> int:
        """The GPUs one training takes."""
        return self.nproc * self.gpus_per_process

    @property
    def accumulation(self) -> int:
        """The recipe's gradient accumulation."""
        return int(next(v for k, v, _ in self.settings if k == "gradient_accumulation_steps"))

    @property
    def deepspeed(self) -> bool:
        return any(k == "deepspeed" for k, _, _ in self.settings)


_SDPA = ("attn_impl", "sdpa", "PyTorch SDPA: memory-efficient without flash-attn wheels")
_ACCUM16 = ("gradient_accumulation_steps", 16, "paper: accumulation 16 -> effective batch 16")


def _measured(peak: float, worst: float, step_s: float) -> str:
    """The header line from benchmarks/results/ (random-weight true-shape 7B, one H100)."""
    return (f"{peak} GiB peak allocated at 2048 LM tokens, {worst} GiB at the worst case "
            f"(2546: max_length + two 10 s audios); {step_s} s per optimizer step (16 x 2048 "
            "tokens) on an H100, a 4090 is slower (benchmarks/results/, recipes/README.md)")


HARDWARE: dict[str, Hardware] = {h.name: h for h in [
    Hardware(
        "rtx4090", "one 24 GB GPU (RTX 4090), bf16 LoRA", 1,
        [("torch_dtype", "bfloat16", "bf16 weights: 7B model in ~16 GB"),
         ("gradient_checkpointing", True, "activations of 2048 tokens must fit beside 16 GB "
                                          "of weights on a 24 GB card"),
         _ACCUM16, _SDPA,
         ("ENV", {"PYTORCH_CUDA_ALLOC_CONF": "expandable_segments:True"},
          "less fragmentation: at the worst case, reserved 20.6 GiB instead of 22.7 GiB "
          "(measured), which a 24 GB card needs")],
        memory=_measured(19.6, 20.5, 6.7), gpu_s_per_row=6.7 / EFFECTIVE_BATCH),
    Hardware(
        "rtx4090_qlora", "one 16-24 GB GPU, 4-bit QLoRA via bitsandbytes", 1,
        [("torch_dtype", "bfloat16", "compute and LoRA weights in bf16"),
         ("quant_method", "bnb", "bitsandbytes quantizes the LM at load time"),
         ("quant_bits", 4, "4-bit NF4: LM weights ~5 GB instead of ~15 GB"),
         ("bnb_4bit_compute_dtype", "bfloat16", "matmuls in bf16"),
         ("bnb_4bit_quant_type", "nf4", "QLoRA's NF4"),
         ("bnb_4bit_use_double_quant", True, "QLoRA's double quantization (~0.3 GB on 7B)"),
         ("gradient_checkpointing", True, "activations dominate once weights are 4-bit"),
         _ACCUM16, _SDPA],
        memory=_measured(9.8, 10.7, 9.3), gpu_s_per_row=9.3 / EFFECTIVE_BATCH),
    Hardware(
        "a100x8", "8 x A100 80 GB, DeepSpeed ZeRO-2", 8,
        [("torch_dtype", "bfloat16", "bf16 weights and compute"),
         ("deepspeed", "zero2", "ms-swift's built-in ZeRO-2 config: shards optimizer state "
                                "and gradients across the 8 GPUs"),
         ("gradient_checkpointing", True, "keeps the same memory profile as the 4090 arm; "
                                          "80 GB cards can set it false to trade memory for speed"),
         ("gradient_accumulation_steps", 2, "1 x 2 x 8 GPUs = effective batch 16, as the paper"),
         _SDPA,
         ("ENV", {"NPROC_PER_NODE": 8}, "ms-swift launches torchrun with 8 processes; an "
                                         "NPROC_PER_NODE in the environment wins")],
        memory=("not measured (needs 8 GPUs); the same per-GPU work peaks at 19.6 GiB on "
                "one GPU (rtx4090 arm) and ZeRO-2 only removes memory from that"),
        # not measured on 8 GPUs: the rtx4090 arm's per-row time, spread over 8 GPUs
        gpu_s_per_row=6.7 / EFFECTIVE_BATCH),
    Hardware(
        "a100x8_mp", "8 x A100 80 GB: 4 replicas, each split over 2 GPUs (ms-swift's device_map + DDP), "
                     "no DeepSpeed", 4,
        [("torch_dtype", "bfloat16", "bf16 weights and compute"),
         ("gradient_checkpointing", True, "activations beside a replica's half of the weights"),
         ("gradient_accumulation_steps", 4, "1 x 4 x 4 replicas = effective batch 16, as the paper"),
         _SDPA,
         ("ENV", {"NPROC_PER_NODE": 4},
          "4 processes on 8 visible GPUs: ms-swift gives each 2 GPUs and splits its model over them "
          "(MP + DDP). No DeepSpeed: a MoE under ZeRO-3 hangs (LlamaFactory #9222 with Qwen3-Omni, "
          "ms-swift #5400 with Qwen3-30B-A3B), and ms-swift #5875 reports ZeRO-2 hangs too with the "
          "transformers Qwen3-Omni needs")],
        memory="not measured (needs 8 GPUs)", gpus_per_process=2),
]}


def data_paths(arm: str, split: str, data_dir: str = DEFAULT_DATA_DIR) -> list[str]:
    """The JSONL files `adcacc build --out data_dir` writes for an arm's split."""
    return [f"{data_dir}/{dataset_file(name, split)}" for name in ARMS[arm].datasets]


def recipe_settings(arm: str, hw: str, family: str = "qwen2_audio") -> list[tuple[str, Any, str]]:
    """All (key, value, reason) of one recipe: shared (the family's model and keys in place of
    the shared ones), the family's added keys, data, then hardware, with one ENV block."""
    fam, hardware = FAMILIES[family], HARDWARE[hw]
    own: dict[str, tuple[str, Any, str]] = {}
    if family != "qwen2_audio":
        own["model"] = ("model", fam.model_id, f"{fam.title} (not the paper's model); a local dir "
                                               "works too (then keep model_type)")
        own["model_type"] = ("model_type", fam.model_type, "ms-swift's name for this family; needed "
                                                           "when --model is a local directory")
    shared = [own.pop(k, (k, v, why)) for k, v, why in SHARED]
    data = [
        ("dataset", data_paths(arm, "train"), "written by `adcacc build --out data/adcacc`; "
                                                "override with --dataset"),
        ("val_dataset", data_paths(arm, "val"), "override with --val_dataset"),
        ("output_dir", f"output/{family}/{arm}_{hw}",
         "checkpoints land in output_dir/checkpoint-N; evals read adapters from there"),
    ]
    return shared + list(own.values()) + data + _with_env(hardware.settings, fam.env_vars)


def _with_env(settings: list[tuple[str, Any, str]], extra: tuple[dict[str, Any], str] | None) -> list[tuple[str, Any, str]]:
    """The hardware's settings with the family's environment variables merged into one ENV."""
    if extra is None:
        return settings
    found = [(v, why) for k, v, why in settings if k == "ENV"]
    env, why = found[0] if found else ({}, "")
    merged = ("ENV", {**env, **extra[0]}, "; ".join(w for w in (why, extra[1]) if w))
    return [s for s in settings if s[0] != "ENV"] + [merged]


def effective_batch(recipe: dict[str, Any]) -> int:
    """per-device batch x accumulation x processes, as the recipe launches."""
    nproc = int(recipe.get("ENV", {}).get("NPROC_PER_NODE", 1))
    return (int(recipe["per_device_train_batch_size"])
            * int(recipe["gradient_accumulation_steps"]) * nproc)

# The only flags a CPU run of a recipe changes (tests, `adcacc tiny-model` hint): no bf16
# on CPU, a handful of steps, and no worker processes on a 2-core machine.
CPU_OVERRIDES: dict[str, Any] = {
    "torch_dtype": "float32", "bf16": False, "fp16": False,
    "max_steps": 2, "gradient_accumulation_steps": 2,
    "save_steps": 2, "eval_steps": 2, "logging_steps": 1,
    "dataloader_num_workers": 0, "dataset_num_proc": 1,
    "check_model": False,
}
