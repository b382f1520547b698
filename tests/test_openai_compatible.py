"""A generator on an OpenAI-compatible server (QA_GENERATOR_URL), against a fake server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from qa.errors import InputError, ModelError
from qa.generation.factory import make_generator
from qa.generation.openai_compatible import OpenAICompatibleGenerator
from tests.conftest import fake_pipeline, fake_settings_for

REPLY = ["Jiangxi recovered ", "723 million yuan ", "in 2020 [1]."]


class FakeServer(BaseHTTPRequestHandler):
    requests: list[dict] = []
    status = 200

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        type(self).requests.append({"path": self.path, **body})
        if type(self).status != 200:
            self.send_response(type(self).status)
            self.end_headers()
            self.wfile.write(b'{"error": "no such model"}')
            return
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.end_headers()
        for piece in REPLY:
            chunk = {"choices": [{"index": 0, "delta": {"content": piece}}]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture
def server():
    FakeServer.requests, FakeServer.status = [], 200
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakeServer)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()


def test_the_setting_makes_a_generator_that_streams_from_the_server(server, tmp_path):
    settings = fake_settings_for(tmp_path, tmp_path).replace(
        generator_model="local-model", generator_url=server
    )
    generator = make_generator(settings)
    assert isinstance(generator, OpenAICompatibleGenerator)
    messages = [{"role": "user", "content": "How much did Jiangxi recover?"}]
    assert list(generator.stream(messages)) == REPLY
    (request,) = FakeServer.requests
    assert request["path"] == "/v1/chat/completions" and request["messages"] == messages
    assert (request["model"], request["stream"], request["temperature"]) == ("local-model", True, 0)
    assert request["max_tokens"] == settings.max_new_tokens


def test_the_pipeline_answers_through_the_server_and_verifies_it(server, tmp_path, docs_copy):
    settings = fake_settings_for(tmp_path, docs_copy).replace(
        generator_model="local-model", generator_url=server
    )
    pipeline = fake_pipeline(settings, make_generator(settings))
    answer = pipeline.ask("What was Jiangxi's 2020 recovered fund amount?")
    assert FakeServer.requests and "723 million" in answer.text and answer.citations


def test_server_errors_are_model_errors_that_say_what_to_do(server, tmp_path):
    FakeServer.status = 404
    generator = OpenAICompatibleGenerator(server, "missing-model")
    with pytest.raises(ModelError, match="answered 404.*QA_GENERATOR_MODEL"):
        list(generator.stream([{"role": "user", "content": "hi"}]))
    with pytest.raises(ModelError, match="cannot reach the generator server.*unset QA_GENERATOR_URL"):
        list(OpenAICompatibleGenerator("http://127.0.0.1:9/v1", "m", timeout=5).stream([]))


def test_a_url_that_is_not_http_is_refused(tmp_path):
    with pytest.raises(InputError, match="generator_url must start with http"):
        fake_settings_for(tmp_path, tmp_path).replace(generator_url="127.0.0.1:8080")
