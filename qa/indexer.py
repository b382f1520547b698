"""Building the index from the documents, and telling when it is stale."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from .chunking import chunk_corpus
from .config import Settings
from .corpus import Skipped, list_sources, load_corpus
from .embedding import Embedder
from .errors import IndexStaleError
from .faiss_index import choose_index_type
from .faiss_vectors import FaissVectors, build_faiss
from .hashing import sha256_file
from .store import FORMAT_VERSION, FaissStore, Manifest, read_manifest
from .vectors import check_available, new_vectors

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildReport:
    path: Path
    files: int
    chunks: int
    skipped: tuple[Skipped, ...]
    seconds: float


def build_index(settings: Settings, embedder: Embedder, progress: bool = True) -> BuildReport:
    """Read, chunk and embed every document, then save the index atomically."""
    started = time.perf_counter()
    # A missing extra or an unreachable server fails now, not after minutes of embedding.
    check_available(settings.vector_store, settings.qdrant_url, settings.qdrant_api_key)
    docs, skipped = load_corpus(settings.docs_dir)
    chunks = chunk_corpus(docs, settings.chunk_chars, settings.chunk_overlap)
    log.info("embedding %d chunks from %d files", len(chunks), len(docs))
    vectors = embedder.embed([c.text for c in chunks], progress=progress)
    # Qdrant indexes by its own HNSW; the FAISS index type depends on the corpus size.
    faiss_backend = settings.vector_store == "faiss"
    index_type = (
        choose_index_type(len(chunks), int(vectors.shape[1]), settings.index_type)
        if faiss_backend
        else "flat"
    )
    manifest = Manifest(
        format_version=FORMAT_VERSION,
        created=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        embedding_model=embedder.name,
        dim=int(vectors.shape[1]),
        chunk_chars=settings.chunk_chars,
        chunk_overlap=settings.chunk_overlap,
        sources={d.file: d.sha256 for d in docs},
        skipped={s.file: sha256_file(Path(settings.docs_dir) / s.file) for s in skipped},
        files={},
        count=len(chunks),
        index_type=index_type,
    )
    lines = {
        (d.file, n): text.strip()
        for d in docs
        for n, text in enumerate(d.text.split("\n"), 1)
        if text.strip()
    }
    if faiss_backend:  # IVF trains on the vectors, so it is built from all of them
        index = FaissVectors(build_faiss(vectors, index_type))
    else:
        index = new_vectors(
            vectors.shape[1], settings.vector_store, settings.qdrant_url, settings.qdrant_api_key
        )
        index.add(vectors)
    path = FaissStore(manifest, index, chunks, lines).save(settings.index_dir)
    return BuildReport(path, len(docs), len(chunks), tuple(skipped), time.perf_counter() - started)


def stale_reasons(settings: Settings, manifest: Manifest | None = None) -> list[str]:
    """Why the index no longer matches the documents and settings (empty when it is fresh)."""
    manifest = manifest or read_manifest(settings.index_dir)
    reasons = []
    if manifest.format_version != FORMAT_VERSION:
        reasons.append(f"index format {manifest.format_version} is not the current {FORMAT_VERSION}")
    if manifest.embedding_model != settings.embedding_model:
        reasons.append(
            f"built with embedding model {manifest.embedding_model}, not {settings.embedding_model}"
        )
    built_with = (manifest.vector_store.get("backend"), manifest.vector_store.get("url", ""))
    wanted = (settings.vector_store, settings.qdrant_url if settings.vector_store == "qdrant" else "")
    if built_with != wanted:
        reasons.append(
            f"vectors are in {describe_store(*built_with)}, settings ask for {describe_store(*wanted)}"
        )
    if (manifest.chunk_chars, manifest.chunk_overlap) != (settings.chunk_chars, settings.chunk_overlap):
        reasons.append("chunking settings changed")
    wanted = choose_index_type(manifest.count, manifest.dim, settings.index_type)
    if settings.vector_store == "faiss" and manifest.index_type != wanted:
        reasons.append(f"index type is {manifest.index_type}, settings ask for {wanted}")
    root = Path(settings.docs_dir)
    current = {p.relative_to(root).as_posix(): p for p in list_sources(root)}
    known = {**manifest.skipped, **manifest.sources}  # skipped files count as known until they change
    added = sorted(set(current) - set(known))
    removed = sorted(set(manifest.sources) - set(current))
    changed = sorted(f for f in set(current) & set(known) if sha256_file(current[f]) != known[f])
    for label, files in (("new", added), ("removed", removed), ("changed", changed)):
        if files:
            reasons.append(f"{label} files: {', '.join(files[:5])}{' …' if len(files) > 5 else ''}")
    return reasons


def describe_store(backend: str | None, url: str) -> str:
    return f"{backend} at {url}" if url else f"{backend} in the index folder"


def ensure_fresh(settings: Settings) -> None:
    reasons = stale_reasons(settings)
    if reasons:
        raise IndexStaleError(f"index is stale ({'; '.join(reasons)}): run `qa index`")
