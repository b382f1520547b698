"""The index store over each vector backend: same chunks, same hits, the backend in the manifest,
and with a Qdrant server (an in-memory qdrant-client stands in) one collection per live build.

The fake embedder; the real packaged model in the `model` test.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from qa.index.freshness import stale_reasons
from qa.index.indexer import build_index
from qa.index.store import RECORD_FILES, IndexStore, current_build
from qa.retrieval.retriever import Retriever
from tests.conftest import ROOT, SEEDS, collection_names

pytest.importorskip("qdrant_client", reason="the qdrant extra is not installed (pip install -e .[qdrant])")

from qa.index import builds  # noqa: E402

SERVER = "http://qdrant.invalid:6333"


def gold_questions() -> list[str]:
    rows = [json.loads(line) for line in (ROOT / "evals" / "gold.jsonl").read_text().splitlines() if line]
    return [r["question"] for r in rows]


def same_ranking(a, b) -> None:
    """Equal scores, and the same chunks rank for rank; chunks whose scores tie may swap places."""
    assert [h.score for h in a] == pytest.approx([h.score for h in b], abs=1e-5)
    for x, y in zip(a, b, strict=True):
        if x.chunk.id != y.chunk.id:
            assert abs(x.score - y.score) < 1e-5 or x.score in [h.score for h in b]
            tied = {h.chunk.id for h in a if abs(h.score - x.score) < 1e-5}
            assert y.chunk.id in tied, f"{y.chunk.id} is not tied with {x.chunk.id}"


def test_qdrant_build_records_the_backend_and_round_trips(fake_settings, fake_embedder):
    settings = fake_settings.replace(vector_store="qdrant")
    build_index(settings, fake_embedder, progress=False)
    store = IndexStore.load(settings.index_dir)
    build = current_build(settings.index_dir)
    assert store.manifest.vector_store == {"backend": "qdrant", "url": "", "files": ["vectors.npy"]}
    assert set(store.manifest.files) == {"vectors.npy", *RECORD_FILES}
    assert sorted(p.name for p in build.iterdir()) == sorted(["manifest.json", "vectors.npy", *RECORD_FILES])
    assert len(store.vectors) == len(store.chunks) == store.manifest.count
    assert stale_reasons(settings) == []


def test_changing_the_vector_store_makes_the_index_stale(fake_settings, fake_embedder):
    build_index(fake_settings, fake_embedder, progress=False)
    reasons = stale_reasons(fake_settings.replace(vector_store="qdrant"))
    assert reasons == [
        "vectors are in faiss in the index folder, settings ask for qdrant in the index folder"
    ]
    build_index(fake_settings.replace(vector_store="qdrant"), fake_embedder, progress=False)
    assert stale_reasons(fake_settings.replace(vector_store="qdrant", qdrant_url=SERVER)) != []


def test_a_manifest_from_before_backends_loads_as_faiss(fake_settings, fake_embedder):
    build_index(fake_settings, fake_embedder, progress=False)
    path = current_build(fake_settings.index_dir) / "manifest.json"
    data = json.loads(path.read_text())
    del data["vector_store"]
    path.write_text(json.dumps(data))
    store = IndexStore.load(fake_settings.index_dir)
    assert store.manifest.vector_store["backend"] == "faiss"
    assert stale_reasons(fake_settings) == []


def test_a_tampered_qdrant_vector_file_fails_its_checksum(fake_settings, fake_embedder):
    from qa.errors import IndexCorruptError

    settings = fake_settings.replace(vector_store="qdrant")
    build_index(settings, fake_embedder, progress=False)
    path = current_build(settings.index_dir) / "vectors.npy"
    raw = path.read_bytes()
    path.write_bytes(raw[:-4] + bytes(b ^ 0xFF for b in raw[-4:]))
    with pytest.raises(IndexCorruptError, match="checksum"):
        IndexStore.load(settings.index_dir)


@pytest.mark.parametrize("mode", ["dense", "hybrid"])
def test_retrieval_through_both_backends_gives_the_same_top_k(fake_settings, fake_embedder, tmp_path, mode):
    retrievers = {}
    for backend in ("faiss", "qdrant"):
        settings = fake_settings.replace(vector_store=backend, index_dir=tmp_path / backend, retrieval=mode)
        retrievers[backend] = Retriever.from_settings(settings, fake_embedder, build=True)
    for question in gold_questions():
        same_ranking(retrievers["faiss"].search(question, 5), retrievers["qdrant"].search(question, 5))


class CachedEmbedder:
    """Embeds each distinct text once: both backends are asked the same questions."""

    def __init__(self, embedder):
        self.inner, self.name, self.cache = embedder, embedder.name, {}

    def embed(self, texts, progress=False):
        import numpy as np

        missing = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if missing:
            self.cache.update(zip(missing, self.inner.embed(missing, progress=progress), strict=True))
        return np.stack([self.cache[t] for t in texts])


@pytest.mark.model
def test_retrieval_through_both_backends_gives_the_same_top_k_with_the_real_model(tmp_path):
    from qa.config import Settings
    from qa.retrieval.embedding import SentenceTransformerEmbedder

    embedder = CachedEmbedder(SentenceTransformerEmbedder(Settings().embedding_model))  # packaged MiniLM
    questions = gold_questions()
    assert len(questions) >= 50
    embedder.embed(questions)  # one batch
    sides = [
        Retriever.from_settings(
            Settings(docs_dir=SEEDS, index_dir=tmp_path / backend, vector_store=backend),
            embedder,
            build=True,
        )
        for backend in ("faiss", "qdrant")
    ]
    for mode in ("dense", "hybrid"):
        for side in sides:
            side.mode = mode
        for question in questions:
            a, b = (side.search(question, 5) for side in sides)
            assert [h.chunk.id for h in a] == [h.chunk.id for h in b], question
            assert [h.score for h in a] == pytest.approx([h.score for h in b], abs=1e-5)


# --- a Qdrant server: one collection per build, swapped with CURRENT ---------------------------------


def test_a_server_build_keeps_only_the_live_collection(fake_settings, fake_embedder, qdrant_server):
    settings = fake_settings.replace(vector_store="qdrant", qdrant_url=SERVER)
    first = build_index(settings, fake_embedder, progress=False).path
    assert collection_names(qdrant_server) == {f"qa-{first.name}"}
    assert sorted(p.name for p in first.iterdir()) == sorted(["manifest.json", *RECORD_FILES])
    (settings.docs_dir / "005_new.txt").write_text("A new article about Hainan.")
    second = build_index(settings, fake_embedder, progress=False).path
    assert collection_names(qdrant_server) == {f"qa-{second.name}"}
    store = IndexStore.load(settings.index_dir)
    assert store.manifest.vector_store["collection"] == f"qa-{second.name}"
    assert "url" in store.manifest.vector_store and "api_key" not in json.dumps(store.manifest.vector_store)
    assert any(
        h.chunk.file == "005_new.txt"
        for h in store.search(fake_embedder.embed(["A new article about Hainan."])[0], 1)
    )


def test_a_failed_switch_keeps_the_old_collection_live_and_drops_the_new(
    fake_settings, fake_embedder, qdrant_server, monkeypatch
):
    settings = fake_settings.replace(vector_store="qdrant", qdrant_url=SERVER)
    first = build_index(settings, fake_embedder, progress=False).path
    real = os.replace

    def refuse_current(src, dst):
        if Path(dst).name == "CURRENT":
            raise OSError("rename failed")
        return real(src, dst)

    with monkeypatch.context() as patch, pytest.raises(OSError):  # the fake server stays patched
        patch.setattr(builds.os, "replace", refuse_current)
        build_index(settings, fake_embedder, progress=False)
    assert current_build(settings.index_dir) == first
    assert collection_names(qdrant_server) == {f"qa-{first.name}"}
    assert len(IndexStore.load(settings.index_dir).vectors) > 0


def test_settings_never_show_the_api_key(fake_settings):
    settings = fake_settings.replace(qdrant_api_key="s3cret-key")
    assert "s3cret-key" not in repr(settings)


def test_an_unreachable_server_fails_before_any_embedding(fake_settings, fake_embedder):
    from qa.errors import VectorStoreError

    settings = fake_settings.replace(
        vector_store="qdrant", qdrant_url="http://127.0.0.1:9"
    )  # nothing listens
    with pytest.raises(VectorStoreError, match="QA_QDRANT_URL"):
        build_index(settings, fake_embedder, progress=False)
    assert fake_embedder.calls == 0
    assert not settings.index_dir.exists()
