"""Text to vectors. One protocol, one sentence-transformers backend."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import Protocol

import numpy as np

from .errors import ModelError
from .models import embedding_path

log = logging.getLogger(__name__)


class Embedder(Protocol):
    name: str  # recorded in the index manifest; a different name makes the index stale

    def embed(self, texts: list[str]) -> np.ndarray:
        """float32 array of shape (len(texts), dim), rows L2-normalised."""
        ...


class SentenceTransformerEmbedder:
    """Embeds with a sentence-transformers model; loads it on first use."""

    def __init__(self, model: str, batch_size: int = 64):
        self.name = model
        self.batch_size = batch_size
        self._model = None

    def warm_up(self) -> None:
        if self._model is not None:
            return
        from sentence_transformers import SentenceTransformer

        path = embedding_path(self.name)
        try:
            self._model = SentenceTransformer(path, device="cpu", trust_remote_code=False)
        except Exception as e:  # OSError for a missing folder, hub errors when offline, and more
            raise ModelError(
                f"cannot load embedding model {self.name!r}: {e}. "
                "Use a local folder or the packaged default (packaged:all-MiniLM-L6-v2)."
            ) from e

    @property
    def dim(self) -> int:
        self.warm_up()
        return int(self._model.get_embedding_dimension())

    def embed(self, texts: list[str], progress: bool = False) -> np.ndarray:
        self.warm_up()
        vectors = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(texts), -1)


class CachedEmbedder:
    """Remembers the vectors of short texts it has embedded, so they are embedded once per process.

    Evidence selection embeds the sentences of the retrieved chunks for every question; the same
    chunks come back for related questions, and re-embedding their sentences was most of the time
    of an answer without a generator. Big batches (index builds) pass straight through.
    """

    def __init__(self, embedder: Embedder, max_entries: int = 50_000, max_batch: int = 256):
        self.embedder = embedder
        self.name = embedder.name
        self.max_entries = max_entries  # 50k x 384 float32 = 77 MB at most
        self.max_batch = max_batch
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()  # chat sessions may share one pipeline

    def embed(self, texts: list[str], progress: bool = False) -> np.ndarray:
        texts = list(texts)
        if len(texts) > self.max_batch:
            return self.embedder.embed(texts, progress=progress)
        with self._lock:
            return self._embed_cached(texts)

    def _embed_cached(self, texts: list[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            for text, vector in zip(missing, self.embedder.embed(missing), strict=True):
                self._vectors[text] = vector
        for text in texts:
            self._vectors.move_to_end(text)
        while len(self._vectors) > self.max_entries:
            self._vectors.popitem(last=False)
        if not texts:
            return self.embedder.embed([])
        return np.stack([self._vectors[t] for t in texts])
