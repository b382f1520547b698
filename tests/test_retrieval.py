"""Reciprocal-rank fusion, and the Retriever over a real FAISS index built with the fake embedder."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.config import Settings
from qa.errors import IndexMissingError, IndexStaleError, InputError
from qa.index.freshness import stale_reasons
from qa.index.indexer import build_index
from qa.index.store import IndexStore
from qa.records import Chunk, Hit
from qa.retrieval.retriever import RRF_K, Retriever, fuse

JIANGXI_FILE = "001_5c3b6ceae2eb49f9.txt"
JIANGXI_QUERY = "Jiangxi recovered 723 million yuan"
MODES = ("bm25", "dense", "hybrid")


def chunk(name: str) -> Chunk:
    return Chunk(name, "f.txt", 1, 1, 0, 1, name)


def ranking(*names: str, score: float = 1.0) -> list[Hit]:
    return [Hit(chunk(n), score, rank) for rank, n in enumerate(names, 1)]


# --- fuse --------------------------------------------------------------------------------------------


def test_fuse_sums_reciprocal_ranks():
    fused = fuse([ranking("a", "b"), ranking("b", "c")], k=5)
    assert [h.chunk.id for h in fused] == ["b", "a", "c"]
    assert [h.rank for h in fused] == [1, 2, 3]
    expected = [1 / (RRF_K + 2) + 1 / (RRF_K + 1), 1 / (RRF_K + 1), 1 / (RRF_K + 2)]
    assert [h.score for h in fused] == pytest.approx(expected)


def test_fuse_ignores_the_scores_of_its_inputs():
    low = fuse([ranking("a", "b", score=0.01), ranking("c", score=99.0)], k=3)
    high = fuse([ranking("a", "b", score=99.0), ranking("c", score=0.01)], k=3)
    assert [(h.chunk.id, h.score) for h in low] == [(h.chunk.id, h.score) for h in high]


def test_fuse_breaks_ties_by_the_first_ranking_that_has_the_chunk():
    assert [h.chunk.id for h in fuse([ranking("x"), ranking("y")], k=2)] == ["x", "y"]
    assert [h.chunk.id for h in fuse([ranking("y"), ranking("x")], k=2)] == ["y", "x"]
    # mirrored ranks give "a" and "b" equal sums; "a" is met first. "m" (2nd twice) sums less.
    fused = fuse([ranking("a", "m", "b"), ranking("b", "m", "a")], k=3)
    assert [h.chunk.id for h in fused] == ["a", "b", "m"]
    assert fused[0].score == fused[1].score > fused[2].score


def test_fuse_limits_to_k():
    rankings = [ranking(*"abcdef"), ranking(*"fedcba")]
    assert len(fuse(rankings, k=2)) == 2
    assert fuse(rankings, k=0) == []
    assert fuse([], k=5) == []
    assert fuse([[], []], k=5) == []


@settings(max_examples=80, deadline=None, database=None)
@given(
    st.lists(st.lists(st.sampled_from("abcdefghij"), unique=True, max_size=8), max_size=3),
    st.integers(min_value=0, max_value=12),
)
def test_fuse_output_is_a_ranking_of_the_input_chunks(lists, k):
    fused = fuse([ranking(*names) for names in lists], k)
    ids = [h.chunk.id for h in fused]
    everything = {n for names in lists for n in names}
    assert len(ids) == len(set(ids)) == min(k, len(everything))
    assert set(ids) <= everything
    assert [h.rank for h in fused] == list(range(1, len(fused) + 1))
    assert all(a.score >= b.score for a, b in pairwise(fused))


# --- Retriever ---------------------------------------------------------------------------------------


@pytest.fixture
def store(fake_settings: Settings, fake_embedder) -> IndexStore:
    build_index(fake_settings, fake_embedder, progress=False)
    return IndexStore.load(fake_settings.index_dir)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("k", [1, 3, 10])
def test_search_returns_at_most_k_hits_ranked_from_1(store, fake_embedder, mode, k):
    hits = Retriever(store, fake_embedder, mode).search("medical insurance subsidy standard", k)
    assert 1 <= len(hits) <= k
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert len({h.chunk.id for h in hits}) == len(hits)
    assert all(a.score >= b.score for a, b in pairwise(hits))
    assert all(h.chunk in store.chunks for h in hits)


@pytest.mark.parametrize("mode", ["bm25", "hybrid"])
def test_the_jiangxi_amount_is_found_on_line_1(store, fake_embedder, mode):
    top = Retriever(store, fake_embedder, mode).search(JIANGXI_QUERY, 5)[0].chunk
    assert (top.file, top.first_line) == (JIANGXI_FILE, 1)
    assert "723 million yuan" in top.text


def test_dense_search_finds_a_chunk_from_its_own_text(store, fake_embedder):
    target = next(c for c in store.chunks if c.file == JIANGXI_FILE and c.first_line == 1)
    hits = Retriever(store, fake_embedder, "dense").search(target.text, 3)
    assert hits[0].chunk == target


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("k", [0, -1, 51, 10**9, 2.5, "3", None, True])
def test_search_refuses_a_k_outside_1_to_50_with_a_clear_error(store, fake_embedder, mode, k):
    """k=0/-1 returned [], 10**9 every chunk, and 2.5 a raw TypeError (issue 18, defect 8)."""
    with pytest.raises(InputError, match="k must be a whole number from 1 to 50"):
        Retriever(store, fake_embedder, mode).search(JIANGXI_QUERY, k)


def test_search_takes_a_whole_float_k_as_number_fields_send_it(store, fake_embedder):
    retriever = Retriever(store, fake_embedder)
    assert retriever.search(JIANGXI_QUERY, 3.0) == retriever.search(JIANGXI_QUERY, 3)


@pytest.mark.parametrize(
    "query", ["", "   \n\t ", "?!...", "\x00\x01", "x" * 2001, None, 42], ids=lambda q: repr(q)[:12]
)
def test_search_rejects_an_unusable_query(store, fake_embedder, query):
    with pytest.raises(InputError):
        Retriever(store, fake_embedder, "hybrid").search(query, 5)


def test_search_respects_a_smaller_query_limit(store, fake_embedder):
    retriever = Retriever(store, fake_embedder, "bm25", max_query_chars=20)
    assert retriever.search("Jiangxi 723 million", 1)
    with pytest.raises(InputError, match="limit is 20"):
        retriever.search("Jiangxi recovered 723 million yuan in 2020", 1)


def test_from_settings_without_an_index_and_no_build_raises_missing(fake_settings, fake_embedder):
    with pytest.raises(IndexMissingError, match="qa index"):
        Retriever.from_settings(fake_settings, fake_embedder, build=False)
    assert not fake_settings.index_dir.exists()


def test_from_settings_asked_to_build_builds_a_missing_index(fake_settings, fake_embedder):
    retriever = Retriever.from_settings(fake_settings.replace(retrieval="bm25"), fake_embedder, build=True)
    assert retriever.mode == "bm25"
    assert stale_reasons(fake_settings) == []
    assert retriever.search(JIANGXI_QUERY, 1)[0].chunk.file == JIANGXI_FILE


def test_from_settings_with_a_stale_index_and_no_build_raises_stale(fake_settings, fake_embedder):
    build_index(fake_settings, fake_embedder, progress=False)
    (fake_settings.docs_dir / "005_new.txt").write_text("Qinghai opened 12 new clinics in 2024.")
    with pytest.raises(IndexStaleError, match="005_new.txt"):
        Retriever.from_settings(fake_settings, fake_embedder, build=False)


def test_from_settings_rebuilds_a_stale_index(fake_settings, fake_embedder):
    build_index(fake_settings, fake_embedder, progress=False)
    (fake_settings.docs_dir / "005_new.txt").write_text("Qinghai opened 12 new clinics in 2024.")
    retriever = Retriever.from_settings(fake_settings, fake_embedder, build=True, progress=False)
    assert stale_reasons(fake_settings) == []
    assert any(c.file == "005_new.txt" for c in retriever.chunks)
    top = retriever.search("Qinghai clinics", 1)[0].chunk
    assert top.file == "005_new.txt"


@pytest.mark.parametrize("mode", ["dense", "hybrid"])
def test_an_embedder_of_another_dimension_is_refused_naming_both_models(store, mode):
    from tests.conftest import FakeEmbedder

    other = FakeEmbedder(name="local-folder-model", dim=32)  # same setting, other weights: 32 dims, not 64
    with pytest.raises(IndexStaleError) as caught:
        Retriever(store, other, mode).search(JIANGXI_QUERY, 3)
    message = str(caught.value)
    assert "fake-embedder (64 dimensions)" in message and "local-folder-model gives 32" in message
    assert "qa index --force" in message


def test_an_index_of_another_embedding_model_is_refused_naming_both(fake_settings, fake_embedder):
    build_index(fake_settings, fake_embedder, progress=False)
    with pytest.raises(IndexStaleError, match="built with embedding model fake-embedder, not other-model"):
        Retriever.from_settings(
            fake_settings.replace(embedding_model="other-model"), fake_embedder, build=False
        )


# --- issue 18: scores a caller can threshold --------------------------------------------------------------


def test_hybrid_hits_carry_the_dense_similarity_and_bm25_score(store, fake_embedder):
    retriever = Retriever(store, fake_embedder, "hybrid")
    hits = retriever.search(JIANGXI_QUERY, 5)
    dense = {h.chunk.id: h.score for h in Retriever(store, fake_embedder, "dense").search(JIANGXI_QUERY, 50)}
    bm25 = {h.chunk.id: h.score for h in Retriever(store, fake_embedder, "bm25").search(JIANGXI_QUERY, 50)}
    assert hits[0].dense == pytest.approx(dense[hits[0].chunk.id]) and -1 <= hits[0].dense <= 1
    assert hits[0].bm25 == pytest.approx(bm25[hits[0].chunk.id]) and hits[0].bm25 > 0
    assert all(h.dense is not None or h.bm25 is not None for h in hits)
    out = hits[0].to_dict()
    assert out["dense"] == round(hits[0].dense, 6) and out["bm25"] == round(hits[0].bm25, 6)


def test_single_mode_hits_carry_their_own_score_only(store, fake_embedder):
    (dense,) = Retriever(store, fake_embedder, "dense").search(JIANGXI_QUERY, 1)
    (bm25,) = Retriever(store, fake_embedder, "bm25").search(JIANGXI_QUERY, 1)
    assert (dense.dense, dense.bm25) == (dense.score, None)
    assert (bm25.bm25, bm25.dense) == (bm25.score, None)


def test_relative_fusion_keeps_a_wide_lead_that_rank_fusion_loses():
    from qa.records import Chunk, Hit
    from qa.retrieval.retriever import fuse, fuse_relative

    def hit(name: str, score: float, rank: int) -> Hit:
        return Hit(Chunk(name, "f.txt", 1, 1, 0, 1, "x"), score, rank)

    # BM25: "lead" far ahead; dense: "lead" not listed, "steady" and "other" listed in both
    lexical = [hit("lead", 28.0, 1), hit("steady", 10.0, 2), hit("other", 9.0, 3), hit("tail", 1.0, 4)]
    dense = [hit("steady", 0.6, 1), hit("other", 0.55, 2), hit("tail", 0.2, 3)]
    assert fuse([lexical, dense], 1, [1.0, 0.25])[0].chunk.id == "steady"
    assert fuse_relative([lexical, dense], 1, [1.0, 0.25])[0].chunk.id == "lead"
    # one ranking alone keeps its order; equal scores count fully
    assert [h.chunk.id for h in fuse_relative([lexical, []], 4)] == ["lead", "steady", "other", "tail"]
    assert fuse_relative([[hit("a", 1.0, 1), hit("b", 1.0, 2)]], 2)[1].score == 1.0
