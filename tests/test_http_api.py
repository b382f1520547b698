"""The JSON API beside the chat page, through a real HTTP client against a real server on
127.0.0.1: a real pipeline with the fake embedder and no generator (extractive answers)."""

from __future__ import annotations

import httpx
import pytest

from qa.answer.pipeline import Pipeline
from qa.retrieval.retriever import Retriever
from tests.conftest import JIANGXI_FILE, FakeEmbedder, fake_settings_for, free_port

QUESTION = "What was Jiangxi's 2020 recovered fund amount?"
QUERY = "Jiangxi recovered 723 million yuan"
LOGIN = ("ann", "s3cret")


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory) -> Pipeline:
    import shutil

    from tests.conftest import SEEDS
    from tests.pdf_fixtures import pdf_bytes
    from tests.test_pdf_text import REPORT

    root = tmp_path_factory.mktemp("http")
    shutil.copytree(SEEDS, root / "docs")
    (root / "docs" / "report.pdf").write_bytes(pdf_bytes(REPORT))  # for the page numbers
    settings = fake_settings_for(root, root / "docs")
    return Pipeline(settings, Retriever.from_settings(settings, FakeEmbedder(), build=True))


def _serve(pipeline, auth=None):
    from qa.app.http_api import start_in_thread
    from qa.app.server import build_server

    port = free_port()
    server = start_in_thread(build_server(pipeline, auth, port), "127.0.0.1", port)
    return server, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def base(pipeline):
    server, url = _serve(pipeline)
    yield url
    server.should_exit = True


@pytest.fixture(scope="module")
def http(base):
    with httpx.Client(base_url=base, timeout=60) as client:
        yield client


def test_search_returns_the_cli_json_shape(http, pipeline):
    r = http.post("/api/search", json={"query": QUERY, "k": 3})
    assert r.status_code == 200
    assert r.json() == [h.to_dict() for h in pipeline.retriever.search(QUERY, 3)]
    assert [p["rank"] for p in r.json()] == [1, 2, 3]
    assert r.json()[0]["file"] == JIANGXI_FILE


def test_search_k_defaults_to_5(http):
    assert len(http.post("/api/search", json={"query": QUERY}).json()) == 5


def test_ask_returns_the_cli_json_shape(http, pipeline):
    r = http.post("/api/ask", json={"question": QUESTION})
    assert r.status_code == 200
    out = r.json()
    expected = pipeline.ask(QUESTION).to_dict()
    assert set(out) == set(expected)
    assert {k: v for k, v in out.items() if k != "timings_ms"} == {
        k: v for k, v in expected.items() if k != "timings_ms"
    }
    assert set(out["timings_ms"]) == set(expected["timings_ms"])
    assert "723 million" in out["answer"] and out["method"] == "extractive"
    assert (JIANGXI_FILE, 1) in {(c["file"], c["line"]) for c in out["citations"]}


def test_ask_with_history_rewrites_the_follow_up(http):
    first = http.post("/api/ask", json={"question": QUESTION}).json()
    history = [{"question": first["question"], "answer": first["answer"]}]
    out = http.post("/api/ask", json={"question": "and in 2030?", "history": history}).json()
    assert "Jiangxi" in out["standalone_question"] and "2030" in out["standalone_question"]


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        ("/api/ask", {"question": "   "}, 400, "empty"),
        ("/api/ask", {"question": "why " * 1000}, 400, "limit is 2,000"),
        ("/api/search", {"query": ""}, 400, "empty"),
        ("/api/ask", {}, 422, "question: Field required"),
        ("/api/ask", {"question": 42}, 422, "question"),
        ("/api/search", {"query": "x", "k": 0}, 422, "k:"),
        ("/api/search", {"query": "x", "k": 10_000}, 422, "k:"),
        ("/api/ask", {"question": QUESTION, "history": [["q"]]}, 400, "history turn 1 must be"),
        ("/api/ask", {"question": QUESTION, "history": ["foo"]}, 400, "history turn 1 must be"),
        ("/api/ask", {"question": QUESTION, "history": [["q", "a" * 20_001]]}, 400, "limit is 20,000"),
        ("/api/search", {"query": "x", "k": 2.5}, 422, "k:"),
    ],
)
def test_bad_input_is_a_4xx_with_a_clear_json_error(http, path, body, status, message):
    r = http.post(path, json=body)
    assert r.status_code == status
    assert message in r.json()["error"]
    assert http.post("/api/search", json={"query": "Jiangxi", "k": 1}).status_code == 200  # still serving


def test_a_body_that_is_not_json_is_a_4xx(http):
    r = http.post("/api/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and "error" in r.json()


def test_the_openapi_schema_documents_both_endpoints(http):
    schema = http.get("/api/openapi.json").json()
    assert {"/api/search", "/api/ask"} <= set(schema["paths"])
    components = schema["components"]["schemas"]
    assert {"question", "history"} <= set(components["AskRequest"]["properties"])
    assert {"query", "k"} <= set(components["SearchRequest"]["properties"])
    answer_fields = {"answer", "short_answer", "speaker", "abstained", "citations", "passages"}
    assert answer_fields <= set(components["AskResponse"]["properties"])
    ask = schema["paths"]["/api/ask"]["post"]["responses"]
    assert {"200", "400", "422"} <= set(ask)


def test_the_chat_page_and_its_gradio_api_are_still_served(http, base):
    page = http.get("/")
    assert page.status_code == 200 and "<html" in page.text.lower()
    from gradio_client import Client

    client = Client(base + "/", verbose=False)
    rows = client.predict(QUERY, 2, api_name="/search")
    assert [r["rank"] for r in rows] == [1, 2]


def test_with_a_login_the_api_wants_credentials(pipeline):
    server, url = _serve(pipeline, auth=[LOGIN])
    try:
        with httpx.Client(base_url=url, timeout=60) as client:
            body = {"query": QUERY, "k": 1}
            assert client.post("/api/search", json=body).status_code == 401
            assert client.post("/api/search", json=body, auth=("ann", "wrong")).status_code == 401
            assert client.post("/api/search", json=body, auth=LOGIN).status_code == 200
    finally:
        server.should_exit = True


# --- issue 18: one error shape, page numbers, streaming, health ------------------------------------------


def test_a_body_that_is_not_utf8_is_the_documented_error_shape(http):
    r = http.post(
        "/api/ask", content=b'{"question": "caf\xe9?"}', headers={"content-type": "application/json"}
    )
    assert r.status_code == 400
    assert set(r.json()) == {"error"} and "UTF-8" in r.json()["error"]  # was {"detail": ...}


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/api/ask"), ("PUT", "/api/search"), ("GET", "/api/ask/stream")]
)
def test_a_wrong_method_is_a_405_with_the_error_shape(http, method, path):
    r = http.request(method, path)
    assert r.status_code == 405  # GET /api/ask was a 404 from the page
    assert r.headers["allow"] == "POST" and "use POST" in r.json()["error"]


def test_an_unknown_api_path_is_a_404_with_the_error_shape(http):
    r = http.get("/api/nothing-here")
    assert r.status_code == 404 and set(r.json()) == {"error"}


def test_history_as_pairs_works_like_history_as_objects(http):
    first = http.post("/api/ask", json={"question": QUESTION}).json()
    as_objects = [{"question": first["question"], "answer": first["answer"]}]
    as_pairs = [[first["question"], first["answer"]]]
    answers = [
        http.post("/api/ask", json={"question": "and in 2030?", "history": h}).json()
        for h in (as_objects, as_pairs)
    ]
    assert answers[0]["standalone_question"] == answers[1]["standalone_question"]


def test_pdf_page_numbers_reach_ask_and_search(http):
    question = "How much did Hainan recover in 2021?"
    out = http.post("/api/ask", json={"question": question}).json()
    cited = next(c for c in out["citations"] if c["file"] == "report.pdf")
    assert (cited["line"], cited["page"], cited["page_line"]) == (
        5,
        3,
        2,
    )  # dropped by the response model before
    assert next(p for p in out["passages"] if p["file"] == "report.pdf")["page"] == 3
    hits = http.post("/api/search", json={"query": "Hainan recovered 456 million yuan 2021", "k": 10}).json()
    pdf = next(h for h in hits if h["file"] == "report.pdf")
    assert pdf["page"] == 3 and "page_line" in pdf
    assert all("page" not in h for h in hits if h["file"] != "report.pdf")  # text files keep their shape


def _events(text: str) -> list[tuple[str, dict]]:
    import json

    events = []
    for block in text.strip().split("\n\n"):
        kind, data = block.split("\n")
        events.append((kind.removeprefix("event: "), json.loads(data.removeprefix("data: "))))
    return events


def test_the_streaming_endpoint_sends_the_answer_as_server_sent_events(http, pipeline):
    with http.stream("POST", "/api/ask/stream", json={"question": QUESTION}) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        events = _events(r.read().decode())
    kind, answer = events[-1]
    assert kind == "answer" and all(k == "token" for k, _ in events[:-1])
    expected = pipeline.ask(QUESTION).to_dict()
    assert {k: v for k, v in answer.items() if k != "timings_ms"} == {
        k: v for k, v in expected.items() if k != "timings_ms"
    }


def test_the_streaming_endpoint_refuses_bad_input_before_streaming(http):
    r = http.post("/api/ask/stream", json={"question": "  "})
    assert r.status_code == 400 and "empty" in r.json()["error"]
    r = http.post("/api/ask/stream", json={"question": QUESTION, "history": ["foo"]})
    assert r.status_code == 400 and "history turn 1" in r.json()["error"]


def test_the_streaming_endpoint_streams_generator_tokens(tmp_path, docs_copy):
    from qa.app.http_api import start_in_thread
    from qa.app.server import build_server
    from tests.conftest import FakeGenerator, fake_pipeline

    settings = fake_settings_for(tmp_path, docs_copy)
    pipeline = fake_pipeline(settings, FakeGenerator("Jiangxi recovered 723 million yuan [1]."))
    port = free_port()
    server = start_in_thread(build_server(pipeline, None, port), "127.0.0.1", port)
    try:
        r = httpx.post(f"http://127.0.0.1:{port}/api/ask/stream", json={"question": QUESTION}, timeout=60)
        events = _events(r.text)
    finally:
        server.should_exit = True
    tokens = [data["text"] for kind, data in events if kind == "token"]
    assert len(tokens) > 1 and "723 million" in "".join(tokens)
    assert events[-1][0] == "answer"


def test_an_answer_that_is_someones_statement_names_them_in_both_ask_endpoints(tmp_path):
    from qa.app.http_api import start_in_thread
    from qa.app.server import build_server
    from tests.conftest import FERRY_QUESTION, ferry_statement_pipeline

    pipeline = ferry_statement_pipeline(tmp_path)
    port = free_port()
    server = start_in_thread(build_server(pipeline, None, port), "127.0.0.1", port)
    question = {"question": FERRY_QUESTION}
    try:
        out = httpx.post(f"http://127.0.0.1:{port}/api/ask", json=question, timeout=60).json()
        streamed = httpx.post(f"http://127.0.0.1:{port}/api/ask/stream", json=question, timeout=60)
    finally:
        server.should_exit = True
    assert (
        out["speaker"] == "the harbour office" and out["answer"] == "The night ferry to Lund costs 12 euros."
    )
    assert _events(streamed.text)[-1][1]["speaker"] == "the harbour office"


def test_health_says_ready_with_what_is_loaded(http, pipeline):
    r = http.get("/api/health")
    assert r.status_code == 200
    out = r.json()
    assert out["status"] == "ready" and out["files"] == 6 and out["chunks"] == len(pipeline.retriever.chunks)
    assert out["generator"] == "none"


def test_health_is_503_before_the_index_is_loaded(tmp_path, docs_copy):
    from fastapi.testclient import TestClient

    from qa.app.http_api import build_api

    pipeline = Pipeline(fake_settings_for(tmp_path, docs_copy))  # nothing loaded yet
    r = TestClient(build_api(pipeline)).get("/api/health")
    assert r.status_code == 503 and "not loaded" in r.json()["error"]
    assert pipeline._retriever is None  # the probe did not load (or build) anything


def test_search_filters_by_file(http):
    hits = http.post("/api/search", json={"query": QUERY, "k": 3, "where": {"file": "report.pdf"}}).json()
    assert hits and {h["file"] for h in hits} == {"report.pdf"}
    r = http.post("/api/search", json={"query": QUERY, "where": {"author": "x"}})
    assert r.status_code == 400 and "filter by file" in r.json()["error"]


@pytest.mark.parametrize("k", [0, -1, 2.5, 10**9])
def test_the_pages_gradio_search_applies_the_same_k_check(base, k):
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    client = Client(base + "/", verbose=False)
    with pytest.raises(AppError, match="k must be a whole number from 1 to 50"):  # [] or every chunk before
        client.predict(QUERY, k, api_name="/search")
