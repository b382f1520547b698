"""Building the index from the documents (incrementally when it can), and telling when it is stale."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from qa.config import Settings
from qa.errors import CorpusError, IndexCorruptError, IndexMissingError, IndexStaleError, QAError
from qa.hashing import sha256_file
from qa.index.faiss_index import choose_index_type
from qa.index.faiss_vectors import FaissVectors, build_faiss
from qa.index.freshness import check_folder_index, file_size, max_file_bytes
from qa.index.store import (
    FORMAT_VERSION,
    IndexStore,
    Manifest,
    Records,
    check_format,
    read_embeddings,
    read_manifest,
    read_records,
)
from qa.index.vectors import check_available, new_vectors
from qa.ingest.analysis import pack, parse_paragraphs
from qa.ingest.chunking import chunk_document
from qa.ingest.corpus import Document, Skipped, no_documents_message, unsupported_files
from qa.ingest.uploads import read_named, source_files
from qa.nlp import load_nlp
from qa.records import Chunk
from qa.retrieval.embedding import Embedder

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildReport:
    path: Path
    files: int  # documents in the index
    chunks: int  # chunks in the index
    skipped: tuple[Skipped, ...]  # files left out, with why
    seconds: float
    reused_files: int = 0  # unchanged files whose chunks and vectors came from the previous build
    embedded_chunks: int = 0  # chunks embedded by this build (all of them in a full build)
    removed_files: tuple[str, ...] = ()  # files of the previous build that are gone


@dataclass
class _FilePart:
    """What one document contributes to the index, fresh or taken from the previous build."""

    file: str
    sha256: str
    chunks: list[Chunk]
    lines: dict[tuple[str, int], str]
    page_starts: tuple[int, ...]
    vectors: np.ndarray | None  # None until embedded
    analysis: bytes  # spaCy DocBin of the parsed paragraphs


class _Previous:
    """The live build, when its chunks and vectors can be reused by the next one."""

    def __init__(self, store: Records, vectors: np.ndarray):
        self.sources = store.manifest.sources
        self.store = store
        self.vectors = vectors
        self.rows: dict[str, list[int]] = {}  # file -> its chunks' rows, in order
        for row, chunk in enumerate(store.chunks):
            self.rows.setdefault(chunk.file, []).append(row)
        self.lines: dict[str, dict[tuple[str, int], str]] = {}
        for key, text in store.lines.items():
            self.lines.setdefault(key[0], {})[key] = text

    def part(self, file: str, sha256: str) -> _FilePart:
        rows = self.rows.get(file, [])
        return _FilePart(
            file,
            sha256,
            [self.store.chunks[r] for r in rows],
            self.lines.get(file, {}),
            self.store.pages.get(file, ()),
            self.vectors[rows],
            self.store.analysis.get(file, b""),
        )


def document_part(doc: Document, nlp, settings: Settings) -> _FilePart:
    """What a document read now contributes: its parse, chunks and line texts (vectors not yet)."""
    parsed = parse_paragraphs(doc, nlp)
    chunks = chunk_document(doc, parsed, settings.chunk_chars, settings.chunk_overlap)
    lines = {(doc.file, n): text.strip() for n, text in enumerate(doc.text.split("\n"), 1) if text.strip()}
    return _FilePart(doc.file, doc.sha256, chunks, lines, doc.page_starts, None, pack(parsed))


def _previous_build(settings: Settings, embedder: Embedder) -> _Previous | None:
    """The live build if it was made the same way (format, model, chunking); else None and why."""
    try:
        manifest = read_manifest(settings.index_dir)
        check_format(manifest)
        if manifest.embedding_model != embedder.name:
            raise IndexStaleError(f"built with embedding model {manifest.embedding_model}")
        if (manifest.chunk_chars, manifest.chunk_overlap) != (settings.chunk_chars, settings.chunk_overlap):
            raise IndexStaleError("chunking settings changed")
        if manifest.language_model != settings.language_model:
            raise IndexStaleError(f"analysed with language model {manifest.language_model or 'none'}")
        # Records and stored vectors only: a damaged vector file (vectors.faiss) is rebuilt from them.
        previous = _Previous(read_records(settings.index_dir), read_embeddings(settings.index_dir))
    except IndexMissingError:
        return None
    except QAError as e:
        log.warning("rebuilding the whole index, nothing can be reused: %s", e)
        return None
    return previous


def _read_parts(
    settings: Settings, previous: _Previous | None, progress: bool
) -> tuple[list[_FilePart], list[Skipped], dict[str, Path]]:
    """Every source file as a part (unchanged ones from the previous build), in file order; the files
    that cannot be used, with why, and where each of those is (to record its sha256)."""
    parts: list[_FilePart] = []
    skipped: list[Skipped] = []
    skipped_paths: dict[str, Path] = {}
    named = source_files(settings)  # the documents folder's files, then the web page's uploads
    nlp = None  # loaded only when a file needs parsing
    limit = max_file_bytes(settings)
    for file, path, root in tqdm(
        named, desc="reading", unit="file", disable=not progress or not named, leave=False
    ):
        if previous is not None and file in previous.sources and file_size(path) <= limit:
            sha256 = sha256_file(path)
            if previous.sources[file] == sha256:
                parts.append(previous.part(file, sha256))
                continue
        doc = read_named(path, file, root, limit)  # a file over a lowered limit is skipped here
        if isinstance(doc, Skipped):
            skipped.append(doc)
            skipped_paths[file] = path
            continue
        nlp = nlp or load_nlp(settings.language_model)
        parts.append(document_part(doc, nlp, settings))
    return parts, skipped, skipped_paths


def _embed_new(parts: list, embedder: Embedder, progress: bool) -> tuple[list, list[str]]:
    """Embed the chunks of the new and changed files (those without vectors) in one batch; returns
    those files and the texts embedded."""
    fresh = [p for p in parts if p.vectors is None]
    texts = [c.search_text for p in fresh for c in p.chunks]
    log.info("embedding %d chunks from %d new or changed files", len(texts), len(fresh))
    if texts:
        vectors = embedder.embed(texts, progress=progress)
        offset = 0
        for p in fresh:
            p.vectors, offset = vectors[offset : offset + len(p.chunks)], offset + len(p.chunks)
    return fresh, texts


def _index_type(settings: Settings, count: int, dim: int) -> str:
    """Qdrant indexes by its own HNSW; the FAISS index type depends on the corpus size."""
    if settings.vector_store != "faiss":
        return "flat"
    return choose_index_type(count, dim, settings.index_type)


def build_index(
    settings: Settings, embedder: Embedder, progress: bool = False, full: bool = False
) -> BuildReport:
    """Read, chunk and embed the documents, then save the index atomically.

    Progress bars only with progress=True (`qa index` asks for them; library calls print nothing).

    Unless `full`, files unchanged since the live build (same sha256, same model and chunking)
    keep their chunks and vectors, so only new and changed files are read and embedded.
    """
    started = time.perf_counter()
    # A missing extra or an unreachable server fails now, not after minutes of embedding.
    check_available(settings.vector_store, settings.qdrant_url, settings.qdrant_api_key)
    try:
        check_folder_index(read_manifest(settings.index_dir), settings.index_dir)
    except (IndexMissingError, IndexCorruptError):
        pass  # nothing there yet, or a damaged build that this one replaces
    previous = None if full else _previous_build(settings, embedder)
    parts, skipped, skipped_paths = _read_parts(settings, previous, progress)
    for s in skipped:  # the BuildReport lists them too; `qa index` prints that list
        log.info("skipped %s: %s", s.file, s.reason)
    if not parts:
        raise CorpusError(no_documents_message(settings.docs_dir))
    fresh, texts = _embed_new(parts, embedder, progress)
    chunks = [c for p in parts for c in p.chunks]
    all_vectors = np.concatenate([p.vectors for p in parts]).astype(np.float32, copy=False)
    if all_vectors.ndim != 2 or all_vectors.shape[0] != len(chunks):
        raise AssertionError(f"{all_vectors.shape} vectors for {len(chunks)} chunks")
    index_type = _index_type(settings, len(chunks), int(all_vectors.shape[1]))
    manifest = new_manifest(
        settings,
        embedder.name,
        all_vectors,
        index_type,
        sources={p.file: p.sha256 for p in parts},
        skipped=_hashes(skipped_paths),
    )
    lines = {key: text for p in parts for key, text in p.lines.items()}
    pages = {p.file: p.page_starts for p in parts if p.page_starts}
    if settings.vector_store == "faiss":  # IVF trains on the vectors, so it is built from all of them
        index = FaissVectors(build_faiss(all_vectors, index_type))
    else:
        index = new_vectors(manifest.dim, settings.vector_store, settings.qdrant_url, settings.qdrant_api_key)
        index.add(all_vectors)
    analysis = {p.file: p.analysis for p in parts}
    store = IndexStore(manifest, index, chunks, lines, pages, embeddings=all_vectors, analysis=analysis)
    path = store.save(settings.index_dir)
    removed = tuple(sorted(set(previous.sources) - set(manifest.sources))) if previous else ()
    return BuildReport(
        path,
        files=len(parts),
        chunks=len(chunks),
        skipped=tuple(skipped) + tuple(unsupported_files(settings.docs_dir)),
        seconds=time.perf_counter() - started,
        reused_files=len(parts) - len(fresh),
        embedded_chunks=len(texts),
        removed_files=removed,
    )


def new_manifest(
    settings: Settings, embedding_model: str, vectors: np.ndarray, index_type: str, **fields
) -> Manifest:
    """The manifest of a build of `vectors` (row i = chunk i) made with these settings; `fields`
    gives sources, skipped and any other Manifest field. Checksums are filled in when it is saved."""
    return Manifest(
        format_version=FORMAT_VERSION,
        created=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        embedding_model=embedding_model,
        dim=int(vectors.shape[1]),
        chunk_chars=settings.chunk_chars,
        chunk_overlap=settings.chunk_overlap,
        files={},
        count=int(vectors.shape[0]),
        index_type=index_type,
        language_model=settings.language_model,
        max_file_mb=settings.max_file_mb,
        **fields,
    )


def _hashes(paths: dict[str, Path]) -> dict[str, str]:
    """sha256 of the files that can be read (an unreadable one is simply checked again next time)."""
    out = {}
    for file in paths:
        try:
            out[file] = sha256_file(paths[file])
        except OSError:
            pass
    return out
