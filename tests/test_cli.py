"""The `qa` command, run in-process (the models load once per test session through the cache)."""

from __future__ import annotations

import json

import pytest

from qa.app.cli import main
from tests.conftest import JIANGXI_FILE, ROOT


def _flags(settings) -> list[str]:
    return ["--docs", str(settings.docs_dir), "--index", str(settings.index_dir)]


@pytest.mark.model
def test_ask_json_acceptance(model_settings, capsys):
    assert (
        main(["ask", "--json", "What was Jiangxi's 2020 recovered fund amount?", *_flags(model_settings)])
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert "723 million" in out["answer"] and out["abstained"] is False
    assert {"file": JIANGXI_FILE, "line": 1} in [
        {"file": c["file"], "line": c["line"]} for c in out["citations"]
    ]
    assert all(c["text"] for c in out["citations"])
    assert set(out["timings_ms"]) >= {"retrieve", "generate", "total"}
    assert out["passages"] and set(out["passages"][0]) == {"file", "lines", "score", "text", "dense", "bm25"}

    assert (
        main(["ask", "--json", "What was Jiangxi's 2030 recovered fund amount?", *_flags(model_settings)])
        == 0
    )
    assert json.loads(capsys.readouterr().out)["abstained"] is True


@pytest.mark.model
def test_batch_answers_every_gold_question_in_one_process(model_settings, tmp_path, capsys):
    gold = [json.loads(line) for line in (ROOT / "evals" / "gold.jsonl").read_text().splitlines() if line]
    batch = tmp_path / "batch.jsonl"
    batch.write_text(
        "".join(json.dumps({"id": g["id"], "question": g["question"]}) + "\n" for g in gold[:70])
    )
    # Extractive answers keep this test quick; the generator path is covered by the tests above.
    code = main(["ask", "--json", "--batch", str(batch), "--generator", "none", *_flags(model_settings)])
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 0
    assert [r["id"] for r in rows] == [g["id"] for g in gold[:70]]
    assert all(isinstance(r["abstained"], bool) and "citations" in r for r in rows)


@pytest.fixture
def fake_models(monkeypatch):
    """The CLI's embedding model replaced by the fake embedder (no model loads); generator "none"."""
    from qa.retrieval import retriever
    from tests.conftest import FakeEmbedder

    class Factory:
        @staticmethod
        def from_settings(settings):
            return FakeEmbedder(name=settings.embedding_model)

    monkeypatch.setattr(retriever, "SentenceTransformerEmbedder", Factory)


def _fake_flags(settings) -> list[str]:
    return ["--generator", "none", "--embedding-model", "fake-embedder", *_flags(settings)]


def test_bad_batch_lines_are_error_lines_and_the_batch_goes_on(fake_settings, fake_models, tmp_path, capsys):
    batch = tmp_path / "bad.jsonl"
    batch.write_bytes(
        b'{"id": 1, "question": "What was Jiangxi\'s 2020 recovered fund amount?"}\n'
        b"not json\n"
        b'{"id": 3, "question": "caf\xe9?"}\n'  # a Latin-1 byte: gave a traceback and no output at all
        b"[1, 2]\n"
        b'{"id": 5}\n'
        b'{"id": 6, "question": ""}\n'
        b'{"id": 7, "question": "Who is Long Guoying?"}\n'
    )
    code = main(["ask", "--json", "--batch", str(batch), *_fake_flags(fake_settings)])
    out, err = capsys.readouterr()
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 1 and "Traceback" not in err
    assert [r.get("line") for r in rows] == [None, 2, 3, 4, 5, 6, None]
    assert "723 million" in rows[0]["answer"] and "answer" in rows[6]
    assert "not JSON" in rows[1]["error"] and "not UTF-8" in rows[2]["error"]
    assert all("error" in r for r in rows[1:6]) and rows[5]["id"] == "6"


def test_ask_builds_a_short_index_saying_so_and_refuses_a_long_one(
    fake_settings, fake_models, capsys, caplog
):
    question = "What was Jiangxi's 2020 recovered fund amount?"
    assert main(["ask", question, *_fake_flags(fake_settings)]) == 0
    assert "723 million" in capsys.readouterr().out
    said = [r for r in caplog.records if "building the index (no index yet): about" in r.getMessage()]
    assert said and said[0].levelname == "WARNING"  # the CLI logs warnings to stderr

    (fake_settings.docs_dir / "big.txt").write_bytes(
        b"A sentence about the funds of one province.\n" * 40_000
    )
    assert main(["ask", question, *_fake_flags(fake_settings)]) == 1
    err = capsys.readouterr().err
    assert (
        err.startswith("error: the index needs building (new files: big.txt): about") and err.count("\n") == 1
    )
    assert "QA_AUTO_BUILD_SECONDS" in err
    assert f"run `qa index --docs {fake_settings.docs_dir} --index {fake_settings.index_dir}`" in err


def test_an_opinion_is_printed_as_its_speakers_in_text_and_json(fake_settings, fake_models, capsys):
    (fake_settings.docs_dir / "pier.md").write_text(
        "# Pier notes\n\nCaptain Mira Holt believes that the old Vell pier will close in 2031.\n"
    )
    question = "When will the old Vell pier close?"
    assert main(["ask", question, *_fake_flags(fake_settings)]) == 0
    assert capsys.readouterr().out.startswith("According to Captain Mira Holt: 2031. Captain Mira Holt")
    assert main(["ask", "--json", question, *_fake_flags(fake_settings)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["speaker"] == "Captain Mira Holt" and out["answer"].startswith("2031. Captain")


def test_a_bad_question_builds_nothing(fake_settings, fake_models, capsys):
    assert main(["ask", "  ", *_fake_flags(fake_settings)]) == 1
    assert main(["search", "?!", *_fake_flags(fake_settings)]) == 1
    err = capsys.readouterr().err
    assert "the question is empty" in err and "no words" in err
    assert not fake_settings.index_dir.exists()


def test_document_control_characters_never_reach_the_terminal(fake_settings, fake_models, capsys):
    (fake_settings.docs_dir / "evil.txt").write_text(
        "Zanzibar harbour fees rose \x1b[2J\x1b]0;pwned\x07to 12 dollars\x0c\x0b in 2031.\n"
    )
    assert main(["search", "Zanzibar harbour fees 2031", "-k", "1", *_fake_flags(fake_settings)]) == 0
    assert main(["ask", "What did Zanzibar harbour fees rise to in 2031?", *_fake_flags(fake_settings)]) == 0
    out = capsys.readouterr().out
    assert "Zanzibar harbour fees rose to 12 dollars in 2031." in out
    assert not any(ch in out for ch in "\x1b\x07\x0c\x0b")
    assert (
        main(["search", "--json", "Zanzibar harbour fees 2031", "-k", "1", *_fake_flags(fake_settings)]) == 0
    )
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\\u001b[2J" in out
    assert "\x1b[2J" in json.loads(out)[0]["text"]  # the JSON still carries the document's text


def test_missing_docs_folder_is_one_clear_error(tmp_path, capsys):
    code = main(["search", "anything", "--docs", str(tmp_path / "nope"), "--index", str(tmp_path / "index")])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("error: ") and "does not exist" in err


def test_help_lists_commands_and_examples(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for word in ("index", "search", "ask", "chat", "eval", "examples:"):
        assert word in out


@pytest.mark.model
def test_eval_limit_writes_report_json_and_curve(model_settings, tmp_path, capsys):
    out = tmp_path / "report"
    code = main(
        [
            "eval",
            "--gold",
            str(ROOT / "evals" / "gold" / "seeds.dev.jsonl"),
            "--limit",
            "4",
            "--json",
            "--curve",
            "--config",
            "verified-hybrid-extractive",
            "--config",
            "verified-bm25-extractive",
            "--out",
            str(out),
            *_flags(model_settings),
        ]
    )
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert [r["row"] for r in summary["rows"]] == [
        "seeds verified-hybrid-extractive",
        "seeds verified-bm25-extractive",
    ]
    assert (out / "REPORT.md").read_text().startswith("# Evaluation report")
    assert len(json.loads((out / "REPORT.json").read_text())["results"]) == 8
    assert (out / "REPORT-curve-all.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_qdrant_without_its_package_is_one_line_naming_the_extra(tmp_path, monkeypatch, capsys):
    from qa.errors import MissingExtraError
    from qa.index import qdrant_vectors

    def missing():
        raise MissingExtraError(
            "vector_store=qdrant needs the qdrant-client package: run `pip install -e .[qdrant]`"
        )

    monkeypatch.setattr(qdrant_vectors, "_qdrant", missing)  # as when qdrant-client is not installed
    flags = ["--docs", str(ROOT / "seeds"), "--index", str(tmp_path / "index"), "--vector-store", "qdrant"]
    assert main(["index", *flags]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install -e .[qdrant]" in err
    assert not (tmp_path / "index").exists()


@pytest.mark.model
def test_search_through_qdrant_matches_faiss(tmp_path, capsys):
    pytest.importorskip("qdrant_client")
    results = []
    for backend in ("faiss", "qdrant"):
        flags = ["--docs", str(ROOT / "seeds"), "--index", str(tmp_path / backend), "--vector-store", backend]
        assert main(["index", *flags]) == 0
        capsys.readouterr()
        assert main(["search", "--json", "-k", "5", "Jiangxi recovered medical insurance funds", *flags]) == 0
        results.append(json.loads(capsys.readouterr().out))
    assert [(r["file"], r["lines"]) for r in results[0]] == [(r["file"], r["lines"]) for r in results[1]]
    assert results[0][0]["file"] == JIANGXI_FILE
