"""Vector backends: every implementation round-trips the same searches; Qdrant's server mode keeps
one collection per build (an in-memory qdrant-client stands in for the server).

Real FAISS and real qdrant-client (local mode); random unit vectors, no models.
"""

from __future__ import annotations

import numpy as np
import pytest

from qa.errors import InputError, MissingExtraError
from qa.index.vectors import new_vectors, open_vectors

pytest.importorskip("qdrant_client", reason="the qdrant extra is not installed (pip install -e .[qdrant])")

from tests.conftest import collection_names  # noqa: E402

BACKENDS = ("faiss", "qdrant")
DIM = 16


def unit_vectors(n: int, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def exact_top_k(data: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    return np.argsort(-(queries @ data.T), axis=1, kind="stable")[:, :k]


@pytest.mark.parametrize("backend", BACKENDS)
def test_search_finds_the_exact_nearest_rows_best_first(backend):
    data, queries = unit_vectors(50), unit_vectors(7, seed=1)
    index = new_vectors(DIM, backend)
    index.add(data[:20])
    index.add(data[20:])  # rows continue where the first batch ended
    assert len(index) == 50
    scores, rows = index.search(queries, 5)
    assert rows.shape == scores.shape == (7, 5)
    np.testing.assert_array_equal(rows, exact_top_k(data, queries, 5))
    np.testing.assert_allclose(scores, np.take_along_axis(queries @ data.T, rows, axis=1), atol=1e-5)
    assert np.all(np.diff(scores, axis=1) <= 1e-6)


@pytest.mark.parametrize("backend", BACKENDS)
def test_k_beyond_the_rows_pads_with_minus_one(backend):
    index = new_vectors(DIM, backend)
    index.add(unit_vectors(3))
    scores, rows = index.search(unit_vectors(1, seed=2), 5)
    assert sorted(rows[0, :3]) == [0, 1, 2] and list(rows[0, 3:]) == [-1, -1]


@pytest.mark.parametrize("backend", BACKENDS)
def test_save_then_open_gives_the_same_answers(backend, tmp_path):
    data, queries = unit_vectors(40), unit_vectors(5, seed=3)
    index = new_vectors(DIM, backend)
    index.add(data)
    before = index.search(queries, 4)
    record = index.save(tmp_path, "build-x")
    assert record["backend"] == backend
    assert all((tmp_path / name).is_file() for name in record["files"])
    again = open_vectors(record, tmp_path, DIM)
    assert len(again) == 40
    after = again.search(queries, 4)
    np.testing.assert_array_equal(before[1], after[1])
    np.testing.assert_allclose(before[0], after[0], atol=1e-6)


def test_both_backends_rank_alike():
    data, queries = unit_vectors(200, seed=4), unit_vectors(20, seed=5)
    results = {}
    for backend in BACKENDS:
        index = new_vectors(DIM, backend)
        index.add(data)
        results[backend] = index.search(queries, 10)
    np.testing.assert_array_equal(results["faiss"][1], results["qdrant"][1])
    np.testing.assert_allclose(results["faiss"][0], results["qdrant"][0], atol=1e-5)


def test_an_unknown_backend_is_a_clear_error():
    with pytest.raises(InputError, match="faiss, qdrant"):
        new_vectors(DIM, "milvus")


def test_a_missing_qdrant_client_names_the_extra(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_qdrant(name, *args, **kwargs):
        if name.startswith("qdrant_client"):
            raise ImportError("No module named 'qdrant_client'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_qdrant)
    with pytest.raises(MissingExtraError, match=r"pip install -e \.\[qdrant\]"):
        new_vectors(DIM, "qdrant")


def test_the_in_process_file_is_plain_numpy_not_a_pickle(tmp_path):
    index = new_vectors(DIM, "qdrant")
    index.add(unit_vectors(4))
    record = index.save(tmp_path, "build-x")
    assert record["files"] == ["vectors.npy"]
    assert np.load(tmp_path / "vectors.npy", allow_pickle=False).shape == (4, DIM)


# --- server mode, with one in-memory qdrant-client standing in for the server -----------------------


def test_server_mode_writes_a_collection_per_build_and_nothing_in_the_folder(qdrant_server, tmp_path):
    index = new_vectors(DIM, "qdrant", qdrant_url="http://qdrant.invalid:6333")
    index.add(unit_vectors(30))
    record = index.save(tmp_path, "build-1")
    assert record == {
        "backend": "qdrant",
        "url": "http://qdrant.invalid:6333",
        "collection": "qa-build-1",
        "files": [],
    }
    assert list(tmp_path.iterdir()) == []
    assert "qa-build-1" in collection_names(qdrant_server)
    again = open_vectors(record, tmp_path, DIM)
    assert len(again) == 30
    np.testing.assert_array_equal(
        again.search(unit_vectors(3, 9), 4)[1], index.search(unit_vectors(3, 9), 4)[1]
    )


def test_a_saved_server_collection_takes_no_more_vectors(qdrant_server, tmp_path):
    from qa.errors import VectorStoreError

    index = new_vectors(DIM, "qdrant", qdrant_url="http://qdrant.invalid:6333")
    index.add(unit_vectors(5))
    record = index.save(tmp_path, "build-1")
    for live in (index, open_vectors(record, tmp_path, DIM)):
        with pytest.raises(VectorStoreError, match="build a new index"):
            live.add(unit_vectors(1))
    assert qdrant_server.count("qa-build-1", exact=True).count == 5


def test_server_mode_discards_only_its_own_old_collections(qdrant_server, tmp_path):
    index = new_vectors(DIM, "qdrant", qdrant_url="http://qdrant.invalid:6333")
    index.add(unit_vectors(5))
    old = index.save(tmp_path, "build-old")
    new = index.save(tmp_path, "build-new")
    index.discard(old)
    assert collection_names(qdrant_server) == {new["collection"]}
    index.discard({**new, "url": "http://elsewhere:6333"})  # another server's collection: left alone
    index.discard(old)  # already gone: no error
    assert collection_names(qdrant_server) == {new["collection"]}


def test_a_missing_server_collection_is_a_corrupt_index(qdrant_server, tmp_path):
    from qa.errors import IndexCorruptError

    record = {"backend": "qdrant", "url": "http://qdrant.invalid:6333", "collection": "qa-gone", "files": []}
    with pytest.raises(IndexCorruptError, match="qa index"):
        open_vectors(record, tmp_path, DIM)


def test_an_unreachable_server_is_one_clear_error(tmp_path):
    from qa.errors import VectorStoreError

    index = new_vectors(DIM, "qdrant", qdrant_url="http://127.0.0.1:9")  # discard port: nothing listens
    index.add(unit_vectors(3))
    with pytest.raises(VectorStoreError, match="QA_QDRANT_URL"):
        index.save(tmp_path, "build-1")
