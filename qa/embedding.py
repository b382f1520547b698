"""Text to vectors. One protocol, one sentence-transformers backend."""

from __future__ import annotations

import logging
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
