"""Text to vectors. One protocol, one sentence-transformers backend."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from qa.errors import ModelError
from qa.generation.models import embedding_path

if TYPE_CHECKING:
    from qa.config import Settings

log = logging.getLogger(__name__)


class Embedder(Protocol):
    name: str  # recorded in the index manifest; a different name makes the index stale

    def embed(self, texts: list[str]) -> np.ndarray:
        """float32 array of shape (len(texts), dim), rows L2-normalised."""
        ...


@contextmanager
def one_torch_thread() -> Iterator[None]:
    """Run the body on one torch thread, then restore the calling thread's count.

    A short query gains nothing from a second thread on 2 cores, and when other processes share
    the CPU the OpenMP spin-waits made one query 10x slower or worse (evals/QUERY-EMBEDDING.md),
    as they did FAISS searches. With torch's OpenMP backend the count belongs to each OS thread
    once it has used torch, so work already running in other threads keeps its count. But
    torch.set_num_threads also sets the default a thread takes at its first torch call: a thread
    whose torch work starts inside this window keeps one thread for its life unless it sets its
    own count, as the generation thread does (generation.TransformersGenerator.stream).
    """
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


class SentenceTransformerEmbedder:
    """Embeds with a sentence-transformers model; loads it on first use.

    With query_runtime "onnx", a few texts (a question, a question's new evidence sentences) run
    through the model's ONNX copy (qa/retrieval/onnx_query.py) on onnx_threads threads: the same vectors,
    2-3x faster than torch, and more when other work shares the CPU (evals/QUERY-EMBEDDING.md).
    Otherwise a single text skips encode(), which costs a few milliseconds a call in sorting,
    batching and conversions, and runs through the model's own modules on one torch thread, where
    a second thread loses more than it gains; small batches go through encode() on one thread too
    (on the shared 2-core box two threads made 4 sentences take ~950 ms instead of ~120 ms,
    evals/FIRST-TOKEN.md). Big batches (index builds) go through encode() on every thread.
    """

    def __init__(
        self,
        model: str,
        batch_size: int = 64,
        direct_max_texts: int = 1,
        one_thread_max_texts: int = 64,
        query_runtime: str = "torch",
        cache_dir: Path | None = None,
        onnx_threads: int = 2,
    ):
        self.name = model
        self.batch_size = batch_size
        self.direct_max_texts = direct_max_texts  # calls with this many texts or fewer skip encode(); 0: none
        # Calls up to this size (a question, its evidence sentences) run through ONNX, or torch on one thread
        self.one_thread_max_texts = one_thread_max_texts
        self.query_runtime = query_runtime  # onnx (needs cache_dir for the exported copy) | torch
        self.onnx_threads = onnx_threads
        self.cache_dir = cache_dir
        self._model = None  # the SentenceTransformer, loaded when first needed
        self._onnx = None
        self._ready = False

    @classmethod
    def from_settings(cls, settings: Settings) -> SentenceTransformerEmbedder:
        from qa.retrieval.onnx_query import query_threads

        return cls(
            settings.embedding_model,
            query_runtime=settings.query_runtime,
            cache_dir=settings.cache_dir,
            onnx_threads=query_threads(settings.threads),
        )

    def warm_up(self) -> None:
        """Load what questions need: the ONNX copy (exported on first use), or else the torch model.
        With the copy, the torch model (seconds of imports) loads only for big batches, when they come."""
        if self._ready:
            return
        if self.query_runtime == "onnx" and self.cache_dir is not None:
            from qa.retrieval.onnx_query import load_encoder

            self._onnx = load_encoder(
                self.name,
                self.cache_dir,
                model=self._torch_model,
                reference=self._embed_with_torch,
                threads=self.onnx_threads,
            )
        if self._onnx is None:
            self._torch_model()
        self._ready = True

    def _torch_model(self):
        if self._model is not None:
            return self._model
        from sentence_transformers import SentenceTransformer

        from qa.progress import quiet_loading

        path = embedding_path(self.name)
        try:
            with quiet_loading():  # no "Loading weights" bar from a library call
                self._model = SentenceTransformer(path, device="cpu", trust_remote_code=False).eval()
        except Exception as e:  # OSError for a missing folder, hub errors when offline, and more
            raise ModelError(
                f"cannot load embedding model {self.name!r}: {e}. "
                "Use a local folder or the packaged default (packaged:all-MiniLM-L6-v2)."
            ) from e
        return self._model

    @property
    def runtime_in_use(self) -> str:
        """How a single text is embedded after loading: "onnx", or "torch" (chosen, or the fallback)."""
        self.warm_up()
        return "onnx" if self._onnx is not None else "torch"

    @property
    def dim(self) -> int:
        self.warm_up()
        if self._onnx is not None:
            return self._onnx.dim
        return int(self._model.get_embedding_dimension())

    def embed(self, texts: list[str], progress: bool = False) -> np.ndarray:
        self.warm_up()
        texts = list(texts)
        if texts and self._onnx is not None and len(texts) <= self.one_thread_max_texts:
            return self._onnx.embed(texts)
        if 0 < len(texts) <= self.direct_max_texts:
            return self._embed_with_torch(texts)
        threads = one_torch_thread() if len(texts) <= self.one_thread_max_texts else nullcontext()
        with threads:
            vectors = self._torch_model().encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=progress,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(texts), -1)

    def _embed_with_torch(self, texts: list[str]) -> np.ndarray:
        """What encode() computes (the same tokenizer, modules, pooling and normalisation), minus its
        per-call overhead. The model is in eval mode, so dropout is off."""
        import torch

        model = self._torch_model()
        with one_torch_thread(), torch.inference_mode():
            features = model.preprocess(texts)
            vectors = model(features)["sentence_embedding"]
            vectors = torch.nn.functional.normalize(vectors, p=2, dim=1)
        return np.ascontiguousarray(vectors.numpy(), dtype=np.float32)


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
