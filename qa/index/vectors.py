"""Where the chunk vectors live: one small protocol, a backend per module, a factory by setting.

Backends number vectors by row (0, 1, 2, … in the order added); the store maps rows to
chunks, so row numbers never leave the store. Scores are inner products of L2-normalised
vectors, i.e. cosines, highest first, whatever the backend.

    faiss   in-process FAISS index in the build folder (the default)     qa/index/faiss_vectors.py
    qdrant  Qdrant: a server or cluster (qdrant_url), or in-process       qa/index/qdrant_vectors.py
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np

from qa.errors import InputError

BACKENDS = ("faiss", "qdrant")


class VectorIndex(Protocol):
    """Vectors of one index build, searched by inner product."""

    backend: str  # "faiss" | "qdrant", recorded in the manifest
    dim: int

    def __len__(self) -> int: ...

    def add(self, vectors: np.ndarray) -> None:
        """Append rows of shape (n, dim); they get the next row numbers.

        A build saved to a Qdrant server is read-only (readers may be using it): that raises.
        """

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, rows), each of shape (len(queries), k), best first; rows are -1 past the end."""
        ...

    def save(self, folder: Path, build: str) -> dict:
        """Persist into the (not yet live) build folder; return the record for the manifest.

        The record names the files written into folder under "files" (checksummed by the store).
        """
        ...

    def discard(self, record: dict) -> None:
        """Remove what save() put outside the build folder for the build with this record."""


def check_available(backend: str, qdrant_url: str = "", qdrant_api_key: str = "") -> None:
    """Raise MissingExtraError, VectorStoreError (server unreachable) or InputError now, before any
    embedding work."""
    if backend == "qdrant":
        from qa.index.qdrant_vectors import ping

        ping(qdrant_url, qdrant_api_key)
    elif backend not in BACKENDS:
        raise InputError(f"vector_store must be one of {', '.join(BACKENDS)}, not {backend!r}")


def new_vectors(
    dim: int, backend: str = "faiss", qdrant_url: str = "", qdrant_api_key: str = ""
) -> VectorIndex:
    """An empty index of the chosen backend."""
    if backend == "faiss":
        from qa.index.faiss_vectors import FaissVectors

        return FaissVectors.empty(dim)
    if backend == "qdrant":
        from qa.index.qdrant_vectors import QdrantVectors

        return QdrantVectors.empty(dim, qdrant_url, qdrant_api_key)
    raise InputError(f"vector_store must be one of {', '.join(BACKENDS)}, not {backend!r}")


def open_vectors(record: dict, folder: Path, dim: int, qdrant_api_key: str = "") -> VectorIndex:
    """The vectors a build's manifest record points at (IndexCorruptError when unreadable)."""
    backend = record.get("backend", "faiss")
    if backend == "faiss":
        from qa.index.faiss_vectors import FaissVectors

        return FaissVectors.load(folder, record, dim)
    if backend == "qdrant":
        from qa.index.qdrant_vectors import QdrantVectors

        return QdrantVectors.load(folder, record, dim, qdrant_api_key)
    raise InputError(f"the index was built with an unknown vector store {backend!r}: run `qa index`")
