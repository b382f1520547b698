"""The README tells the truth: its Python and curl examples run, and its settings table lists every setting.

Examples that talk to http://127.0.0.1:7860 run against a real server on a free port (fake embedder,
no generator); the Python API examples run in a temp folder with the packaged embedding model and
no generator (marker `model`), so nothing is written into the working directory.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess

import pytest

from qa.config import Settings
from tests.conftest import ROOT, SEEDS, FakeEmbedder, fake_settings_for, free_port

README = (ROOT / "README.md").read_text(encoding="utf-8")
SERVER = "http://127.0.0.1:7860"


def blocks(lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```", README, flags=re.S | re.M)


def settings_table() -> str:
    section = README[README.index("## Settings") :]
    return section[: section.index("\n## ")]


def test_every_setting_has_a_row_in_the_settings_table():
    table = settings_table()
    rows = [line for line in table.splitlines() if line.startswith("| ")]
    for f in dataclasses.fields(Settings):
        assert any(f"`QA_{f.name.upper()}`" in row for row in rows), f"no README row for {f.name}"


def test_every_variable_in_the_settings_table_is_a_setting():
    names = {f"QA_{f.name.upper()}" for f in dataclasses.fields(Settings)} | {"QA_AUTH"}
    assert set(re.findall(r"`(QA_[A-Z_]+)", settings_table())) <= names


def test_the_readme_has_the_examples_these_tests_run():
    assert len([b for b in blocks("python") if SERVER not in b]) >= 2
    assert len([b for b in blocks("python") if SERVER in b]) >= 1
    assert len([b for b in blocks("bash") if "curl" in b]) >= 1


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    """A working folder holding a copy of seeds/, and no generator (answers are extractive)."""
    shutil.copytree(SEEDS, tmp_path / "seeds")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QA_GENERATOR_MODEL", "none")
    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path


@pytest.mark.model
def test_python_examples_run(in_tmp, capsys):
    examples = [b for b in blocks("python") if SERVER not in b]
    scope: dict = {"__name__": "readme"}  # one namespace: the README reads top to bottom
    for code in examples:
        if "langchain" in code:
            pytest.importorskip("langchain_core")
        exec(compile(code, "README.md", "exec"), scope)
    out = capsys.readouterr().out
    assert "001_5c3b6ceae2eb49f9.txt" in out  # the search example printed the Jiangxi article
    assert "723 million" in out  # the ask example printed the answer
    assert (in_tmp / "index" / "CURRENT").is_file()
    assert "audit-2021" in out and "456 million" in out  # documents in memory, filtered by metadata
    assert "loaded: audit-2021" in out  # saved, loaded back, filtered by the metadata it kept
    assert (in_tmp / "audits" / "CURRENT").is_file()
    assert sorted(p.name for p in in_tmp.iterdir()) == ["audits", "cache", "index", "seeds"]  # nothing else


@pytest.fixture(scope="module")
def server_url(tmp_path_factory):
    from qa.answer.pipeline import Pipeline
    from qa.app.http_api import start_in_thread
    from qa.app.server import build_server
    from qa.retrieval.retriever import Retriever

    root = tmp_path_factory.mktemp("readme-http")
    shutil.copytree(SEEDS, root / "docs")
    settings = fake_settings_for(root, root / "docs")
    pipeline = Pipeline(settings, Retriever.from_settings(settings, FakeEmbedder(), build=True))
    port = free_port()
    server = start_in_thread(build_server(pipeline, None, port), "127.0.0.1", port)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True


def json_documents(text: str) -> list:
    decoder, docs, i = json.JSONDecoder(), [], 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        doc, i = decoder.raw_decode(text, i)
        docs.append(doc)
    return docs


def run_bash_example(marker: str, server_url: str) -> str:
    """The output of the README's first bash block holding `marker`, run against the test server."""
    script = next(b for b in blocks("bash") if marker in b).replace(SERVER, server_url)
    out = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_examples_run(server_url):
    out = run_bash_example("curl", server_url)
    search, ask, follow_up = json_documents(out)
    assert [p["rank"] for p in search] == [1, 2, 3]
    assert "723 million" in ask["answer"] and ask["citations"]
    assert "2030" in follow_up["standalone_question"]


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_streaming_and_health_curl_examples_run(server_url):
    stream, health = run_bash_example("/api/ask/stream", server_url).rsplit("\n\n", 1)
    assert stream.splitlines()[-2] == "event: answer" and "723 million" in stream.splitlines()[-1]
    assert json.loads(health)["status"] == "ready"


def test_gradio_client_example_runs(server_url):
    code = next(b for b in blocks("python") if SERVER in b).replace(SERVER, server_url)
    scope: dict = {"__name__": "readme"}
    exec(compile(code, "README.md", "exec"), scope)
    assert scope["c"].predict("Jiangxi recovered funds", 2, api_name="/search")[0]["rank"] == 1
