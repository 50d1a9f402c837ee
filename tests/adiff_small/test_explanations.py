"""Template explanations state only what is true of the clips; paper pair sampling."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from adcacc.adiff_small import explanations
from adcacc.adiff_small.audio_facts import measure
from adcacc.adiff_small.data import read_rows


def test_pairs_skip_neighbours_and_keep_splits_apart(corpus):
    clips = explanations.read_clips(corpus / "events.csv")
    pairs = explanations.sample_pairs(clips, seed=1, test_fraction=0.3, per_clip=3)
    for split in ("train", "test"):
        group = sorted({p.a for p in pairs if p.split == split}, key=clips.index)
        index = {c: i for i, c in enumerate(group)}
        for p in (q for q in pairs if q.split == split):
            assert (index[p.b] - index[p.a]) % len(group) > 4
    train = {c for p in pairs if p.split == "train" for c in (p.a, p.b)}
    test = {c for p in pairs if p.split == "test" for c in (p.a, p.b)}
    assert train and test and not train & test


def test_held_out_clips_are_new_recordings_of_labels_seen_in_training():
    from pathlib import Path

    labels = ["dog", "dog", "cat", "cat", "cat", "bell", "bird", "bird", "rain", "rain", "owl", "car",
              "car", "fan", "fan", "tap", "tap"]  # owl, bell: one clip each
    clips = [explanations.Clip(f"c{i}", Path(f"c{i}.wav"), lab, True) for i, lab in enumerate(labels)]
    pairs = explanations.sample_pairs(clips, seed=3, test_fraction=0.5, per_clip=2)
    test = {c for p in pairs if p.split == "test" for c in (p.a, p.b)}
    train = {c for p in pairs if p.split == "train" for c in (p.a, p.b)}
    assert len(test) == 8 and {c.text for c in test} <= {c.text for c in train}
    assert {"owl", "bell"} <= {c.text for c in train} and not {"owl", "bell"} & {c.text for c in test}


def test_template_statements_are_true(corpus, tmp_path):
    counts = explanations.make(corpus / "events.csv", tmp_path, "template", seed=0, progress=False)
    assert set(counts) >= {"demo_train_adiff_detail_answer.csv", "demo_test_adiff_fewwords_answer.csv"}
    checked = 0
    for row in read_rows(tmp_path / "demo_train_adiff_detail_answer.csv"):
        fa, fb = measure(row.audio1), measure(row.audio2)
        assert row.caption1 in row.answer and row.caption2 in row.answer
        m = re.search(r"Audio (\d) is louder by about (\d+) dB", row.answer)
        if m:
            diff = fa.loudness_db - fb.loudness_db
            assert (m[1] == "1") == (diff > 0) and abs(abs(diff) - int(m[2])) <= 0.5
            checked += 1
        m = re.search(r"Audio (\d) sounds brighter", row.answer)
        if m:
            assert (m[1] == "1") == (fa.centroid_hz > fb.centroid_hz)
        assert f"{len(fa.onsets_s)} detected onset" in row.answer
    assert checked > 0


def test_llm_backends_need_their_settings(corpus, tmp_path):
    from adcacc.common.errors import InputError

    with pytest.raises(InputError, match="--model and --base-url"):
        explanations.make(corpus / "events.csv", tmp_path, "openai", progress=False)


def test_llm_prompt_follows_the_paper():
    clips = [explanations.Clip(str(i), None, f"caption {i}", False) for i in range(2)]
    msgs = explanations.llm_messages(explanations.Pair(clips[0], clips[1], "train"), 1)
    assert msgs[0]["content"].startswith("You are a helpful assistant with expert knowledge about audio")
    assert "caption 0" in msgs[1]["content"] and "at most 30 words" in msgs[1]["content"]


def test_openai_backend_against_a_local_endpoint(corpus, tmp_path):
    """A stand-in OpenAI-compatible server (no real LLM endpoint is reachable here)."""
    from tests.chat_server import chat_server

    answers = iter(range(1, 10**6))
    with chat_server(lambda body: f"answer {next(answers)}") as (url, seen):
        counts = explanations.make(corpus / "events.csv", tmp_path, "openai", base_url=url,
                                   model="my-llm", test_fraction=0.0, progress=False)
        n_calls = len(seen)
        assert n_calls == 3 * counts["demo_train_adiff_fewwords_answer.csv"]
        assert seen[0]["model"] == "my-llm" and seen[0]["messages"][0]["role"] == "system"
        rows = read_rows(tmp_path / "demo_train_adiff_sentence_answer.csv")
        assert all(r.answer.startswith("answer ") for r in rows)
        explanations.make(corpus / "events.csv", tmp_path, "openai", base_url=url,
                          model="my-llm", test_fraction=0.0, progress=False)
        assert len(seen) == n_calls  # the rerun is answered from the resume cache


def test_transformers_backend_generates_with_a_chat_template(tiny_lm):
    backend = explanations.TransformersBackend(str(tiny_lm), max_new_tokens=5)
    backend.tok.chat_template = "{% for m in messages %}{{ m['content'] }}\n{% endfor %}"
    clips = [explanations.Clip(str(i), None, f"caption {i}", False) for i in range(2)]
    out = backend(explanations.llm_messages(explanations.Pair(clips[0], clips[1], "train"), 2))
    assert isinstance(out, str)


def test_builder_pairs_csv_keeps_its_pairs_and_splits(corpus, tmp_path):
    import csv

    cols = ["pair_id", "split", "base_id", "op", "src_audio", "tgt_audio", "pre_caption",
            "post_caption", "instruction", "commonality", "event_b_label"]
    import shutil

    (tmp_path / "audio").mkdir()  # as `adcacc build` lays it out: audio paths relative to pairs.csv
    wavs = [Path(shutil.copy(w, tmp_path / "audio")).resolve()
            for w in sorted((corpus / "audio").glob("*.wav"))[:4]]
    rel = [f"audio/{w.name}" for w in wavs]
    recs = [["b1#0", "train", "b1", "add", rel[0], rel[1], "A dog barks.",
             "A dog barks as a bell rings.", "Add a bell.", "Both have a dog.", "bell"],
            ["b2#0", "test", "b2", "delete", rel[2], rel[3], "Rain falls and a cat meows.",
             "Rain falls.", "Remove the cat.", "Both have rain.", "cat"]]
    pairs_csv = tmp_path / "pairs.csv"
    with pairs_csv.open("w", newline="") as f:
        csv.writer(f).writerows([cols, *recs])
    counts = explanations.make(pairs_csv, tmp_path / "out", "template", progress=False)
    assert counts == {f"demo_{s}_adiff_{t}_answer.csv": 1 for s in ("test", "train")
                      for t in ("fewwords", "sentence", "detail")}
    row = read_rows(tmp_path / "out" / "demo_test_adiff_fewwords_answer.csv")[0]
    assert "rain falls and a cat meows" in row.answer and row.audio1 == wavs[2]
