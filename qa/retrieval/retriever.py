"""Finding the chunks that answer a question: dense (FAISS), BM25, or both fused."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable
from pathlib import Path

from qa.answer.writing_systems import corpus_scripts
from qa.config import Settings
from qa.errors import IndexStaleError, InputError
from qa.index.memory import TextDocument, build_memory_store, load_memory_store, save_memory_store
from qa.index.planning import ensure_index, require_index
from qa.index.store import IndexStore
from qa.inputs import check_k, clean_question
from qa.records import Hit
from qa.retrieval.embedding import Embedder, SentenceTransformerEmbedder
from qa.retrieval.lexical import BM25, common_terms, file_tokens, ordinary_words

log = logging.getLogger(__name__)

RRF_K = 60  # the usual reciprocal-rank-fusion constant; damps the weight of rank 1 vs rank 2


def fuse(rankings: list[list[Hit]], k: int, weights: list[float] | None = None) -> list[Hit]:
    """Weighted reciprocal-rank fusion: score = sum over rankings of weight / (RRF_K + rank).

    Ties keep the order of the first ranking that has the chunk.
    """
    weights = weights or [1.0] * len(rankings)
    scores: dict[str, float] = {}
    chunks = {}
    for weight, hits in zip(weights, rankings, strict=True):
        for hit in hits:
            scores[hit.chunk.id] = scores.get(hit.chunk.id, 0.0) + weight / (RRF_K + hit.rank)
            chunks.setdefault(hit.chunk.id, hit.chunk)
    return _ranked(scores, chunks, k)


def fuse_relative(rankings: list[list[Hit]], k: int, weights: list[float] | None = None) -> list[Hit]:
    """Relative score fusion: each ranking's scores min-max normalised to [0, 1] over its hits, weighted
    and summed. Unlike ranks, the scores keep a wide lead: a chunk far ahead in one ranking and
    missing from the other is not passed by chunks that are middling in both.
    """
    weights = weights or [1.0] * len(rankings)
    scores: dict[str, float] = {}
    chunks = {}
    for weight, hits in zip(weights, rankings, strict=True):
        if not hits:
            continue
        low, high = min(h.score for h in hits), max(h.score for h in hits)
        spread = high - low
        for hit in hits:
            share = (hit.score - low) / spread if spread > 0 else 1.0
            scores[hit.chunk.id] = scores.get(hit.chunk.id, 0.0) + weight * share
            chunks.setdefault(hit.chunk.id, hit.chunk)
    return _ranked(scores, chunks, k)


def _ranked(scores: dict[str, float], chunks: dict, k: int) -> list[Hit]:
    """The k best-scored chunks as hits ranked from 1 (ties keep insertion order)."""
    best = sorted(scores, key=lambda cid: -scores[cid])[:k]
    return [Hit(chunks[cid], scores[cid], rank) for rank, cid in enumerate(best, 1)]


def _only(hits: list[Hit], allowed: set[str]) -> list[Hit]:
    """The hits of allowed chunks, ranked again from 1."""
    kept = [h for h in hits if h.chunk.id in allowed]
    return [dataclasses.replace(h, rank=rank) for rank, h in enumerate(kept, 1)]


def _matches(value: object, want: object) -> bool:
    if isinstance(want, (list, tuple, set, frozenset)):
        return value in want
    return value == want


def with_scores(hits: list[Hit], dense: list[Hit], bm25: list[Hit]) -> list[Hit]:
    """The hits with the dense similarity and BM25 score of each chunk beside its own score."""
    by_dense = {h.chunk.id: h.score for h in dense}
    by_bm25 = {h.chunk.id: h.score for h in bm25}
    return [
        dataclasses.replace(h, dense=by_dense.get(h.chunk.id), bm25=by_bm25.get(h.chunk.id)) for h in hits
    ]


class Retriever:
    """search(query, k) over one index; usable on its own, without any generator."""

    def __init__(
        self,
        store: IndexStore,
        embedder: Embedder,
        mode: str = "hybrid",
        max_query_chars: int = 2000,
        dense_weight: float = 0.25,
        metadata: dict[str, dict] | None = None,
        fusion: str = "relative",
    ):
        self.store = store
        self.metadata = metadata or {}  # file -> the caller's fields (documents indexed from memory)
        self.embedder = embedder
        self.mode = mode
        self.dense_weight = dense_weight  # of the dense ranking in hybrid fusion; BM25 weighs 1
        self.fusion = fusion  # "relative" (scores) or "rrf" (ranks): see Settings.fusion
        self.max_query_chars = max_query_chars
        self.bm25 = BM25(store.chunks)  # built once; a search only reads it
        self.common_terms = common_terms(store.lines)  # e.g. the country every article names
        self.file_tokens = file_tokens(store.lines)  # where a name may be the subject of a whole file
        self.ordinary_words = ordinary_words(store.lines)  # capitalised, these open sentences
        self.scripts = corpus_scripts(store.lines.values())  # e.g. {"Latin"} for English articles

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        embedder: Embedder | None = None,
        build: bool = False,
        progress: bool = False,
        max_build_seconds: float | None = None,
    ) -> Retriever:
        """Load the index of settings.docs_dir from settings.index_dir.

        Never builds unless asked: a missing or stale index raises IndexMissingError/IndexStaleError
        saying what is missing or stale and how to build it. build=True updates it first (only new
        and changed files are embedded), logging what it embeds and how long that should take;
        max_build_seconds refuses a build estimated longer, pointing to `qa index` (the CLI and the
        web app pass QA_AUTO_BUILD_SECONDS). Progress bars only with progress=True.
        """
        embedder = embedder or SentenceTransformerEmbedder.from_settings(settings)
        if build:
            ensure_index(settings, embedder, max_build_seconds, progress)
        else:
            require_index(settings)
        store = IndexStore.load(settings.index_dir, qdrant_api_key=settings.qdrant_api_key)
        return cls._configured(store, embedder, settings)

    @classmethod
    def from_documents(
        cls, documents: Iterable[TextDocument], embedder: Embedder, settings: Settings | None = None
    ) -> Retriever:
        """A retriever over documents given in memory (qa.TextDocument(name, text, metadata)); nothing
        is written to disk until save(). settings gives chunking and retrieval mode (default: defaults)."""
        settings = settings or Settings()
        store, metadata = build_memory_store(documents, embedder, settings)
        return cls._configured(store, embedder, settings, metadata)

    def save(self, folder: str | Path) -> Path:
        """Save an index of documents given in memory (from_documents) into `folder`, metadata
        included, in the format of a folder index, written atomically; returns its build folder.
        Saving again into the same folder replaces what it held. Retriever.load reads it back."""
        return save_memory_store(self.store, Path(folder))

    @classmethod
    def load(cls, folder: str | Path, embedder: Embedder, settings: Settings | None = None) -> Retriever:
        """The retriever saved into `folder` by save(): its documents, chunks, vectors and metadata
        (so `where` filters work as before), checked like a folder index. embedder and
        settings.language_model must be those it was built with; settings gives the retrieval mode."""
        settings = settings or Settings()
        store = load_memory_store(Path(folder), embedder, settings)
        return cls._configured(store, embedder, settings, store.manifest.metadata)

    @classmethod
    def _configured(
        cls,
        store: IndexStore,
        embedder: Embedder,
        settings: Settings,
        metadata: dict[str, dict] | None = None,
    ) -> Retriever:
        """A retriever over `store` searching as `settings` say (mode, query bound, fusion)."""
        return cls(
            store,
            embedder,
            settings.retrieval,
            settings.max_question_chars,
            settings.dense_weight,
            metadata,
            fusion=settings.fusion,
        )

    @property
    def chunks(self):
        return self.store.chunks

    def search(self, query: str, k: int = 5, where: dict | None = None) -> list[Hit]:
        """The k best chunks for the query, best first (rank 1); k is 1 to qa.inputs.MAX_K (50).

        where keeps only chunks of documents whose fields equal the given values ({"file": "a.txt"},
        {"year": 2020}); a list, tuple or set of values means any of them. "file" is the document's
        name; other fields are the metadata of documents indexed from memory.
        """
        query = clean_question(query, self.max_query_chars)
        k = check_k(k)
        allowed = self._allowed(where)
        if allowed is not None and not allowed:
            return []
        # A filtered search ranks every chunk, so that k of the allowed ones are found; hybrid fusion
        # needs candidates beyond k from each side.
        depth = max(4 * k, 30) if allowed is None else len(self.store.chunks)
        alone = k if allowed is None else depth  # a single mode needs no more than k unfiltered
        lexical, dense = [], []
        if self.mode != "dense":
            lexical = self.bm25.search(query, alone if self.mode == "bm25" else depth)
        if self.mode != "bm25":
            dense = self.store.search(self._query_vector(query), alone if self.mode == "dense" else depth)
        if allowed is not None:
            lexical, dense = _only(lexical, allowed), _only(dense, allowed)
        if self.mode == "bm25":
            hits = lexical[:k]
        elif self.mode == "dense":
            hits = dense[:k]
        else:
            combine = fuse_relative if self.fusion == "relative" else fuse
            hits = combine([lexical, dense], k, [1.0, self.dense_weight])
        return with_scores(hits, dense, lexical)

    def _allowed(self, where: dict | None) -> set[str] | None:
        """Ids of the chunks the filter keeps; None without a filter."""
        if not where:
            return None
        if not isinstance(where, dict):
            raise InputError(f'where must be a dict such as {{"file": "a.txt"}}, not {type(where).__name__}')
        fields = {"file"} | {key for meta in self.metadata.values() for key in meta}
        unknown = sorted(set(where) - fields)
        if unknown:
            raise InputError(
                f"no document has the field {unknown[0]!r}: filter by {', '.join(sorted(fields))}"
            )
        files = {
            file
            for file in self.store.manifest.sources
            if all(
                _matches({"file": file, **self.metadata.get(file, {})}.get(key), want)
                for key, want in where.items()
            )
        }
        return {c.id for c in self.store.chunks if c.file in files}

    def _query_vector(self, query: str):
        """The query's vector, refused when the embedder is not the one the index was built with."""
        vector = self.embedder.embed([query])[0]
        built = self.store.manifest
        if vector.shape[-1] != built.dim:
            raise IndexStaleError(
                f"the index was built with embedding model {built.embedding_model} ({built.dim} dimensions) "
                f"but the embedding model {self.embedder.name} gives {vector.shape[-1]}: "
                "run `qa index --force` to rebuild it"
            )
        return vector
