"""True row lengths: our count agrees with ms-swift's own qwen2_audio encoding of the row
(in which each audio is one <|AUDIO|> token), plus 25 tokens per second of audio up to 30 s."""
from __future__ import annotations

import json

import soundfile as sf

from adcacc.recipes.lengths import audio_tokens, row_length


def test_audio_expands_to_25_tokens_a_second_capped_at_30_s():
    assert [audio_tokens(s) for s in (1, 10, 30, 45)] == [25, 250, 750, 750]


def test_text_count_matches_swifts_template_encoding(tiny_model, dataset_dir):
    from swift.model import get_processor
    from swift.template import get_template

    processor = get_processor(str(tiny_model), model_type="qwen2_audio", download_model=False)
    template = get_template(processor, template_type="qwen2_audio")
    template.set_mode("train")
    for line in (dataset_dir / "acc_train.jsonl").read_text().splitlines()[:3]:
        row = json.loads(line)
        ids = template.encode({"messages": row["messages"], "audios": row["audios"]})["input_ids"]
        seconds = [sf.info(a).duration for a in row["audios"]]
        expanded = row_length(row["messages"], seconds)
        assert expanded - sum(audio_tokens(s) for s in seconds) + len(seconds) == len(ids)
