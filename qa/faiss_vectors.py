"""The default vector backend: an in-process FAISS index saved as vectors.faiss in the build folder."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from .errors import IndexCorruptError

FILE = "vectors.faiss"


def build_faiss(vectors: np.ndarray, index_type: str = "flat") -> faiss.Index:
    """Inner-product index over L2-normalised vectors (so scores are cosines)."""
    dim = vectors.shape[1]
    if index_type == "flat":
        index = faiss.IndexFlatIP(dim)
    elif index_type == "hnsw":
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
    else:
        raise ValueError(f"unknown index type {index_type!r}")
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


class FaissVectors:
    """A FAISS index; rows are FAISS ids."""

    backend = "faiss"

    def __init__(self, index: faiss.Index):
        self.index = index
        self.dim = index.d

    @classmethod
    def empty(cls, dim: int, index_type: str = "flat") -> FaissVectors:
        return cls(build_faiss(np.zeros((0, dim), dtype=np.float32), index_type))

    def __len__(self) -> int:
        return self.index.ntotal

    def add(self, vectors: np.ndarray) -> None:
        self.index.add(np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, self.dim))

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.dim)
        return self.index.search(queries, k)

    def save(self, folder: Path, build: str) -> dict:
        faiss.write_index(self.index, str(Path(folder) / FILE))
        return {"backend": self.backend, "files": [FILE]}

    def discard(self, record: dict) -> None:
        """Nothing lives outside the build folder."""

    @classmethod
    def load(cls, folder: Path, record: dict, dim: int) -> FaissVectors:
        try:
            index = faiss.read_index(str(Path(folder) / FILE))
        except RuntimeError as e:
            raise IndexCorruptError(f"cannot read {Path(folder) / FILE} ({e}): run `qa index`") from e
        if index.d != dim:
            raise IndexCorruptError(f"index vectors have {index.d} dimensions, manifest says {dim}")
        return cls(index)
