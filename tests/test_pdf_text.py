"""PDFs: text page by page, citations by page and line on the page, unreadable files skipped with why.

The PDFs are written by the test (tests/pdf_fixtures.py); nothing binary is committed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.answer.pipeline import Pipeline
from qa.app.cli import format_answer
from qa.index.indexer import build_index
from qa.index.store import IndexStore
from qa.ingest.corpus import Document, Skipped, read_document
from qa.ingest.pdf_text import UnreadablePdf, join_pages, pdf_pages
from qa.retrieval.retriever import Retriever
from tests.conftest import chunked
from tests.pdf_fixtures import encrypted_pdf_bytes, pdf_bytes, pdf_from_streams

REPORT = [
    ["Annual report of the fund office.", "Page one has no figures."],
    [],  # a page without text keeps the numbering of the pages after it
    [
        "Hainan section.",
        "Hainan recovered 456 million yuan of medical insurance funds in 2021.",
        "Shanxi recovered 12 million yuan.",
    ],
]


def test_pdf_pages_gives_the_text_of_every_page():
    assert pdf_pages(pdf_bytes(REPORT)) == [
        "Annual report of the fund office.\nPage one has no figures.",
        "",
        "Hainan section.\nHainan recovered 456 million yuan of medical insurance funds in 2021.\n"
        "Shanxi recovered 12 million yuan.",
    ]


def test_a_pdf_document_numbers_lines_through_the_file_and_on_each_page(tmp_path: Path):
    (tmp_path / "report.pdf").write_bytes(pdf_bytes(REPORT))
    doc = read_document(tmp_path / "report.pdf", tmp_path)
    assert isinstance(doc, Document) and doc.encoding == "pdf"
    assert doc.page_starts == (1, 3, 4)
    assert doc.line(5).startswith("Hainan recovered 456 million")
    assert [doc.page_of(n) for n in range(1, 7)] == [(1, 1), (1, 2), (2, 1), (3, 1), (3, 2), (3, 3)]
    chunk = next(c for c in chunked([doc])[0] if "456 million" in c.text)
    assert (chunk.page, chunk.page_line) == (3, chunk.first_line - 3)
    assert chunk.location.startswith("report.pdf p.3 line ")


def test_text_files_have_no_pages(tmp_path: Path):
    (tmp_path / "a.txt").write_text("One.\nTwo.")
    doc = read_document(tmp_path / "a.txt", tmp_path)
    assert doc.page_starts == () and doc.page_of(2) is None
    assert {(c.page, c.page_line) for c in chunked([doc])[0]} == {(None, None)}


def test_join_pages_starts_each_page_on_its_own_line():
    text, starts = join_pages(["a\nb", "c", "", "d\ne"])
    lines = text.split("\n")
    assert starts == (1, 3, 4, 5)
    assert [lines[s - 1] for s in starts] == ["a", "c", "", "d"]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (lambda: encrypted_pdf_bytes(REPORT), "encrypted PDF (needs a password)"),
        (lambda: b"%PDF-1.4 not really a PDF", "unreadable PDF"),
        (lambda: pdf_bytes(REPORT)[:200], "unreadable PDF"),
        (lambda: pdf_bytes([[], []]), "PDF without text"),
        (lambda: b"", "unreadable PDF"),
    ],
)
def test_unusable_pdfs_are_skipped_with_why(tmp_path: Path, raw, reason):
    (tmp_path / "x.pdf").write_bytes(raw())
    result = read_document(tmp_path / "x.pdf", tmp_path)
    assert isinstance(result, Skipped)
    assert result.reason.startswith(reason)


def test_a_pdf_encrypted_with_an_empty_password_is_read():
    assert pdf_pages(encrypted_pdf_bytes(REPORT, password=""))[0].startswith("Annual report")


def test_pdf_pages_raises_its_own_error_only():
    with pytest.raises(UnreadablePdf):
        pdf_pages(b"\x00\x01garbage")


# --- through the index and the pipeline -------------------------------------------------------------


@pytest.fixture
def pdf_settings(fake_settings, fake_embedder):
    (fake_settings.docs_dir / "report.pdf").write_bytes(pdf_bytes(REPORT))
    build_index(fake_settings, fake_embedder, progress=False)
    return fake_settings


def test_the_index_keeps_page_numbers_of_pdfs(pdf_settings):
    store = IndexStore.load(pdf_settings.index_dir)
    assert store.pages == {"report.pdf": (1, 3, 4)}
    assert store.page_of("report.pdf", 5) == (3, 2)
    assert store.page_of("001_5c3b6ceae2eb49f9.txt", 1) is None
    assert store.lines[("report.pdf", 5)].startswith("Hainan recovered 456 million")


def test_an_answer_from_a_pdf_cites_page_and_line(pdf_settings, fake_embedder, capsys):
    retriever = Retriever.from_settings(pdf_settings, embedder=fake_embedder, build=False)
    answer = Pipeline(pdf_settings, retriever=retriever).ask("How much did Hainan recover in 2021?")

    assert not answer.abstained
    citation = next(c for c in answer.citations if c.file == "report.pdf")
    assert (citation.line, citation.page, citation.page_line) == (5, 3, 2)
    assert "456 million" in citation.text
    out = answer.to_dict()
    cited = next(c for c in out["citations"] if c["file"] == "report.pdf")
    assert cited == {"file": "report.pdf", "line": 5, "text": citation.text, "page": 3, "page_line": 2}
    passage = next(p for p in out["passages"] if p["file"] == "report.pdf")
    assert passage["page"] == 3
    assert "[report.pdf p.3 line 2]" in format_answer(answer)
    json.dumps(out)  # still plain JSON


def test_text_citations_keep_their_json_shape(pdf_settings, fake_embedder):
    retriever = Retriever.from_settings(pdf_settings, embedder=fake_embedder, build=False)
    answer = Pipeline(pdf_settings, retriever=retriever).ask("What was Jiangxi's 2020 recovered fund amount?")
    assert answer.citations
    for c in answer.to_dict()["citations"]:
        if c["file"].endswith(".txt"):
            assert set(c) == {"file", "line", "text"}


@pytest.mark.model
def test_the_packaged_embedder_answers_from_a_pdf_with_page_and_line(tmp_path):
    """The Jiangxi article as page 2 of a PDF, behind a cover page: the answer cites p.2 and its line."""
    from qa.config import Settings
    from tests.conftest import JIANGXI_FILE, SEEDS

    article = (SEEDS / JIANGXI_FILE).read_text(encoding="utf-8")
    latin = article.encode("latin-1", "replace").decode("latin-1")  # the test PDF's font is Latin-1
    lines = [line for line in latin.split("\n") if line.strip()]
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "jiangxi.pdf").write_bytes(pdf_bytes([["Medical insurance fund report", "Cover page"], lines]))
    settings = Settings(docs_dir=docs, index_dir=tmp_path / "index", generator_model="none")

    answer = Pipeline(settings, retriever=Retriever.from_settings(settings, build=True)).ask(
        "What was Jiangxi's 2020 recovered fund amount?"
    )

    assert not answer.abstained and "723 million" in answer.text
    cited = [c for c in answer.citations if "723 million" in c.text]
    assert cited and all((c.file, c.page) == ("jiangxi.pdf", 2) for c in cited)
    assert lines[cited[0].page_line - 1].strip() == cited[0].text


def test_the_web_page_shows_page_and_line_of_pdf_sources():
    from qa.app.web import render_answer, render_passages
    from qa.records import Answer, Chunk, Citation, Hit

    chunk = Chunk("r.pdf#0", "r.pdf", 4, 6, 0, 29, "Hainan recovered 456 million.", page=3, page_line=1)
    citation = Citation("r.pdf", 5, "Hainan recovered 456 million.", page=3, page_line=2)
    answer = Answer("q", "Hainan recovered 456 million.", False, (citation,), (Hit(chunk, 0.5, 1),))
    assert "[r.pdf, p.3 line 2](#cite=r.pdf:5)" in render_answer(answer)  # a link that opens the line
    assert "`r.pdf` p.3 line 1" in render_passages(answer)


def test_an_underscore_drawn_as_a_rule_is_read_as_an_underscore():
    # TeX draws "\_" in its text fonts as a short rule: "wq_flush" is "wq", a rule, "flush"
    page = """BT /F1 12 Tf 72 720 Td (wq) Tj ET
0.5 w 88 720.5 m 93 720.5 l S
BT /F1 12 Tf 94 720 Td (flush) Tj ET
BT /F1 12 Tf 72 700 Td (wq) Tj ET
72 697 m 300 697 l S
BT /F1 12 Tf 94 700 Td (push) Tj ET
BT /F1 12 Tf 72 680 Td (wq) Tj ET
88 680.3 5 0.4 re f
BT /F1 12 Tf 94 680 Td (drain) Tj ET"""
    # a filled thin box counts too; a long rule under the line (a table's) does not
    assert pdf_pages(pdf_from_streams([page])) == ["wq_flush\nwq push\nwq_drain"]
