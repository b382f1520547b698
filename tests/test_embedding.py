"""The embedding cache: same vectors as the embedder it wraps, each short text embedded once."""

from __future__ import annotations

import numpy as np

from qa.embedding import CachedEmbedder


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
