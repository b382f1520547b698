"""Offline question answering over a folder of articles, with answers checked against cited lines.

The public API (README "Python API"):

- ``load_settings(**overrides) -> Settings``: defaults, then QA_* variables, then the overrides.
- ``Retriever.from_settings(settings)``: loads the index (a missing or stale one is an IndexMissingError
  or IndexStaleError saying how to build it; ``build=True`` updates it first); ``search(query, k) ->
  list[Hit]``, best first. Loads the embedding model only, never a generator.
- ``Pipeline(settings)``: ``ask(question, history=None) -> Answer`` (text, abstained, citations, hits),
  ``stream(question, history=None)`` yields token events, then the answer.
- ``SentenceTransformerEmbedder.from_settings(settings)`` makes the embedder that
  ``build_index(settings, embedder)`` and ``Retriever.from_settings(settings, embedder)`` take.
- ``Retriever.from_documents([TextDocument(name, text, metadata)], embedder)``: an index of documents
  given in memory; ``search(query, k, where={...})`` filters by file or metadata; ``save(folder)`` and
  ``Retriever.load(folder, embedder)`` keep it on disk.
- data types ``Chunk``, ``Hit`` (with ``dense`` and ``bm25`` scores), ``Citation``, ``Answer``;
  errors are ``QAError`` subclasses. Library calls never start a build unless asked (build=True) and
  print no progress bars unless asked (progress=True).

    >>> import qa
    >>> settings = qa.load_settings(docs_dir="seeds")          # doctest: +SKIP
    >>> retriever = qa.Retriever.from_settings(settings, build=True)  # doctest: +SKIP
    >>> retriever.search("Jiangxi recovered funds", k=3)[0].chunk.file  # doctest: +SKIP
    '001_5c3b6ceae2eb49f9.txt'
    >>> qa.Pipeline(settings).ask("What was Jiangxi's 2020 recovered fund amount?").text  # doctest: +SKIP

Heavy modules (torch, transformers, faiss) load only when a name that needs them is used.
Optional extras: ``langchain`` for qa.app.langchain_retriever.QARetriever,
``qdrant`` for vector_store="qdrant".
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "Settings": "config",
    "load_settings": "config",
    "QAError": "errors",
    "Chunk": "records",
    "Hit": "records",
    "Citation": "records",
    "Answer": "records",
    "Retriever": "retrieval.retriever",
    "TextDocument": "index.memory",
    "SentenceTransformerEmbedder": "retrieval.embedding",
    "Pipeline": "answer.pipeline",
    "build_index": "index.indexer",
}
__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'qa' has no attribute {name!r}")
