"""The on-disk index as one object: IndexStore holds a build's vectors (a qa/index/vectors.py
backend: FAISS or Qdrant), chunk records, line texts and stored analysis; `search` returns Hits, never
row numbers; `save` writes a new build and makes it live atomically; `load` opens the live one, checked.

Where the parts are: the index folder, its builds, CURRENT and the lock in qa/index/builds.py; a
build's manifest in qa/index/manifest.py; its record files, written and read back checked, in
qa/index/build_files.py. Their public names are importable from here too.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from qa.errors import IndexCorruptError
from qa.index.build_files import (
    Records,
    check_checksums,
    check_records,
    read_embeddings,
    read_record_files,
    read_records,
    write_records,
)
from qa.index.builds import (
    abandon,
    current_build,
    index_lock,
    live_build_name,
    make_live,
    new_build_name,
    reading,
    remove_old_builds,
)
from qa.index.manifest import (
    EMBEDDINGS,
    FORMAT_VERSION,
    RECORD_FILES,
    Manifest,
    build_manifest,
    check_format,
    read_manifest,
)
from qa.index.vectors import VectorIndex, open_vectors
from qa.ingest.analysis import SentenceIndex, unpack
from qa.ingest.corpus import page_location
from qa.records import Chunk, Hit

__all__ = [
    "EMBEDDINGS",
    "FORMAT_VERSION",
    "RECORD_FILES",
    "IndexStore",
    "Manifest",
    "Records",
    "check_format",
    "check_records",
    "current_build",
    "index_lock",
    "read_embeddings",
    "read_manifest",
    "read_records",
]

TIE_MARGIN = 10  # extra candidates fetched so that ties at the k-th place are cut consistently
TIE_DECIMALS = 5  # scores equal to this many decimals tie (backends differ in the last float bits)


class IndexStore:
    """Vectors, chunk records and the stored analysis of one build; search returns Hits, never row
    numbers. The vectors may live in any qa/index/vectors.py backend (FAISS, Qdrant)."""

    def __init__(
        self,
        manifest: Manifest,
        vectors: VectorIndex,
        chunks: list[Chunk],
        lines: dict[tuple[str, int], str],
        pages: dict[str, tuple[int, ...]] | None = None,
        embeddings: np.ndarray | None = None,
        analysis: dict[str, bytes] | None = None,
    ):
        if len(vectors) != len(chunks):
            raise IndexCorruptError(
                f"index holds {len(vectors)} vectors for {len(chunks)} chunks: run `qa index`"
            )
        self.manifest = manifest
        self.vectors = vectors
        self.chunks = chunks
        self.lines = lines  # (file, line number) -> stripped text of that source line
        self.pages = pages or {}  # PDF file -> line each page starts on (page 1 first)
        self.embeddings = embeddings  # (len(chunks), dim) float32 when building; load leaves it None
        self.analysis = analysis or {}  # file -> spaCy DocBin bytes of its parsed paragraphs
        self._sentences = None

    def sentence_index(self, vocab) -> SentenceIndex:
        """The stored parse of every file, unpacked once with the language model's vocabulary."""
        if self._sentences is None:
            try:
                docs = [doc for file in sorted(self.analysis) for doc in unpack(self.analysis[file], vocab)]
            except (ValueError, KeyError, TypeError) as e:
                raise IndexCorruptError(
                    f"the index's language analysis cannot be read ({e}): run `qa index`"
                ) from e
            self._sentences = SentenceIndex(docs)
        return self._sentences

    def page_of(self, file: str, line: int) -> tuple[int, int] | None:
        """(page, line on that page) of a line of a PDF; None for other files."""
        return page_location(self.pages.get(file, ()), line)

    def search(self, vector: np.ndarray, k: int) -> list[Hit]:
        k = min(k, len(self.chunks))
        if k <= 0:
            return []
        # A few more than k, so that chunks whose scores tie are cut by chunk order, not by
        # whichever order a backend happens to return ties in: every backend ranks alike.
        fetch = min(k + TIE_MARGIN, len(self.chunks))
        scores, rows = self.vectors.search(np.asarray(vector, dtype=np.float32).reshape(1, -1), fetch)
        hits = [(float(s), int(r)) for s, r in zip(scores[0], rows[0], strict=True) if r >= 0]
        hits.sort(key=lambda hit: (-round(hit[0], TIE_DECIMALS), hit[1]))
        return [Hit(self.chunks[r], s, rank) for rank, (s, r) in enumerate(hits[:k], 1)]

    def save(self, index_dir: Path) -> Path:
        """Write a new build beside the live one and switch CURRENT to it atomically."""
        index_dir = Path(index_dir)
        index_dir.mkdir(parents=True, exist_ok=True)
        with index_lock(index_dir, exclusive=True):
            return self._save_locked(index_dir)

    def _save_locked(self, index_dir: Path) -> Path:
        build = new_build_name()
        staged = index_dir / f".{build}.tmp"
        staged.mkdir()
        record = None
        try:
            record = self.vectors.save(staged, build)
            manifest = dataclasses.replace(self.manifest, vector_store=record, count=len(self.chunks))
            records = Records(manifest, self.chunks, self.lines, self.pages, self.analysis)
            manifest = write_records(staged, records, self.embeddings)
            make_live(index_dir, staged, build)
        except BaseException:
            abandon(index_dir, staged)
            if record is not None and live_build_name(index_dir) != build:
                self.vectors.discard(record)  # e.g. the new collection on a Qdrant server
            raise
        self.manifest = manifest
        remove_old_builds(index_dir, keep=build, vectors=self.vectors)
        return index_dir / build

    @classmethod
    def load(cls, index_dir: Path, verify: bool = True, qdrant_api_key: str = "") -> IndexStore:
        """The live build, checked: file checksums (verify=True), file names, line numbers."""
        with reading(index_dir) as build:
            manifest = build_manifest(build)
            check_format(manifest)
            if verify:
                check_checksums(build, manifest)
            records = read_record_files(build, manifest)
            vectors = open_vectors(manifest.vector_store, build, manifest.dim, qdrant_api_key)
        return cls(manifest, vectors, records.chunks, records.lines, records.pages, analysis=records.analysis)
