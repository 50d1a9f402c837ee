"""Optional LLM rewriting of the templated texts (`adcacc build --rewrite-backend ...`).

The paper's pipeline (AuditEval) has a language model word the pre- and post-edit captions;
our templates append ", while a dog barking at the beginning", so every replace commonality
is a cut of caption(A). With a backend, each post-edit caption (A+B, A+C) and each edit
instruction is reworded by the model, and the commonality targets are recomputed from the
reworded captions by the same rules (add -> pre, delete -> post, replace -> longest shared
run). caption(A) is the dataset's own caption and is kept. Replies are cached one file per
request under `.work/rewrites`, so a rerun is byte-identical and asks the model nothing.
A reply that is empty, multi-line or holds a media tag is not used (the template stays) and
is counted in the report.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from adcacc.common.chat import CachedChat, OpenAIBackend, TransformersBackend
from adcacc.common.errors import InputError
from adcacc.common.swift_rows import SwiftRow
from adcacc.data_builders.inputs import MEDIA_TAG
from adcacc.data_builders.targets import commonality

BACKENDS = ("openai", "transformers")
SYSTEM = ("You reword short texts about audio recordings. Keep every sound and where in the "
          "recording it occurs; add nothing. Answer with the reworded text only.")
ASK = {
    "caption": "Reword this audio caption as one fluent sentence: {text}",
    "instruction": "Reword this audio editing instruction as one imperative sentence: {text}",
}


@dataclass(frozen=True)
class RewriteConfig:
    backend: str  # "openai" or "transformers"
    model: str
    base_url: str | None = None  # openai only; not part of the fingerprint (same model, same text)

    def check(self) -> None:
        if self.backend not in BACKENDS:
            raise InputError("--rewrite-backend", f"must be one of {', '.join(BACKENDS)}")
        if not self.model or (self.backend == "openai" and not self.base_url):
            raise InputError("--rewrite-backend", f"{self.backend} needs --rewrite-model"
                             + (" and --rewrite-url" if self.backend == "openai" else ""))


@dataclass
class Rewriter:
    chat: CachedChat
    kept_template: int = 0  # replies refused (empty, several lines, a media tag)

    def __call__(self, kind: str, text: str) -> str:
        messages = [{"role": "system", "content": SYSTEM},
                    {"role": "user", "content": ASK[kind].format(text=text)}]
        reply = self.chat(messages).strip()
        if not reply or "\n" in reply or MEDIA_TAG.search(reply):
            self.kept_template += 1
            return text
        return reply


def make_rewriter(cfg: RewriteConfig, work: Path, seed: int) -> Rewriter:
    """A cached rewriter; the model is loaded (or the endpoint opened) at the first cache miss."""
    def backend():
        if cfg.backend == "openai":
            return OpenAIBackend(cfg.base_url, cfg.model, seed)
        return TransformersBackend(cfg.model)

    return Rewriter(CachedChat(backend, f"{cfg.backend}:{cfg.model}:{seed}", work / "rewrites"))


def rewrite_shard(shard: dict, rewrite: Rewriter, path: Path) -> dict:
    """The shard (read from `path`) with reworded post-edit captions and instructions,
    commonalities recomputed, and the ADC / ACC rows' targets replaced to match (rows follow
    the pairs' order)."""
    pairs = shard["pairs"]
    caption = {"A": next(p["pre_caption"] for p in pairs if p["src"] == "A")}
    for key in ("AB", "AC"):
        caption[key] = rewrite("caption", next(p["post_caption"] for p in pairs if p["tgt"] == key))
    new_pairs = []
    for p in pairs:
        pre, post = caption[p["src"]], caption[p["tgt"]]
        new_pairs.append({**p, "pre_caption": pre, "post_caption": post,
                          "instruction": rewrite("instruction", p["instruction"]),
                          "commonality": commonality(p["op"], pre, post)})
    rows = {**shard["rows"],
            "adc": [_with_target(r, p["instruction"], path) for r, p in zip(shard["rows"]["adc"], new_pairs)],
            "acc": [_with_target(r, p["commonality"], path) for r, p in zip(shard["rows"]["acc"], new_pairs)]}
    return {**shard, "pairs": new_pairs, "rows": rows}


def _with_target(row: dict, target: str, path: Path) -> dict:
    """A row of the shard file `path` (written by `SwiftRow.to_dict`) with its answer replaced."""
    return replace(SwiftRow.parse(row, path), answer=target).to_dict()
