"""The ms-swift training row every dataset kind is written as, and read back as.

A row is one user turn (one `<audio>` tag per audio, then the instruction) and one assistant
turn (the target), with the audio paths beside them: what `swift sft --dataset file.jsonl`
reads (../shared/notes/offline_toolchain.md). The data builders write it; the evals read
held-out rows of it back as eval items (each arm's own task).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from adcacc.common.errors import InputError
from adcacc.common.files import iter_jsonl

AUDIO_TAG = "<audio>"


@dataclass(frozen=True)
class SwiftRow:
    prompt: str  # the instruction, without its audio tags
    answer: str
    audios: tuple[str, ...]  # as written: absolute, or relative to the file's folder

    def to_dict(self) -> dict:
        return {"messages": [{"role": "user", "content": AUDIO_TAG * len(self.audios) + self.prompt},
                             {"role": "assistant", "content": self.answer}],
                "audios": list(self.audios)}

    def to_line(self) -> str:
        """The row as one JSONL line (non-ASCII kept as written)."""
        return json.dumps(self.to_dict(), ensure_ascii=False) + "\n"

    @classmethod
    def parse(cls, raw: object, path: Path, row: int | None = None) -> SwiftRow:
        """The row a parsed JSON object holds; InputError naming `path` (and `row`) when it is
        not one user turn with leading audio tags, one per audio, and one assistant turn."""
        messages, audios = (raw.get("messages"), raw.get("audios")) if isinstance(raw, dict) else (None, None)
        if (not isinstance(messages, list) or len(messages) != 2
                or [m.get("role") if isinstance(m, dict) else None for m in messages] != ["user", "assistant"]
                or not all(isinstance(m.get("content"), str) for m in messages)):
            raise InputError(path, "needs messages = [user turn, assistant turn] with text contents", row=row)
        if not isinstance(audios, list) or not audios or not all(isinstance(a, str) and a for a in audios):
            raise InputError(path, "needs a non-empty list of audio paths in 'audios'", row=row)
        prompt = messages[0]["content"].lstrip()
        tags = 0
        while prompt.startswith(AUDIO_TAG):
            prompt, tags = prompt[len(AUDIO_TAG):], tags + 1
        if tags != len(audios) or AUDIO_TAG in prompt:
            raise InputError(path, f"the user turn must start with one {AUDIO_TAG} tag per audio "
                                   f"({len(audios)} audios) and hold no other", row=row)
        return cls(prompt.strip(), messages[1]["content"].strip(), tuple(audios))


def read_swift_rows(path: Path, empty_ok: bool = False) -> list[tuple[int, SwiftRow]]:
    """(line number, row) for each row of an ms-swift JSONL (`SwiftRow.parse` checks each).
    `empty_ok`: a file without rows is no error (a build writes an empty split when its
    fraction is 0, e.g. the demo's test split)."""
    rows = [(n, SwiftRow.parse(raw, path, n)) for n, raw in iter_jsonl(path)]
    if not rows and not empty_ok:
        raise InputError(path, "holds no rows")
    return rows
