"""The toy base model's pretraining data: what it holds, what it must never hold, its
vocabulary texts and the trivial baselines' answers."""
from __future__ import annotations

import json
from pathlib import Path

from adcacc.evals.inference.infer import most_frequent
from adcacc.evals.sets.tasks import CAPTION_PROMPT, task_prompt
from adcacc.pretraining import TRAIN_FILE, pretrain_argv, training_answers, vocabulary_texts, write_pretrain_data


def _chat(prompt: str, answer: str, audio: str) -> str:
    return json.dumps({"messages": [{"role": "user", "content": "<audio>" + prompt},
                                    {"role": "assistant", "content": answer}], "audios": [audio]})


def _inputs(tmp_path: Path) -> tuple[Path, Path]:
    build, corpus = tmp_path / "data", tmp_path / "corpus"
    build.mkdir()
    (build / "ac_train.jsonl").write_text("\n".join(_chat("Describe it.", c, f"/a/{i}.wav") for i, c in
                                                    enumerate(["Rain falls.", "A dog barks.", "Rain falls."])) + "\n")
    (build / "adc_val.jsonl").write_text(_chat("What changed?", "Add a bell ringing.", "/a/x.wav") + "\n")
    for task, labels in (("vsc", ["laughter", "cough", "laughter"]), ("mic", ["synth_lead", "bass"]), ("ser", ["sad"])):
        folder = corpus / "retention" / "train"
        folder.mkdir(parents=True, exist_ok=True)
        rows = [f"{task}{i},{task}/{i}.wav,{lab}" for i, lab in enumerate(labels)]
        (folder / f"{task}_proxy.csv").write_text("id,path,label\n" + "\n".join(rows) + "\n")
        (corpus / "retention" / f"{task}_proxy.csv").write_text("id,path,label\nheld,t.wav,cough\n")  # test: never used
    return build, corpus


def test_pretraining_data_is_ac_training_rows_plus_retention_training_clips(tmp_path):
    build, corpus = _inputs(tmp_path)
    counts = write_pretrain_data(build, corpus, tmp_path / "pre", retention_repeats=2)
    assert counts == {"caption": 3, "vsc": 3, "mic": 2, "ser": 1}
    rows = [json.loads(x) for x in (tmp_path / "pre" / TRAIN_FILE).read_text().splitlines()]
    assert len(rows) == 3 + 2 * (3 + 2 + 1)
    mic = [r for r in rows if r["messages"][0]["content"] == "<audio>" + task_prompt("mic")]
    assert sorted(r["messages"][1]["content"] for r in mic) == ["bass", "bass", "synth lead", "synth lead"]
    audios = {a for r in rows for a in r["audios"]}
    assert str(corpus / "retention/train/vsc/0.wav") in audios and not any("t.wav" in a for a in audios)
    before = (tmp_path / "pre" / TRAIN_FILE).read_bytes()
    write_pretrain_data(build, corpus, tmp_path / "pre", retention_repeats=2)
    assert (tmp_path / "pre" / TRAIN_FILE).read_bytes() == before  # same inputs, same bytes

    assert sorted(training_answers(tmp_path / "pre", "caption")) == ["A dog barks.", "Rain falls.", "Rain falls."]
    assert most_frequent(training_answers(tmp_path / "pre", "caption")) == "Rain falls."
    assert most_frequent(training_answers(tmp_path / "pre", "vsc")) == "laughter"
    assert most_frequent(["b", "a", "b", "a"]) == "a"  # a tie goes to the alphabetically first


def test_vocabulary_texts_cover_every_task_file_and_the_eval_prompts(tmp_path):
    build, _ = _inputs(tmp_path)
    (build / "ac_test.jsonl").write_text("")  # a split of fraction 0 (the demo's test split) is empty
    texts = vocabulary_texts(build)
    assert {"Add a bell ringing.", "What changed?", "Rain falls.", CAPTION_PROMPT, task_prompt("mic"),
            "synth lead"} <= set(texts)
    assert texts == sorted(set(texts)) and not any("<audio>" in t for t in texts)


def test_pretrain_argv_puts_the_experiment_overrides_last(tmp_path):
    argv = pretrain_argv(Path("m"), tmp_path, {"max_steps": 7, "learning_rate": 1e-3})
    assert argv[:5] == ["sft", "--model", "m", "--dataset", str(tmp_path / TRAIN_FILE)]
    flags = dict(zip(argv[5::2], argv[6::2]))
    assert len(flags) == len(argv[5:]) // 2  # each flag once
    assert flags["--tuner_type"] == "full" and flags["--max_steps"] == "7" and flags["--save_steps"] == "7"
    assert flags["--learning_rate"] == "0.001" and flags["--freeze_vit"] == "false"


def test_corpus_pretrain_scenes_keep_the_fine_tuning_scenes_new_to_the_base(tmp_path):
    """Issue 22.1: the base learns captioning on the corpus's pretraining scenes, never on the
    build's rows, so the AC arm has something left to learn; without them, one line saying so."""
    import pytest

    from adcacc.common.errors import InputError

    build, corpus = _inputs(tmp_path)
    (corpus / "pretrain").mkdir()
    (corpus / "pretrain" / "captions.csv").write_text("id,path,caption_1,caption_2,caption_3,caption_4,caption_5\n" + "".join(
        f"pretrain_{i},bases/pretrain_{i}.wav,Other words {i}.," + ",".join(f"Scene {i} sounds." for _ in range(4)) + "\n"
        for i in range(3)))
    counts = write_pretrain_data(build, corpus, tmp_path / "pre", captions="corpus_pretrain")
    rows = [json.loads(x) for x in (tmp_path / "pre" / TRAIN_FILE).read_text().splitlines()]
    captions = sorted(r["messages"][1]["content"] for r in rows if r["messages"][1]["content"].startswith("Scene"))
    assert counts["caption"] == 3 and captions == ["Scene 0 sounds.", "Scene 1 sounds.", "Scene 2 sounds."]
    assert not any(r["messages"][1]["content"] in ("Rain falls.", "A dog barks.") for r in rows)  # no build row
    assert not any(r["messages"][1]["content"].startswith("Other words") for r in rows)  # never caption_1's style
    assert str(corpus / "pretrain" / "bases" / "pretrain_1.wav") in {a for r in rows for a in r["audios"]}
    assert "Scene 2 sounds." in vocabulary_texts(build, corpus)

    (corpus / "pretrain" / "captions.csv").unlink()
    with pytest.raises(InputError, match="needs data.corpus.pretrain"):
        write_pretrain_data(build, corpus, tmp_path / "pre2", captions="corpus_pretrain")


def test_phrasing_rows_teach_the_base_to_word_edits_it_is_told_not_to_find_them(tmp_path):
    """Our toy instruct ability: told the op, events and place, the base writes the instruction
    with the builder's templates; the rows never show a pair of clips, and the trivial caption
    baseline does not count them as captions."""
    from adcacc.data_builders.targets import ADD_TEMPLATES
    from adcacc.pretraining import PHRASING_PROMPT, training_answers

    build, corpus = _inputs(tmp_path)
    (corpus / "pretrain").mkdir()
    (corpus / "pretrain" / "captions.csv").write_text("id,path,caption_1,caption_2,caption_3,caption_4,caption_5\n" + "".join(
        f"pretrain_{i},bases/pretrain_{i}.wav,Other words {i}.," + ",".join(f"Scene {i} sounds." for _ in range(4)) + "\n"
        for i in range(3)))
    (corpus / "events.csv").write_text("id,path,label,category\n" + "".join(
        f"e{i},events/e{i}.wav,{lab},x\n" for i, lab in enumerate(("dog barking", "rain falling", "bell ringing"))))
    counts = write_pretrain_data(build, corpus, tmp_path / "pre", captions="corpus_pretrain", edit_phrasing=40)
    rows = [json.loads(x) for x in (tmp_path / "pre" / TRAIN_FILE).read_text().splitlines()]
    phrasing = [r for r in rows if r["messages"][0]["content"].startswith("<audio>" + PHRASING_PROMPT[:20])]
    assert counts["edit_phrasing"] == 40 == len(phrasing) and all(len(r["audios"]) == 1 for r in phrasing)
    adds = [r["messages"][1]["content"] for r in phrasing if " add " in r["messages"][0]["content"]]
    starts = {t.split(" ")[0] for t in ADD_TEMPLATES}
    assert adds and all(a.split(" ")[0] in starts for a in adds)
    assert all(a not in training_answers(tmp_path / "pre", "caption") for a in adds)
    vocab = vocabulary_texts(build, corpus)
    assert all(r["messages"][1]["content"] in vocab for r in phrasing)



def test_retention_repeats_can_weigh_each_task_and_are_bounded(tmp_path, capsys):
    import yaml

    from adcacc.cli import main

    build, corpus = _inputs(tmp_path)
    counts = write_pretrain_data(build, corpus, tmp_path / "pre", retention_repeats={"mic": 5})
    rows = [json.loads(x) for x in (tmp_path / "pre" / TRAIN_FILE).read_text().splitlines()]
    assert counts == {"caption": 3, "vsc": 3, "mic": 2, "ser": 1}
    assert len(rows) == 3 + 2 * 3 + 5 * 2 + 2 * 1  # mic 5x, the others the default 2x
    spec = yaml.safe_load((Path(__file__).resolve().parents[2] / "experiments" / "smoke.yaml").read_text())
    for bad in ({"mic": 0}, {"asr": 2}, 101, {"mic": True}):
        spec["model"]["pretrain"]["retention_repeats"] = bad
        (tmp_path / "e.yaml").write_text(yaml.safe_dump(spec))
        assert main(["run", str(tmp_path / "e.yaml"), "--out", str(tmp_path / "o"), "--dry-run"]) == 2
        assert "retention_repeats: must be from 1 to 100" in capsys.readouterr().err
