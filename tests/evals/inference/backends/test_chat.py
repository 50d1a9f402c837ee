"""Inference prompts equal what ms-swift trained on: a two-audio row's user turn rendered by
our chat text and by ms-swift's own qwen2_audio template gives the same token ids."""
from adcacc.evals.inference.backends.chat import chat_texts


def test_a_pair_prompt_matches_swifts_template_of_the_training_row(tiny_model, pairs_jsonl):
    import json

    from swift.model import get_processor
    from swift.template import get_template

    processor = get_processor(str(tiny_model), model_type="qwen2_audio", download_model=False)
    template = get_template(processor, template_type="qwen2_audio")
    template.set_mode("train")
    row = json.loads(pairs_jsonl.read_text().splitlines()[0])
    row["audios"] = [str(pairs_jsonl.parent / a) for a in row["audios"]]
    swift_ids = template.encode(row)["input_ids"]
    prompt = row["messages"][0]["content"].replace("<audio>", "")
    ours = chat_texts(processor, [prompt], [2])[0]
    assert ours.count("<|AUDIO|>") == 2 and "Audio 2: <|audio_bos|>" in ours
    our_ids = processor.tokenizer(ours)["input_ids"]
    assert swift_ids[:len(our_ids)] == our_ids  # the prompt ...
    answer = processor.tokenizer.decode(swift_ids[len(our_ids):])
    assert answer.startswith(row["messages"][1]["content"] + "<|im_end|>")  # ... then the target
