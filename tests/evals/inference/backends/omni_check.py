"""Measurements of the omni backend, run with the Omni environment's Python (.venv-omni): the
suite's pytest runs in .venv, whose transformers 4.48 has no Qwen-Omni. Each mode prints one JSON
object; tests/evals/inference/backends/test_omni.py and tests/recipes/test_swift_omni.py assert
on it.

    python -m tests.evals.inference.backends.omni_check batch FAMILY=MODEL... --wavs DIR
    python -m tests.evals.inference.backends.omni_check adapter MODEL ADAPTER
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from adcacc.common.audio import load_audio
from adcacc.evals.inference.backends.omni import OmniGenerator

SWIFT_TEMPLATES = {"qwen2_5_omni": ("qwen2_5_omni", "qwen2_5_omni"), "qwen3_omni": ("qwen3_omni_moe", "qwen3_omni")}
PROMPTS = ["What do both audios have in common?", "Describe the difference.",
           "In one short sentence, say which of the two recordings is louder and why.", "Compare them."]


def items(wavs: Path) -> tuple[list[list], list[str], list[list[str]]]:
    """Four items of two decoded clips each (the test wrote clips of different lengths)."""
    paths = sorted(str(p) for p in wavs.glob("*.wav"))
    pairs = [paths[2 * i:2 * i + 2] for i in range(len(PROMPTS))]
    return [[load_audio(p) for p in pair] for pair in pairs], PROMPTS, pairs


def batch(model: str, family: str, wavs: Path) -> dict:
    """Token ids of a batch of four and of each item alone, the texts, and the prompt checks."""
    gen = OmniGenerator(model, None, max_new_tokens=6, dtype="float32", device="cpu")
    audios, prompts, pairs = items(wavs)
    inputs = gen.encode(audios, prompts)
    return {"batched": gen.generate_ids(audios, prompts),
            "single": [gen.generate_ids([a], [p])[0] for a, p in zip(audios, prompts)],
            "texts": gen(audios, prompts),
            "left_padded": bool((inputs["attention_mask"][:, 0] == 0).any()),
            "pad_at_right": bool((inputs["attention_mask"][:, -1] == 0).any()),
            "audio_tokens": [int(n) for n in (inputs["input_ids"] == _audio_id(gen)).sum(1)],
            "features_as_alone": features_as_alone(gen, inputs, audios, prompts),
            "scores": scores(gen, audios[1], prompts[1], ["A steady tone.", "Two clicks and a hum."]),
            "swift": swift_prompt(gen, model, family, prompts[0], pairs[0])}


def features_as_alone(gen: OmniGenerator, inputs, audios: list[list], prompts: list[str]) -> bool:
    """Whether every clip's valid feature frames in the batch are those it gets in its item alone."""
    import torch

    clip = 0
    for item, prompt in zip(audios, prompts):
        alone = gen.encode([item], [prompt])
        for j in range(len(item)):
            n = int(alone["feature_attention_mask"][j].sum())
            if n != int(inputs["feature_attention_mask"][clip].sum()) or not torch.equal(
                    alone["input_features"][j, :, :n], inputs["input_features"][clip, :, :n]):
                return False
            clip += 1
    return True


def scores(gen: OmniGenerator, clips: list, prompt: str, answers: list[str]) -> dict:
    """`score` (prompt cached, answers continued from it) against one plain forward pass over
    prompt + answer per answer: the same log-probabilities if the continuation's positions are right."""
    import torch

    from adcacc.evals.inference.teacher_forcing import answer_ids

    plain = []
    for ids in answer_ids(gen.processor.tokenizer, answers):
        inputs = gen.encode([clips], [prompt])
        n = inputs["input_ids"].shape[1]
        inputs["input_ids"] = torch.cat([inputs["input_ids"], torch.tensor([ids])], dim=1)
        inputs["attention_mask"] = torch.ones_like(inputs["input_ids"])
        with torch.inference_mode():
            logp = torch.log_softmax(gen.model(**inputs).logits[0].float(), dim=-1)
        plain.append(float(sum(logp[n - 1 + k, t] for k, t in enumerate(ids))))
    return {"score": [s for s, _ in gen.score([clips], [prompt], [answers])[0]], "plain": plain}


def _audio_id(gen: OmniGenerator) -> int:
    return gen.processor.tokenizer.convert_tokens_to_ids(gen.processor.audio_token)


def swift_prompt(gen: OmniGenerator, model: str, family: str, prompt: str, pair: list[str]) -> dict:
    """A training row as ms-swift's own template encodes it, against our prompt's ids."""
    from swift.model import get_processor
    from swift.template import get_template

    model_type, template_type = SWIFT_TEMPLATES[family]
    processor = get_processor(model, model_type=model_type, download_model=False)
    template = get_template(processor, template_type=template_type)
    template.set_mode("train")
    answer = "Both hold a steady tone."
    row = {"messages": [{"role": "user", "content": "<audio>" * len(pair) + prompt},
                        {"role": "assistant", "content": answer}], "audios": pair}
    encoded = template.encode(row)
    swift_ids, inputs = encoded["input_ids"], gen.encode([[load_audio(p) for p in pair]], [prompt])
    ours = inputs["input_ids"][0].tolist()
    features = [encoded["input_features"].float(), inputs["input_features"]]
    same_shape = features[0].shape == features[1].shape
    return {"prefix_equal": swift_ids[:len(ours)] == ours, "answer": answer,
            "rest": gen.processor.tokenizer.decode(swift_ids[len(ours):]),
            "ours": gen.processor.tokenizer.decode(ours), "features_shapes": [list(f.shape) for f in features],
            "features_max_diff": float((features[0] - features[1]).abs().max()) if same_shape else None,
            "masks_equal": bool((encoded["feature_attention_mask"] == inputs["feature_attention_mask"]).all())
            if same_shape else False}


def adapter(model: str, adapter_dir: str) -> dict:
    """Each LoRA module's merged weight against base + scale * B @ A from the adapter file."""
    import torch
    from safetensors.torch import load_file

    merged = OmniGenerator(model, adapter_dir, max_new_tokens=4, dtype="float32", device="cpu")
    base = OmniGenerator(model, None, max_new_tokens=4, dtype="float32", device="cpu")
    config = json.loads(Path(adapter_dir, "adapter_config.json").read_text())
    scale = config["lora_alpha"] / config["r"]
    tensors = load_file(str(Path(adapter_dir, "adapter_model.safetensors")))
    names = sorted(k[:-len(".lora_A.weight")] for k in tensors if k.endswith(".lora_A.weight"))
    errors, deltas, outside = [], [], []
    for name in names:
        path = name.removeprefix("base_model.model.")
        if not path.startswith("thinker."):
            outside.append(path)
            continue
        delta = scale * tensors[name + ".lora_B.weight"] @ tensors[name + ".lora_A.weight"]
        sub = path.removeprefix("thinker.")
        got, was = merged.model.get_submodule(sub).weight, base.model.get_submodule(sub).weight
        errors.append(float((got - (was + delta)).abs().max()))
        deltas.append(float(delta.abs().max()))
    audio = [[torch.zeros(16000).numpy() + 0.1, torch.ones(8000).numpy() * 0.05]]
    return {"modules": len(names), "outside_thinker": outside, "max_error": max(errors, default=None),
            "max_delta": max(deltas, default=None), "text": merged(audio, ["Compare them."])[0]}


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="mode", required=True)
    b = sub.add_parser("batch")
    b.add_argument("models", nargs="+", help="FAMILY=MODEL_DIR")
    b.add_argument("--wavs", type=Path, required=True)
    a = sub.add_parser("adapter")
    a.add_argument("model")
    a.add_argument("adapter")
    args = parser.parse_args()
    if args.mode == "batch":
        out = {f: batch(m, f, args.wavs) for f, m in (pair.split("=", 1) for pair in args.models)}
    else:
        out = adapter(args.model, args.adapter)
    sys.stdout.write("RESULT " + json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
