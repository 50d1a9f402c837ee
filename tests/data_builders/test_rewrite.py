"""LLM rewording of captions and instructions through an OpenAI-compatible endpoint. The
endpoint is a stand-in HTTP server on 127.0.0.1 (no model can be reached here); everything
from the openai client on is real."""
import csv
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from adcacc.cli import main
from data_builders.layout import SPLITS, dataset_file
from tests.data_builders.test_targets import contiguous, norm


@pytest.fixture
def endpoint():
    """Rewords captions as 'In this recording, ...' and instructions as 'Please ...'; a caption
    mentioning 'number 3' gets a reply with a media tag, which must not be used."""
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server API
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append(body)
            ask = body["messages"][-1]["content"]
            text = ask.split(": ", 1)[1]
            if "number 3" in text:
                reply = "<audio> " + text
            elif ask.startswith("Reword this audio caption"):
                reply = "In this recording, " + text[0].lower() + text[1:]
            else:
                reply = "Please " + text[0].lower() + text[1:]
            data = json.dumps({"id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
                               "choices": [{"index": 0, "finish_reason": "stop",
                                            "message": {"role": "assistant", "content": reply}}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *a):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/v1", seen
    server.shutdown()


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
