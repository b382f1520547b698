"""The LangChain adapter: a real langchain-core BaseRetriever over a real Retriever (fake embedder)."""

from __future__ import annotations

import pytest

pytest.importorskip(
    "langchain_core", reason="the langchain extra is not installed (pip install -e .[langchain])"
)

from langchain_core.documents import Document  # noqa: E402
from langchain_core.retrievers import BaseRetriever  # noqa: E402

from qa.app.langchain_retriever import QARetriever  # noqa: E402
from qa.retrieval.retriever import Retriever  # noqa: E402
from tests.conftest import JIANGXI_FILE  # noqa: E402

QUERY = "Jiangxi recovered 723 million yuan"


@pytest.fixture
def retriever(fake_settings, fake_embedder) -> Retriever:
    return Retriever.from_settings(fake_settings, fake_embedder, build=True)


def test_invoke_returns_the_retrievers_hits_as_documents(retriever):
    adapter = QARetriever(retriever=retriever, k=3)
    assert isinstance(adapter, BaseRetriever)
    docs = adapter.invoke(QUERY)
    hits = retriever.search(QUERY, 3)
    assert all(isinstance(d, Document) for d in docs)
    assert [d.page_content for d in docs] == [h.chunk.text for h in hits]
    assert [d.metadata["rank"] for d in docs] == [1, 2, 3]
    first = docs[0].metadata
    assert first["file"] == JIANGXI_FILE == hits[0].chunk.file
    assert first["lines"] == [hits[0].chunk.first_line, hits[0].chunk.last_line]
    assert first["score"] == pytest.approx(hits[0].score)
    assert docs[0].id == first["chunk_id"] == hits[0].chunk.id


def test_k_is_respected_and_batch_works(retriever):
    adapter = QARetriever(retriever=retriever, k=1)
    out = adapter.batch([QUERY, "long-term care insurance"])
    assert [len(docs) for docs in out] == [1, 1]


async def _ainvoke(adapter, query):
    return await adapter.ainvoke(query)


def test_async_invoke_matches_invoke(retriever):
    import asyncio

    adapter = QARetriever(retriever=retriever, k=2)
    assert asyncio.run(_ainvoke(adapter, QUERY)) == adapter.invoke(QUERY)


def test_bad_queries_raise_the_products_input_error(retriever):
    from qa.errors import InputError

    with pytest.raises(InputError, match="empty"):
        QARetriever(retriever=retriever).invoke("   ")


def test_without_langchain_the_import_error_names_the_extra():
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['langchain_core'] = None\n"
        "try:\n    import qa.app.langchain_retriever\n"
        "except Exception as e:\n    print(type(e).__name__, e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.startswith("MissingExtraError") and "pip install -e .[langchain]" in out


# --- issue 18: k per call, one k check, page numbers ------------------------------------------------------


def test_k_per_call_and_in_search_kwargs(retriever):
    adapter = QARetriever(retriever=retriever, k=3)
    assert len(adapter.invoke(QUERY)) == 3
    assert len(adapter.invoke(QUERY, k=1)) == 1  # ignored before: always self.k
    assert len(QARetriever(retriever=retriever, search_kwargs={"k": 2}).invoke(QUERY)) == 2
    assert len(QARetriever(retriever=retriever, search_kwargs={"k": 2}).invoke(QUERY, k=4)) == 4


@pytest.mark.parametrize("k", [0, -1, 10**9, 2.5])
def test_a_bad_k_is_the_same_clear_error_as_everywhere(retriever, k):
    from qa.errors import InputError

    with pytest.raises(InputError, match="k must be a whole number from 1 to 50"):
        QARetriever(retriever=retriever, k=k)
    with pytest.raises(InputError, match="k must be a whole number from 1 to 50"):
        QARetriever(retriever=retriever).invoke(QUERY, k=k)


def test_documents_from_a_pdf_carry_page_numbers(fake_settings, fake_embedder):
    from tests.pdf_fixtures import pdf_bytes
    from tests.test_pdf_text import REPORT

    (fake_settings.docs_dir / "report.pdf").write_bytes(pdf_bytes(REPORT))
    adapter = QARetriever(retriever=Retriever.from_settings(fake_settings, fake_embedder, build=True))
    docs = adapter.invoke("Hainan recovered 456 million yuan 2021", k=10)
    hainan = next(d for d in docs if "Hainan recovered" in d.page_content)
    meta = hainan.metadata
    assert (meta["file"], meta["page"], meta["page_line"]) == ("report.pdf", 3, 1)
    text = next(d for d in docs if d.metadata["file"].endswith(".txt"))
    assert "page" not in text.metadata


def test_memory_documents_keep_their_metadata_and_filter_through_search_kwargs():
    import qa
    from tests.conftest import FakeEmbedder

    docs = [
        qa.TextDocument("a", "Jiangxi recovered 723 million yuan in 2020.", {"year": 2020}),
        qa.TextDocument("b", "Hainan recovered 456 million yuan in 2021.", {"year": 2021}),
    ]
    adapter = QARetriever(
        retriever=Retriever.from_documents(docs, FakeEmbedder()), search_kwargs={"where": {"year": 2021}}
    )
    (doc,) = adapter.invoke("recovered million yuan")
    assert doc.metadata["file"] == "b" and doc.metadata["year"] == 2021
    assert {
        d.metadata["file"] for d in adapter.invoke("recovered million yuan", where={"year": [2020, 2021]})
    } == {"a", "b"}
