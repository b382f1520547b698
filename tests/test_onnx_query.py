"""Questions embedded through the model's ONNX copy: the same vectors as torch, exported once, and
torch kept whenever the copy cannot be trusted."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qa.config import DEFAULT_EMBEDDING, Settings
from qa.generation.models import embedding_path, write_checksums
from qa.retrieval import onnx_query
from qa.retrieval.embedding import SentenceTransformerEmbedder

from .conftest import ROOT
from .test_embedding import TEXTS

pytestmark = pytest.mark.model


def onnx_embedder(cache_dir) -> SentenceTransformerEmbedder:
    embedder = SentenceTransformerEmbedder(DEFAULT_EMBEDDING, query_runtime="onnx", cache_dir=cache_dir)
    embedder.warm_up()
    return embedder


def export_folder(cache_dir):
    (folder,) = (cache_dir / "models").glob("*-onnx-*")
    return folder


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    cache_dir = tmp_path_factory.mktemp("onnx-cache")
    return cache_dir, onnx_embedder(cache_dir)


def test_the_onnx_copy_gives_the_torch_vectors_singly_and_in_a_batch(exported, real_embedder, monkeypatch):
    _, embedder = exported
    assert embedder.runtime_in_use == "onnx"
    expected = np.concatenate([real_embedder.embed([t]) for t in TEXTS])  # torch, one text at a time

    def no_torch(*args, **kwargs):
        raise AssertionError("a few texts went through torch")

    monkeypatch.setattr(embedder, "_torch_model", no_torch)
    one_by_one = np.concatenate([embedder.embed([t]) for t in TEXTS])
    batch = embedder.embed(TEXTS)  # padded to the longest: the evidence sentences of a question
    for got in (one_by_one, batch):
        assert got.shape == (len(TEXTS), 384) and got.dtype == np.float32
        assert np.abs(got - expected).max() < 1e-4


def test_big_batches_still_go_through_encode(exported, monkeypatch):
    _, embedder = exported
    texts = [f"sentence number {i}" for i in range(embedder.one_thread_max_texts + 1)]
    monkeypatch.setattr(embedder._onnx, "embed", lambda texts: pytest.fail("a build went through ONNX"))
    assert embedder.embed(texts).shape == (len(texts), 384)


def test_the_export_is_written_once_with_checksums_and_reused(exported, monkeypatch):
    cache_dir, first = exported
    folder = export_folder(cache_dir)
    assert sorted(p.name for p in folder.iterdir()) == [
        "config.json",
        "model.onnx",
        "qa-checksums.json",
        "tokenizer.json",
    ]
    meta = json.loads((folder / "config.json").read_text())
    assert meta["source"] == DEFAULT_EMBEDDING and meta["max_abs_diff"] < 1e-4
    assert len(meta["probe_vectors"]) == len(onnx_query.PROBES)
    assert folder.name.endswith(onnx_query.folder_digest(Path(embedding_path(DEFAULT_EMBEDDING)))[:12])
    monkeypatch.setattr(onnx_query, "export", lambda *a: pytest.fail("exported again"))
    again = onnx_embedder(cache_dir)
    assert again.runtime_in_use == "onnx"
    assert np.array_equal(again.embed([TEXTS[0]]), first.embed([TEXTS[0]]))


@pytest.mark.parametrize(("threads", "expected"), [(0, onnx_query.query_threads()), (1, 1)])
def test_the_threads_setting_reaches_the_onnx_session(exported, threads, expected):
    cache_dir, _ = exported
    embedder = SentenceTransformerEmbedder.from_settings(
        Settings(query_runtime="onnx", cache_dir=cache_dir, threads=threads)
    )
    embedder.warm_up()
    assert embedder.runtime_in_use == "onnx"
    assert embedder._onnx._session.get_session_options().intra_op_num_threads == expected


def test_a_damaged_copy_is_exported_again(tmp_path, caplog):
    onnx_embedder(tmp_path)
    model_file = export_folder(tmp_path) / "model.onnx"
    data = bytearray(model_file.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte in the weights
    model_file.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING):
        embedder = onnx_embedder(tmp_path)
    assert "fails its checksum for model.onnx" in caplog.text
    assert embedder.runtime_in_use == "onnx"
    assert model_file.read_bytes() != bytes(data)


def test_loading_the_copy_needs_neither_torch_nor_sentence_transformers(exported):
    cache_dir, _ = exported
    script = (
        "import sys; from qa.retrieval.embedding import SentenceTransformerEmbedder as E; "
        f"e = E({DEFAULT_EMBEDDING!r}, query_runtime='onnx', cache_dir={str(cache_dir)!r}); "
        "v = e.embed(['What was Jiangxi recovered fund amount?']); "
        "print(e.runtime_in_use, v.shape, 'torch' in sys.modules, 'sentence_transformers' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert done.stdout.split() == ["onnx", "(1,", "384)", "False", "False"], done.stderr[-2000:]


def test_a_copy_whose_vectors_drift_from_those_stored_with_it_is_not_used(tmp_path, caplog):
    onnx_embedder(tmp_path)
    folder = export_folder(tmp_path)
    meta = json.loads((folder / "config.json").read_text())
    meta["probe_vectors"][0][0] += 0.01  # as if a new onnxruntime computed other numbers
    (folder / "config.json").write_text(json.dumps(meta))
    (folder / "qa-checksums.json").unlink()
    write_checksums(folder)  # an intact copy, not a damaged one
    with caplog.at_level(logging.WARNING):
        embedder = onnx_embedder(tmp_path)
    assert embedder.runtime_in_use == "torch"
    assert "differs from the model by 1.0e-02" in caplog.text


def test_an_export_that_gives_other_vectors_is_refused_and_torch_answers(tmp_path, monkeypatch, caplog):
    embedder = SentenceTransformerEmbedder(DEFAULT_EMBEDDING, query_runtime="onnx", cache_dir=tmp_path)
    real = SentenceTransformerEmbedder._embed_with_torch

    def drifted(self, texts):  # as if the exporter had traced the model wrongly
        vectors = real(self, texts)
        vectors[:, 0] += 0.01
        return vectors

    monkeypatch.setattr(SentenceTransformerEmbedder, "_embed_with_torch", drifted)
    with caplog.at_level(logging.WARNING):
        assert embedder.runtime_in_use == "torch"
    assert "differs from the model" in caplog.text and "using torch" in caplog.text
    assert not list((tmp_path / "models").glob("*-onnx-*"))  # nothing half-made left in the cache
    assert embedder.embed([TEXTS[0]]).shape == (1, 384)


def test_without_onnxruntime_questions_are_embedded_with_torch(tmp_path, monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import fails, as when it is not installed
    with caplog.at_level(logging.WARNING):
        embedder = onnx_embedder(tmp_path)
    assert embedder.runtime_in_use == "torch"
    assert "onnxruntime is not installed" in caplog.text


def test_the_torch_runtime_does_not_export(tmp_path):
    embedder = SentenceTransformerEmbedder.from_settings(Settings(cache_dir=tmp_path, query_runtime="torch"))
    assert embedder.runtime_in_use == "torch"
    assert not (tmp_path / "models").exists()
