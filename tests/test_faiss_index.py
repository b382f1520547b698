"""Index type chosen by corpus size; every type builds, saves, loads and searches like exact search.

Real FAISS on small synthetic data and the seed articles with the fake embedder; no models.
"""

from __future__ import annotations

import faiss
import numpy as np
import pytest

from qa.config import Settings
from qa.errors import InputError
from qa.index import faiss_index
from qa.index.faiss_index import (
    INDEX_TYPES,
    build_index,
    choose_index_type,
    ivf_lists,
    ivf_probes,
)
from qa.index.freshness import stale_reasons
from qa.index.indexer import build_index as build_corpus_index
from qa.index.store import IndexStore

# index type -> the FAISS class build_index makes for it
FAISS_CLASS = {
    "flat": faiss.IndexFlatIP,
    "hnsw": faiss.IndexHNSWFlat,
    "ivf": faiss.IndexIVFFlat,
    "ivfsq8": faiss.IndexIVFScalarQuantizer,
}


def clustered(n: int, dim: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((max(4, n // 100), dim)).astype(np.float32)
    noise = rng.standard_normal((n, dim)).astype(np.float32)
    points = centres[rng.integers(0, len(centres), n)] + 0.5 * noise
    return (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)


def test_small_corpora_stay_exact_and_large_ones_go_approximate():
    assert choose_index_type(1, 384) == "flat"
    assert choose_index_type(50_000, 384) == "flat"
    assert choose_index_type(50_001, 384) == "ivf"
    assert choose_index_type(10_000_000, 384) == "ivf"
    # the threshold is on values read per query, so wider vectors switch sooner
    assert choose_index_type(40_000, 768) == "ivf"


def test_an_explicit_type_wins_except_on_an_empty_corpus():
    for kind in INDEX_TYPES:
        assert choose_index_type(10, 384, kind) == kind
        assert choose_index_type(0, 384, kind) == "flat"
    with pytest.raises(ValueError, match="unknown index type"):
        choose_index_type(10, 384, "annoy")


def test_settings_accept_every_type_and_refuse_others():
    assert {*INDEX_TYPES, "auto"} == {Settings(index_type=k).index_type for k in (*INDEX_TYPES, "auto")}
    with pytest.raises(InputError, match="index_type"):
        Settings(index_type="annoy")


@pytest.mark.parametrize("n", [1, 2, 50, 1000, 100_000, 1_000_000])
def test_ivf_lists_and_probes_stay_in_range(n):
    nlist = ivf_lists(n)
    assert 1 <= nlist <= max(1, n)
    probes = ivf_probes(nlist, n)
    assert 1 <= probes <= nlist
    assert probes * n / nlist >= min(n, faiss_index.IVF_MIN_SCANNED) * 0.99  # vectors scanned per query


@pytest.mark.parametrize("kind", INDEX_TYPES)
def test_every_type_finds_what_exact_search_finds(kind):
    vectors = clustered(3000, 32)
    queries = clustered(50, 32, seed=1)
    exact = faiss.IndexFlatIP(32)
    exact.add(vectors)
    _, truth = exact.search(queries, 10)

    index = build_index(vectors, kind)
    assert type(faiss.downcast_index(index)) is FAISS_CLASS[kind] and index.ntotal == 3000
    _, found = index.search(queries, 10)
    recall = np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth, strict=True)])
    assert recall >= 0.9, f"{kind}: recall@10 {recall:.2f}"


@pytest.mark.parametrize("kind", INDEX_TYPES)
def test_every_type_builds_saves_loads_and_searches_the_seed_index(fake_settings, fake_embedder, kind):
    settings = fake_settings.replace(index_type=kind)
    build_corpus_index(settings, fake_embedder, progress=False)
    store = IndexStore.load(settings.index_dir)
    assert store.manifest.index_type == kind
    assert type(faiss.downcast_index(store.vectors.index)) is FAISS_CLASS[kind]
    assert stale_reasons(settings) == []

    target = store.chunks[len(store.chunks) // 2]
    hits = store.search(fake_embedder.embed([target.text])[0], 3)
    assert hits[0].chunk == target
    assert [h.rank for h in hits] == [1, 2, 3]


def test_search_parameters_survive_save_and_load(fake_settings, fake_embedder):
    build_corpus_index(fake_settings.replace(index_type="hnsw"), fake_embedder, progress=False)
    hnsw = faiss.downcast_index(IndexStore.load(fake_settings.index_dir).vectors.index)
    assert hnsw.hnsw.efSearch == faiss_index.HNSW_EF_SEARCH

    build_corpus_index(fake_settings.replace(index_type="ivf"), fake_embedder, progress=False)
    ivf = faiss.downcast_index(IndexStore.load(fake_settings.index_dir).vectors.index)
    assert ivf.nprobe == ivf_probes(ivf_lists(ivf.ntotal), ivf.ntotal)


def test_auto_on_the_seeds_is_flat_and_a_changed_type_makes_the_index_stale(fake_settings, fake_embedder):
    build_corpus_index(fake_settings, fake_embedder, progress=False)
    assert IndexStore.load(fake_settings.index_dir).manifest.index_type == "flat"
    assert stale_reasons(fake_settings.replace(index_type="flat")) == []
    reasons = stale_reasons(fake_settings.replace(index_type="hnsw"))
    assert reasons == ["index type is flat, settings ask for hnsw"]
