"""The default vector backend: an in-process FAISS index saved as vectors.faiss in the build folder."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from qa.errors import IndexCorruptError
from qa.index.faiss_index import build_index

FILE = "vectors.faiss"


def build_faiss(vectors: np.ndarray, index_type: str = "flat") -> faiss.Index:
    """Inner-product index over L2-normalised vectors (so scores are cosines); types in faiss_index.py."""
    return build_index(vectors, index_type)


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
        if len(queries) > 1:
            return self.index.search(queries, k)
        # One query gains little from OpenMP threads, and on a busy CPU their spin-waits made a flat
        # search of 10k vectors 40x slower (evals/BENCH.md). The setting is per calling thread.
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            return self.index.search(queries, k)
        finally:
            faiss.omp_set_num_threads(threads)

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
