"""LLM rewording of captions and instructions through an OpenAI-compatible endpoint: a
stand-in server on 127.0.0.1 (tests/chat_server.py; no model can be reached here)."""
import csv
import json

import pytest

from adcacc.cli import main
from adcacc.data_builders.layout import SPLITS, dataset_file
from tests.chat_server import chat_server
from tests.data_builders.test_targets import contiguous, norm


def reword(body: dict) -> str:
    """Captions become 'In this recording, ...', instructions 'Please ...'; a caption that
    mentions 'number 3' gets a reply with a media tag, which must not be used."""
    ask = body["messages"][-1]["content"]
    text = ask.split(": ", 1)[1]
    if "number 3" in text:
        return "<audio> " + text
    if ask.startswith("Reword this audio caption"):
        return "In this recording, " + text[0].lower() + text[1:]
    return "Please " + text[0].lower() + text[1:]


@pytest.fixture
def endpoint():
    with chat_server(reword) as (url, seen):
        yield url, seen


def outputs(out):
    return {n: (out / n).read_bytes() for n in [dataset_file(t, s) for t in ("adc", "acc") for s in SPLITS]
            + ["pairs.csv"]}


def test_rewritten_texts_keep_the_target_rules_and_reruns_ask_nothing(sources, tmp_path, endpoint):
    url, seen = endpoint
    out = tmp_path / "out"
    argv = ["build", "--bases", str(sources[0]), "--events", str(sources[1]), "--out", str(out),
            "--duration", "2", "--workers", "1", "--rewrite-backend", "openai",
            "--rewrite-model", "stand-in", "--rewrite-url", url]
    assert main(argv) == 0
    asked = len(seen)
    with open(out / "pairs.csv") as f:
        pairs = list(csv.DictReader(f))
    for p in pairs:
        hot = "number 3" in p["pre_caption"] + p["post_caption"]
        if p["op"] == "add":
            assert p["commonality"] == p["pre_caption"]
            assert hot or p["post_caption"].startswith("In this recording, ")
        elif p["op"] == "delete":
            assert p["commonality"] == p["post_caption"]
        else:
            span = norm(p["commonality"].split())
            assert span and contiguous(span, norm(p["pre_caption"].split()))
            assert contiguous(span, norm(p["post_caption"].split()))
        assert "<audio>" not in p["post_caption"] and p["instruction"].startswith("Please ")
    report = json.loads((out / "build_report.json").read_text())
    assert report["rewrite"]["replies_not_used"] == 2  # base 3's two post-edit captions
    before = outputs(out)
    assert main(argv) == 0
    assert len(seen) == asked and outputs(out) == before  # answered from the cache, same bytes


def test_openai_backend_needs_a_url(sources, tmp_path, capsys):
    code = main(["build", "--bases", str(sources[0]), "--events", str(sources[1]), "--out",
                 str(tmp_path / "o"), "--rewrite-backend", "openai", "--rewrite-model", "m"])
    assert code == 2 and "--rewrite-url" in capsys.readouterr().err
