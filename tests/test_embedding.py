"""The embedder's direct path for one text, the scoped torch thread count, and the embedding cache."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from qa.retrieval.embedding import CachedEmbedder, one_torch_thread

TEXTS = [
    "What was Jiangxi's 2020 recovered fund amount?",
    "Who reported the story?",
    "江西省 recovered 723 million yuan in 2020",  # Chinese characters are tokenised one by one
    "fund " * 400,  # longer than the model's 256 tokens: truncated like encode() truncates
]


@pytest.mark.model
def test_one_text_skips_encode_and_gets_the_vector_encode_gives(real_embedder, monkeypatch):
    expected = real_embedder.embed(TEXTS)  # several texts: through encode()
    threads = torch.get_num_threads()

    def no_encode(*args, **kwargs):
        raise AssertionError("one text went through encode()")

    monkeypatch.setattr(real_embedder._model, "encode", no_encode)
    for text, vector in zip(TEXTS, expected, strict=True):
        got = real_embedder.embed([text])
        assert got.shape == (1, 384) and got.dtype == np.float32
        assert abs(float(np.linalg.norm(got[0])) - 1.0) < 1e-5
        assert float(got[0] @ vector) > 0.9999, text
    assert torch.get_num_threads() == threads


def test_one_torch_thread_runs_the_body_on_one_thread_and_restores_the_count_after_an_error():
    original = torch.get_num_threads()
    torch.set_num_threads(2)  # a count other than 1, even where the environment asks for one thread
    try:
        with pytest.raises(RuntimeError), one_torch_thread():
            assert torch.get_num_threads() == 1
            raise RuntimeError("the body failed")
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(original)


def test_cached_vectors_equal_fresh_ones_and_repeats_cost_nothing(fake_embedder):
    cached = CachedEmbedder(fake_embedder)
    texts = ["Jiangxi recovered funds", "medical insurance", "Jiangxi recovered funds"]
    first = cached.embed(texts)
    assert np.array_equal(first, fake_embedder.embed(texts))
    calls = fake_embedder.calls
    again = cached.embed(["medical insurance", "Jiangxi recovered funds"])
    assert fake_embedder.calls == calls  # all from memory
    assert np.array_equal(again, first[[1, 0]])
    cached.embed(["medical insurance", "a new sentence"])
    assert fake_embedder.calls == calls + 1
    assert cached.name == fake_embedder.name


def test_big_batches_pass_through_and_the_memory_is_bounded(fake_embedder):
    cached = CachedEmbedder(fake_embedder, max_entries=3, max_batch=4)
    cached.embed([f"text {i}" for i in range(10)])  # an index build: not remembered
    assert len(cached._vectors) == 0
    for i in range(5):
        cached.embed([f"text {i}"])
    assert list(cached._vectors) == ["text 2", "text 3", "text 4"]  # least recently used went first
    assert cached.embed([]).shape[0] == 0


class ThreadRecordingModel:
    """Stands in for the sentence-transformers model: records torch's thread count in encode()."""

    def __init__(self):
        self.threads: list[int] = []

    def encode(self, texts, **kwargs):
        self.threads.append(torch.get_num_threads())
        return np.ones((len(texts), 4), dtype=np.float32)


def test_small_batches_encode_on_one_torch_thread_and_big_ones_on_all():
    from qa.retrieval.embedding import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder("fake", one_thread_max_texts=8)
    embedder._model = model = ThreadRecordingModel()  # loaded: warm_up() leaves it
    original = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        assert embedder.embed(["a sentence"] * 8).shape == (8, 4)  # a question's evidence sentences
        embedder.embed(["a chunk"] * 9)  # an index build
        assert model.threads == [1, 2]
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(original)
