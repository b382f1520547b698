"""The JSON endpoints the page uses (model-free): start-up status, document list, add/remove files,
source lines; same login and error shape as /api/ask."""

from __future__ import annotations

import threading

import pytest

from qa.app.library import Library
from tests.conftest import JIANGXI_FILE, FakeEmbedder, fake_settings_for

NOTE = b"# Harbin clinic notice\n\nThe Harbin clinic fee for 2024 was set at 47 yuan per visit.\n"


@pytest.fixture
def http(make_pipeline):
    from fastapi.testclient import TestClient

    from qa.app.server import build_server

    return TestClient(build_server(make_pipeline(), None))


def test_documents_lists_titles_and_when_indexed(http):
    out = http.get("/api/documents").json()
    assert out["count"] == 5 and out["indexed"] and out["skipped"] == []
    assert {d["file"] for d in out["documents"]} >= {JIANGXI_FILE}


def test_an_uploaded_file_is_cited_at_once_and_can_be_removed(http):
    added = http.post("/api/documents", files=[("files", ("harbin.md", NOTE, "text/markdown"))])
    assert added.status_code == 200 and added.json()["added"] == ["uploads/harbin.md"]
    answer = http.post("/api/ask", json={"question": "What was the Harbin clinic fee for 2024?"}).json()
    assert "uploads/harbin.md" in {c["file"] for c in answer["citations"]}
    source = http.get("/api/source", params={"file": "uploads/harbin.md", "line": 3, "context": 2}).json()
    assert source["title"] == "Harbin clinic notice" and any("47 yuan" in r["text"] for r in source["lines"])
    removed = http.delete("/api/documents/uploads/harbin.md")
    assert removed.status_code == 200 and "uploads/harbin.md" not in {
        d["file"] for d in removed.json()["documents"]
    }


@pytest.mark.parametrize(
    ("name", "raw", "reason"),
    [
        ("virus.exe", b"MZ", "only .txt"),
        ("empty.txt", b"", "empty file"),
        ("bad.pdf", b"%PDF-1.4 x", "bad.pdf"),
    ],
)
def test_a_bad_file_is_a_400_with_the_reason(http, name, raw, reason):
    out = http.post("/api/documents", files=[("files", (name, raw, "application/octet-stream"))])
    assert out.status_code == 400 and reason in out.json()["error"]
    assert http.get("/api/documents").json()["count"] == 5


def test_removing_a_shipped_document_is_refused(http):
    out = http.delete(f"/api/documents/{JIANGXI_FILE}")
    assert out.status_code == 400 and "only those can be removed" in out.json()["error"]


def test_source_lines_refuse_paths_outside_the_index(http):
    out = http.get("/api/source", params={"file": "../../etc/passwd", "line": 1})
    assert out.status_code == 400 and "not a file name inside" in out.json()["error"]
    assert http.get("/api/source", params={"file": JIANGXI_FILE, "line": 0}).status_code == 422


def test_with_a_login_the_new_endpoints_want_it(make_pipeline):
    from fastapi.testclient import TestClient

    from qa.app.server import build_server

    client = TestClient(build_server(make_pipeline(), [("ann", "s3cret")]))
    for method, path in (
        ("get", "/api/documents"),
        ("get", "/api/status"),
        ("delete", "/api/documents/uploads/x.md"),
    ):
        assert getattr(client, method)(path).status_code == 401
    assert client.get("/api/documents", auth=("ann", "s3cret")).status_code == 200


def test_while_starting_the_api_says_so_and_status_shows_the_steps(tmp_path, docs_copy):
    from fastapi.testclient import TestClient

    from qa.app.server import build_server

    class Gated(FakeEmbedder):
        release = threading.Event()

        def warm_up(self):
            assert self.release.wait(60)

    embedder = Gated()
    library = Library(
        fake_settings_for(tmp_path, docs_copy).replace(generate="when-needed"), embedder=embedder
    )
    client = TestClient(build_server(library, None))
    thread = library.start()
    try:
        status = client.get("/api/status").json()
        assert status["ready"] is False and status["steps"][0]["name"] == "embedding model"
        busy = client.post("/api/ask", json={"question": "What was Jiangxi's 2020 recovered fund amount?"})
        assert busy.status_code == 503 and "still starting" in busy.json()["error"]
        assert client.get("/api/documents").status_code == 503
    finally:
        embedder.release.set()
        thread.join(60)
    assert client.get("/api/status").json()["ready"] is True
    answer = client.post("/api/ask", json={"question": "What was Jiangxi's 2020 recovered fund amount?"})
    assert answer.status_code == 200 and "723 million" in answer.json()["answer"]
