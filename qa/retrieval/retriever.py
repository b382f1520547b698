"""Finding the chunks that answer a question: dense (FAISS), BM25, or both fused."""

from __future__ import annotations

import dataclasses
import logging

from qa.answer.writing_systems import corpus_scripts
from qa.config import Settings
from qa.errors import IndexMissingError, IndexStaleError
from qa.index.indexer import build_index, stale_reasons
from qa.index.planning import duration, plan_build
from qa.index.store import FaissStore
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
    best = sorted(scores, key=lambda cid: -scores[cid])[:k]
    return [Hit(chunks[cid], scores[cid], rank) for rank, cid in enumerate(best, 1)]


def with_scores(hits: list[Hit], dense: list[Hit], bm25: list[Hit]) -> list[Hit]:
    """The hits with the dense similarity and BM25 score of each chunk beside its own score."""
    by_dense = {h.chunk.id: h.score for h in dense}
    by_bm25 = {h.chunk.id: h.score for h in bm25}
    return [
        dataclasses.replace(h, dense=by_dense.get(h.chunk.id), bm25=by_bm25.get(h.chunk.id)) for h in hits
    ]


def _build_if_short(settings: Settings, embedder: Embedder, reasons: list[str], progress: bool) -> None:
    """Build the index now, saying what it costs, or refuse when it would take long."""
    plan = plan_build(settings)
    why = "; ".join(reasons)
    if plan.seconds > settings.auto_build_seconds:
        error = IndexMissingError if reasons == ["no index yet"] else IndexStaleError
        raise error(
            f"the index needs building ({why}): {plan.describe()}, more than the "
            f"{duration(settings.auto_build_seconds)} (QA_AUTO_BUILD_SECONDS) that ask and search build "
            "for by themselves: run `qa index` (it shows progress)"
        )
    log.warning("building the index (%s): %s", why, plan.describe())
    build_index(settings, embedder, progress=progress)


class Retriever:
    """search(query, k) over one index; usable on its own, without any generator."""

    def __init__(
        self,
        store: FaissStore,
        embedder: Embedder,
        mode: str = "hybrid",
        max_query_chars: int = 2000,
        dense_weight: float = 0.25,
    ):
        self.store = store
        self.embedder = embedder
        self.mode = mode
        self.dense_weight = dense_weight  # of the dense ranking in hybrid fusion; BM25 weighs 1
        self.max_query_chars = max_query_chars
        self.bm25 = BM25(store.chunks)  # built once; a search only reads it
        self.common_terms = common_terms(store.lines)  # e.g. the country every article names
        self.file_tokens = file_tokens(store.lines)  # where a name may be the subject of a whole file
        self.ordinary_words = ordinary_words(store.lines)  # capitalised, these open sentences
        self.scripts = corpus_scripts(store.lines.values())  # e.g. {"Latin"} for English articles

    @classmethod
    def from_settings(
        cls, settings: Settings, embedder: Embedder | None = None, build: bool = True, progress: bool = True
    ) -> Retriever:
        """Load the index; when it is missing or stale, rebuild it (build=True) or raise.

        A build is logged with what it embeds and an estimate of how long it takes, and refused
        (pointing to `qa index`) when that is longer than settings.auto_build_seconds.
        """
        embedder = embedder or SentenceTransformerEmbedder.from_settings(settings)
        try:
            reasons = stale_reasons(settings)
        except IndexMissingError:
            if not build:
                raise
            reasons = ["no index yet"]
        if reasons:
            if not build:
                raise IndexStaleError(f"index is stale ({'; '.join(reasons)}): run `qa index`")
            _build_if_short(settings, embedder, reasons, progress)
        store = FaissStore.load(settings.index_dir, qdrant_api_key=settings.qdrant_api_key)
        return cls(store, embedder, settings.retrieval, settings.max_question_chars, settings.dense_weight)

    @property
    def chunks(self):
        return self.store.chunks

    def search(self, query: str, k: int = 5) -> list[Hit]:
        """The k best chunks for the query, best first (rank 1); k is 1 to qa.inputs.MAX_K (50)."""
        query = clean_question(query, self.max_query_chars)
        k = check_k(k)
        depth = max(4 * k, 30)  # fusion needs candidates beyond k from each side
        if self.mode == "bm25":
            lexical = self.bm25.search(query, k)
            return with_scores(lexical, [], lexical)
        dense = self.store.search(self._query_vector(query), depth if self.mode == "hybrid" else k)
        if self.mode == "dense":
            return with_scores(dense, dense, [])
        lexical = self.bm25.search(query, depth)
        return with_scores(fuse([lexical, dense], k, [1.0, self.dense_weight]), dense, lexical)

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
