"""The second vector backend: Qdrant (qdrant-client, the `qdrant` extra).

Two modes, chosen by the qdrant_url setting:

- a server or cluster (qdrant_url set, qdrant_api_key if it wants one): each build gets its own
  collection, named after the build ("qa-build-…"). It is written before CURRENT switches to
  the build and dropped when a later build replaces it, so a rebuild is as atomic as with FAISS:
  readers keep the old collection until the new build is live.
- in-process (qdrant_url empty): qdrant-client's local mode, in memory. The vectors are kept in
  the build folder as vectors.npy (read with allow_pickle=False) and loaded on open. qdrant-client's
  own on-disk local mode is not used: it stores points pickled in SQLite, and nothing here unpickles.

Scores are dot products of the L2-normalised vectors, as with FAISS, so both rank alike.
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

import numpy as np

from qa.errors import IndexCorruptError, MissingExtraError, VectorStoreError

log = logging.getLogger(__name__)

FILE = "vectors.npy"
COLLECTION_PREFIX = "qa-"
UPLOAD_BATCH = 256


def _qdrant():
    """The qdrant_client module and its models, or a MissingExtraError that says how to install them."""
    try:
        import qdrant_client
        from qdrant_client import models
    except ImportError as e:
        raise MissingExtraError(
            "vector_store=qdrant needs the qdrant-client package: run `pip install -e .[qdrant]`"
        ) from e
    return qdrant_client, models


def _connect(url: str, api_key: str):
    """A client for the server at url, or an in-memory local-mode client when url is empty."""
    qdrant_client, _ = _qdrant()
    if not url:
        return qdrant_client.QdrantClient(location=":memory:")
    try:
        # No version probe: it runs in a background thread and only warns; ping() reports a dead server.
        return qdrant_client.QdrantClient(
            url=url, api_key=api_key or None, timeout=60, check_compatibility=False
        )
    except Exception as e:  # bad URL syntax and the like; a dead server only shows on first use
        raise VectorStoreError(f"cannot use the Qdrant server at {url} ({e}): check QA_QDRANT_URL") from e


def ping(url: str, api_key: str = "") -> None:
    """Check that qdrant-client is installed and, for a server, that it answers."""
    _qdrant()
    if url:
        probe = QdrantVectors(0, url, api_key)
        probe._call("reach", _connect(url, api_key).get_collections)


class QdrantVectors:
    """Vectors in one Qdrant collection; point ids are row numbers."""

    backend = "qdrant"

    def __init__(self, dim: int, url: str = "", api_key: str = ""):
        self.dim = dim
        self.url = url
        self._api_key = api_key
        self._client = None  # connected on first search, save or load
        self._collection = ""
        self._count = 0
        self._matrix = np.zeros((0, dim), dtype=np.float32)  # kept until saved (vectors.npy or upload)
        self._on_server = False  # a saved or opened server collection: readers may use it, so no more adds

    @classmethod
    def empty(cls, dim: int, url: str = "", api_key: str = "") -> QdrantVectors:
        _qdrant()  # fail before any embedding work when the package is missing
        return cls(dim, url, api_key)

    def __len__(self) -> int:
        return self._count

    def add(self, vectors: np.ndarray) -> None:
        if self._on_server:
            raise VectorStoreError(
                f"collection {self._collection} is a saved build and stays as it is: build a new index"
            )
        vectors = np.asarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        start = self._count
        self._matrix = np.concatenate([self._matrix, vectors])
        self._count += len(vectors)
        if self._client is not None:
            self._upload(vectors, start)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        _, models = _qdrant()
        queries = np.asarray(queries, dtype=np.float32).reshape(-1, self.dim)
        k = max(k, 0)
        scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
        rows = np.full((len(queries), k), -1, dtype=np.int64)
        if k <= 0 or not len(queries):
            return scores, rows
        if self._client is None:  # built but not saved yet: search it in memory
            self._open(_connect("", ""), f"{COLLECTION_PREFIX}unsaved-{uuid.uuid4().hex[:6]}", create=True)
        requests = [models.QueryRequest(query=q.tolist(), limit=k) for q in queries]
        responses = self._call("search", self._client.query_batch_points, self._collection, requests=requests)
        for i, response in enumerate(responses):
            for j, point in enumerate(response.points[:k]):
                scores[i, j], rows[i, j] = point.score, int(point.id)
        return scores, rows

    def save(self, folder: Path, build: str) -> dict:
        """In-process: write vectors.npy. Server: upload into a new collection named after the build."""
        if not self.url:
            with open(Path(folder) / FILE, "wb") as f:
                np.save(f, self._matrix, allow_pickle=False)
            return {"backend": self.backend, "url": "", "files": [FILE]}
        collection = f"{COLLECTION_PREFIX}{build}"
        record = {"backend": self.backend, "url": self.url, "collection": collection, "files": []}
        try:
            self._open(_connect(self.url, self._api_key), collection, create=True)
            stored = self._call("count", self._client.count, collection, exact=True).count
            if stored != self._count:
                raise VectorStoreError(f"Qdrant holds {stored} of {self._count} vectors in {collection}")
        except BaseException:
            if self._client is not None:  # a half-uploaded collection must not linger on the server
                try:
                    self.discard(record)
                except VectorStoreError as e:
                    log.warning("could not drop the half-written collection %s: %s", collection, e)
            raise
        self._on_server = True
        return record

    def discard(self, record: dict) -> None:
        """Drop the server collection of another build saved to the same server."""
        collection = record.get("collection", "")
        if not self.url or record.get("url") != self.url or not collection.startswith(COLLECTION_PREFIX):
            return
        client = self._client or _connect(self.url, self._api_key)
        if self._call("check", client.collection_exists, collection):
            self._call("drop", client.delete_collection, collection)

    @classmethod
    def load(cls, folder: Path, record: dict, dim: int, api_key: str = "") -> QdrantVectors:
        url = record.get("url", "")
        self = cls(dim, url, api_key)
        if not url:
            try:
                matrix = np.load(Path(folder) / FILE, allow_pickle=False)
            except (OSError, ValueError) as e:
                raise IndexCorruptError(f"cannot read {Path(folder) / FILE} ({e}): run `qa index`") from e
            if matrix.ndim != 2 or matrix.shape[1] != dim:
                raise IndexCorruptError(f"index vectors have shape {matrix.shape}, manifest says {dim} dims")
            self.add(matrix)
            self._open(_connect("", ""), f"{COLLECTION_PREFIX}{Path(folder).name}", create=True)
            return self
        collection = record.get("collection", "")
        client = _connect(url, api_key)
        if not collection or not self._call("check", client.collection_exists, collection):
            raise IndexCorruptError(f"Qdrant at {url} has no collection {collection!r}: run `qa index`")
        self._open(client, collection, create=False)
        self._on_server = True
        info = self._call("read", client.get_collection, collection)
        size = info.config.params.vectors.size
        if size != dim:
            raise IndexCorruptError(
                f"Qdrant collection {collection} has {size} dimensions, manifest says {dim}"
            )
        self._count = self._call("count", client.count, collection, exact=True).count
        self._matrix = np.zeros((0, dim), dtype=np.float32)  # the server holds them
        return self

    def _open(self, client, collection: str, create: bool) -> None:
        _, models = _qdrant()
        self._client, self._collection = client, collection
        if create:
            params = models.VectorParams(size=self.dim, distance=models.Distance.DOT)
            self._call("create", client.create_collection, collection, vectors_config=params)
            self._upload(self._matrix, 0)

    def _upload(self, vectors: np.ndarray, start: int) -> None:
        if len(vectors):
            ids = list(range(start, start + len(vectors)))
            self._call(
                "upload",
                self._client.upload_collection,
                self._collection,
                vectors=vectors,
                ids=ids,
                batch_size=UPLOAD_BATCH,
                wait=True,
            )

    def _call(self, what: str, method, *args, **kwargs):
        """A client call; server failures become one clear VectorStoreError."""
        try:
            return method(*args, **kwargs)
        except (MissingExtraError, VectorStoreError, IndexCorruptError):
            raise
        except Exception as e:
            where = f"the Qdrant server at {self.url}" if self.url else "in-process Qdrant"
            raise VectorStoreError(
                f"{what} failed in {where} ({e}): check QA_QDRANT_URL / QA_QDRANT_API_KEY"
            ) from e
