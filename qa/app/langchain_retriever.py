"""A LangChain retriever over qa.Retriever (the `langchain` extra: langchain-core).

    >>> import qa
    >>> from qa.app.langchain_retriever import QARetriever
    >>> settings = qa.load_settings()
    >>> retriever = QARetriever(retriever=qa.Retriever.from_settings(settings), k=3)  # doctest: +SKIP
    >>> docs = retriever.invoke("Jiangxi recovered funds")  # doctest: +SKIP
    >>> docs[0].metadata  # doctest: +SKIP
    {'file': '001_5c3b6ceae2eb49f9.txt', 'lines': [1, 1], 'score': 0.0205, 'rank': 1, 'chunk_id': '...'}

Each Document's page_content is the chunk text; metadata holds file, lines ([first, last],
1-based, inclusive), score, rank and chunk_id; dense and bm25 (the scores to threshold, see
qa.records.Hit) when that ranking scored the chunk; page and page_line (where the chunk starts)
for a PDF; and the fields of a document indexed from memory (qa.TextDocument). A filter goes in
`search_kwargs={"where": {"year": 2021}}` or `invoke(query, where=...)`. k is set per retriever
(`k=3`), in `search_kwargs={"k": 3}`, or per call (`invoke(query, k=1)`); it is 1 to 50, as
everywhere. No generator is loaded.
"""

from __future__ import annotations

from typing import Any

from qa.errors import MissingExtraError

try:
    from langchain_core.callbacks import CallbackManagerForRetrieverRun
    from langchain_core.documents import Document
    from langchain_core.retrievers import BaseRetriever
except ImportError as e:  # the optional extra is not installed
    raise MissingExtraError(
        "qa.app.langchain_retriever needs langchain-core: run `pip install -e .[langchain]`"
    ) from e

from pydantic import Field, field_validator

from qa.inputs import check_k
from qa.records import Hit


def to_document(hit: Hit, extra: dict | None = None) -> Document:
    """One retrieved chunk as a LangChain Document; extra is the caller's metadata of its document."""
    c = hit.chunk
    return Document(
        page_content=c.text,
        id=c.id,
        metadata={
            **(extra or {}),
            "file": c.file,
            "lines": [c.first_line, c.last_line],
            "score": hit.score,
            "rank": hit.rank,
            "chunk_id": c.id,
            **({} if c.page is None else {"page": c.page, "page_line": c.page_line}),
            **{k: v for k, v in (("dense", hit.dense), ("bm25", hit.bm25)) if v is not None},
        },
    )


class QARetriever(BaseRetriever):
    """LangChain's BaseRetriever around a qa.Retriever: invoke(query) -> the k best chunks as Documents."""

    retriever: Any  # a qa.Retriever (any object with search(query, k, **options) -> list[Hit])
    k: int = 5
    search_kwargs: dict[str, Any] = Field(default_factory=dict)  # passed to search; may set "k"

    @field_validator("k", mode="before")
    @classmethod
    def _k(cls, k: int) -> int:
        return check_k(k)

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        """kwargs of invoke() beat search_kwargs, which beat the retriever's k."""
        options = {"k": self.k, **self.search_kwargs, **kwargs}
        k = check_k(options.pop("k"))
        metadata = getattr(self.retriever, "metadata", {})  # of documents indexed from memory
        return [
            to_document(h, metadata.get(h.chunk.file)) for h in self.retriever.search(query, k, **options)
        ]
