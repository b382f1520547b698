"""The on-disk index: chunk records as JSON, a manifest, and the vectors (qa/index/vectors.py backends).

Layout of the index folder:
    CURRENT               name of the live build folder (replaced atomically)
    build-<id>/manifest.json, chunks.json,
               lines.json (text of every non-blank source line, for citations),
               pages.json (PDFs: the line each page starts on),
               embeddings.npy (the chunk vectors, row i = chunk i, reused by incremental builds),
               analysis.json (per file, spaCy's parse of its paragraphs as DocBin bytes in
               base64: sentences, entities, noun chunks, lemmas; reused by incremental builds),
               vectors.faiss (FAISS backend) or vectors.npy (Qdrant in-process; a Qdrant
               server keeps the vectors in a collection named after the build)

A build is written into a fresh folder and only becomes live when CURRENT is
replaced with os.replace, so a reader never sees half an index and an
interrupted build leaves the previous one intact. Nothing is pickled.

Saving holds an exclusive lock on the index folder and loading a shared one, so two
`qa index` runs cannot delete each other's builds, and a save never removes the build
a reader is in the middle of. The lock is flock(2): the kernel drops it when its
process dies, even by kill -9, so there is no stale lock file to clean up.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no flock; saves stay atomic, only concurrent builds are unguarded
    fcntl = None

import numpy as np

from qa.errors import IndexCorruptError, IndexMissingError, IndexStaleError
from qa.hashing import sha256_file
from qa.index.faiss_vectors import build_faiss  # noqa: F401  (re-exported: the indexer's old import path)
from qa.index.vectors import VectorIndex, open_vectors
from qa.ingest.analysis import SentenceIndex, unpack
from qa.ingest.corpus import is_safe_name, page_location
from qa.records import Chunk, Hit

log = logging.getLogger(__name__)

# 3: embeddings.npy and pages.json were added; 4: analysis.json, chunks of spaCy sentences of
# rebuilt paragraphs. An index of an older format is rebuilt in full.
FORMAT_VERSION = 4
EMBEDDINGS = "embeddings.npy"
PAGES = "pages.json"
ANALYSIS = "analysis.json"
TIE_MARGIN = 10  # extra candidates fetched so that ties at the k-th place are cut consistently
TIE_DECIMALS = 5  # scores equal to this many decimals tie (backends differ in the last float bits)
RECORD_FILES = ("chunks.json", "lines.json", PAGES, EMBEDDINGS, ANALYSIS)
DEFAULT_VECTOR_STORE = {"backend": "faiss", "files": ["vectors.faiss"]}  # manifests from before backends


@dataclass(frozen=True)
class Manifest:
    format_version: int
    created: str
    embedding_model: str
    dim: int
    chunk_chars: int
    chunk_overlap: int
    sources: dict[str, str]  # file name -> sha256 of its bytes
    skipped: dict[str, str]  # files left out (empty, binary) -> sha256, so they do not look new
    files: dict[str, str]  # index file name -> sha256, checked on load
    count: int
    index_type: str
    # The vector backend's record: {"backend": "faiss" | "qdrant", "files": [...], and e.g. the
    # Qdrant url and collection}; never an API key.
    vector_store: dict = dataclasses.field(default_factory=lambda: dict(DEFAULT_VECTOR_STORE))
    language_model: str = ""  # the spaCy pipeline that analysed the documents
    # QA_MAX_FILE_MB the build read files under: changing it changes which files are indexed.
    # None in builds from before it was recorded.
    max_file_mb: float | None = None
    # "folder": settings.docs_dir (and the uploads), kept up to date by build_index; "memory":
    # qa.TextDocuments saved by Retriever.save, never updated from a folder.
    origin: str = "folder"
    metadata: dict[str, dict] = dataclasses.field(default_factory=dict)  # memory: name -> caller's fields

    @classmethod
    def from_dict(cls, data: object) -> Manifest:
        if not isinstance(data, dict):
            raise IndexCorruptError("index manifest is not a JSON object: run `qa index`")
        fields = dataclasses.fields(cls)
        required = {f.name for f in fields if f.default is f.default_factory is dataclasses.MISSING}
        missing = required - data.keys()
        if missing:
            raise IndexCorruptError(f"index manifest lacks {', '.join(sorted(missing))}: run `qa index`")
        manifest = cls(**{f.name: data[f.name] for f in fields if f.name in data})
        if not isinstance(manifest.vector_store, dict) or not isinstance(
            manifest.vector_store.get("files", []), list
        ):
            raise IndexCorruptError("index manifest has a malformed vector_store: run `qa index`")
        if not isinstance(manifest.metadata, dict) or not all(
            isinstance(fields, dict) for fields in manifest.metadata.values()
        ):
            raise IndexCorruptError(
                "index manifest has malformed document metadata: save the documents again (Retriever.save)"
            )
        return manifest

    @property
    def index_files(self) -> tuple[str, ...]:
        """Every file of the build that the manifest checksums."""
        return (*self.vector_store.get("files", []), *RECORD_FILES)


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
        build = f"build-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
        tmp = index_dir / f".{build}.tmp"
        tmp.mkdir()
        record = None
        try:
            record = self.vectors.save(tmp, build)
            records = [dataclasses.asdict(c) for c in self.chunks]
            (tmp / "chunks.json").write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
            by_file: dict[str, list] = {}
            for (file, number), text in sorted(self.lines.items()):
                by_file.setdefault(file, []).append([number, text])
            (tmp / "lines.json").write_text(json.dumps(by_file, ensure_ascii=False), encoding="utf-8")
            write_pages(tmp / PAGES, self.pages)
            write_analysis(tmp / ANALYSIS, self.analysis)
            if self.embeddings is None:
                raise ValueError("a store is saved with its embeddings (row i = vector of chunk i)")
            write_embeddings(tmp / EMBEDDINGS, self.embeddings)
            manifest = dataclasses.replace(self.manifest, vector_store=record, count=len(self.chunks))
            files = {name: sha256_file(tmp / name) for name in manifest.index_files}
            manifest = dataclasses.replace(manifest, files=files)
            (tmp / "manifest.json").write_text(json.dumps(dataclasses.asdict(manifest), indent=2))
            for name in (*manifest.index_files, "manifest.json"):
                with open(tmp / name, "rb") as f:
                    os.fsync(f.fileno())
            os.replace(tmp, index_dir / build)
            pointer = index_dir / f".CURRENT.{uuid.uuid4().hex[:6]}"
            pointer.write_text(build + "\n")
            os.replace(pointer, index_dir / "CURRENT")
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            for leftover in index_dir.glob(".CURRENT.*"):
                leftover.unlink(missing_ok=True)
            if record is not None and _live_build_name(index_dir) != build:
                self.vectors.discard(record)  # e.g. the new collection on a Qdrant server
            raise
        self.manifest = manifest
        _remove_old_builds(index_dir, keep=build, vectors=self.vectors)
        return index_dir / build

    @classmethod
    def load(cls, index_dir: Path, verify: bool = True, qdrant_api_key: str = "") -> IndexStore:
        """The live build, checked: file checksums (verify=True), file names, line numbers."""
        if not Path(index_dir).is_dir():
            raise IndexMissingError(f"no index in {index_dir}: run `qa index` to build it")
        with index_lock(Path(index_dir), exclusive=False):
            return cls._load_locked(Path(index_dir), verify, qdrant_api_key)

    @classmethod
    def _load_locked(cls, index_dir: Path, verify: bool, qdrant_api_key: str) -> IndexStore:
        build = current_build(index_dir)
        manifest = _read_manifest(build)
        check_format(manifest)
        if verify:
            for name in manifest.index_files:
                path = build / name
                if not path.is_file():
                    raise IndexCorruptError(f"index file {path} is missing: run `qa index`")
                if sha256_file(path) != manifest.files.get(name):
                    raise IndexCorruptError(f"index file {path} fails its checksum: run `qa index`")
        records = _read_record_files(build, manifest)
        vectors = open_vectors(manifest.vector_store, build, manifest.dim, qdrant_api_key)
        return cls(manifest, vectors, records.chunks, records.lines, records.pages, analysis=records.analysis)


@dataclass(frozen=True)
class Records:
    """A build's records without its vector index: what an incremental build reuses."""

    manifest: Manifest
    chunks: list[Chunk]
    lines: dict[tuple[str, int], str]
    pages: dict[str, tuple[int, ...]]
    analysis: dict[str, bytes]


def read_records(index_dir: Path) -> Records:
    """The live build's chunk, line and page records, checked as load checks them (checksums, names,
    line numbers), without opening the vectors: a build whose vector file alone is damaged can be
    rebuilt from these and embeddings.npy without embedding anything again."""
    if not Path(index_dir).is_dir():
        raise IndexMissingError(f"no index in {index_dir}: run `qa index` to build it")
    with index_lock(Path(index_dir), exclusive=False):
        build = current_build(index_dir)
        manifest = _read_manifest(build)
        check_format(manifest)
        for name in RECORD_FILES:
            path = build / name
            if not path.is_file() or sha256_file(path) != manifest.files.get(name):
                raise IndexCorruptError(f"index file {path} is missing or fails its checksum: run `qa index`")
        return _read_record_files(build, manifest)


def _read_record_files(build: Path, manifest: Manifest) -> Records:
    """The chunk, line, page and analysis records of a build (checksums already checked), checked."""
    try:
        chunks = [Chunk(**r) for r in json.loads((build / "chunks.json").read_text(encoding="utf-8"))]
        by_file = json.loads((build / "lines.json").read_text(encoding="utf-8"))
        lines = {(file, int(n)): text for file, rows in by_file.items() for n, text in rows}
        pages = read_pages(build / PAGES)
        analysis = read_analysis(build / ANALYSIS)
    except (OSError, RuntimeError, ValueError, TypeError, AttributeError) as e:
        raise IndexCorruptError(f"cannot read the index in {build} ({e}): run `qa index`") from e
    check_records(manifest, chunks, lines)
    if set(analysis) - set(manifest.sources):
        raise IndexCorruptError("the index's analysis names files it did not index: run `qa index`")
    return Records(manifest, chunks, lines, pages, analysis)


def check_records(manifest: Manifest, chunks: list[Chunk], lines: dict[tuple[str, int], str]) -> None:
    """Refuse chunk and line records that name a file outside the corpus or lines it does not have.

    Every file name later shown in a citation comes from these records, so a crafted
    "../../etc/passwd" is stopped here, before anything can display or open it.
    """
    for name in (*manifest.sources, *manifest.skipped):
        if not is_safe_name(name):
            raise IndexCorruptError(
                f"index manifest names a file outside the corpus: {name!r}: run `qa index`"
            )
    for (file, number), text in lines.items():
        if not isinstance(text, str):
            raise IndexCorruptError(f"index lines hold a non-text line of {file!r}: run `qa index`")
        if file not in manifest.sources:
            raise IndexCorruptError(f"index lines name a file it did not index: {file!r}: run `qa index`")
        if number < 1:
            raise IndexCorruptError(f"index lines hold line {number} of {file}: run `qa index`")
    last = {}
    for file, number in lines:
        last[file] = max(last.get(file, 0), number)
    for c in chunks:
        typed = all(isinstance(getattr(c, f), int) for f in ("first_line", "last_line", "start", "end"))
        if not (typed and isinstance(c.text, str) and isinstance(c.file, str)):
            raise IndexCorruptError(f"chunk {c.id!r} has fields of the wrong type: run `qa index`")
        if c.file not in manifest.sources:
            raise IndexCorruptError(
                f"chunk {c.id!r} names a file it did not index: {c.file!r}: run `qa index`"
            )
        if not (1 <= c.first_line <= c.last_line and 0 <= c.start < c.end and len(c.text) == c.end - c.start):
            raise IndexCorruptError(f"chunk {c.id!r} has inconsistent line or offset fields: run `qa index`")
        if (
            c.last_line > last[c.file]
            or (c.file, c.first_line) not in lines
            or (c.file, c.last_line) not in lines
        ):
            raise IndexCorruptError(
                f"chunk {c.id!r} points at lines {c.first_line}-{c.last_line} of {c.file}, "
                f"which has {last[c.file]} lines: run `qa index`"
            )


@contextmanager
def index_lock(index_dir: Path, exclusive: bool) -> Iterator[None]:
    """flock on the index folder itself: exclusive for a save, shared for a load. Blocks until free."""
    if fcntl is None:
        yield
        return
    fd = os.open(index_dir, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def current_build(index_dir: Path) -> Path:
    pointer = Path(index_dir) / "CURRENT"
    if not pointer.is_file():
        raise IndexMissingError(f"no index in {index_dir}: run `qa index` to build it")
    name = pointer.read_text().strip()
    build = Path(index_dir) / name
    if "/" in name or not build.is_dir():  # a crafted pointer must not lead outside the index folder
        raise IndexCorruptError(f"{pointer} names a missing build: run `qa index`")
    return build


def _live_build_name(index_dir: Path) -> str:
    try:
        return (Path(index_dir) / "CURRENT").read_text().strip()
    except OSError:
        return ""


def read_manifest(index_dir: Path) -> Manifest:
    """The live build's manifest (under a shared lock, so a save cannot remove it mid-read)."""
    if not Path(index_dir).is_dir():
        raise IndexMissingError(f"no index in {index_dir}: run `qa index` to build it")
    with index_lock(Path(index_dir), exclusive=False):
        return _read_manifest(current_build(index_dir))


def _read_manifest(build: Path) -> Manifest:
    path = build / "manifest.json"
    try:
        return Manifest.from_dict(json.loads(path.read_text()))
    except (OSError, ValueError) as e:
        raise IndexCorruptError(f"cannot read {path} ({e}): run `qa index`") from e


def check_format(manifest: Manifest) -> None:
    """An index written by another version of the format is rebuilt, not read."""
    if manifest.format_version != FORMAT_VERSION:
        raise IndexStaleError(
            f"index format {manifest.format_version} is not the current {FORMAT_VERSION}: "
            "run `qa index` to rebuild it"
        )


# --- pages and embeddings: small files beside the vectors -------------------------------------------


def write_pages(path: Path, pages: dict[str, tuple[int, ...]]) -> None:
    path.write_text(json.dumps({f: list(starts) for f, starts in sorted(pages.items())}), encoding="utf-8")


def read_pages(path: Path) -> dict[str, tuple[int, ...]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path.name} is not a JSON object")
    return {str(f): tuple(int(n) for n in starts) for f, starts in data.items()}


def write_analysis(path: Path, analysis: dict[str, bytes]) -> None:
    data = {f: base64.b64encode(blob).decode("ascii") for f, blob in sorted(analysis.items())}
    path.write_text(json.dumps(data), encoding="utf-8")


def read_analysis(path: Path) -> dict[str, bytes]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path.name} is not a JSON object")
    return {str(f): base64.b64decode(blob, validate=True) for f, blob in data.items()}


def write_embeddings(path: Path, vectors: np.ndarray) -> None:
    """Row i is the vector of chunk i; plain .npy (no pickled objects)."""
    with open(path, "wb") as f:
        np.save(f, np.ascontiguousarray(vectors, dtype=np.float32), allow_pickle=False)


def read_embeddings(index_dir: Path) -> np.ndarray:
    """The chunk vectors of the live build, checked against the manifest's checksum and shape."""
    build = current_build(index_dir)
    manifest = read_manifest(index_dir)
    check_format(manifest)
    path = build / EMBEDDINGS
    if not path.is_file() or sha256_file(path) != manifest.files.get(EMBEDDINGS):
        raise IndexCorruptError(f"index file {path} is missing or fails its checksum: run `qa index`")
    try:
        vectors = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise IndexCorruptError(f"cannot read {path} ({e}): run `qa index`") from e
    if vectors.dtype != np.float32 or vectors.shape != (manifest.count, manifest.dim):
        raise IndexCorruptError(
            f"{path} holds {vectors.dtype} {vectors.shape}, not float32 ({manifest.count}, {manifest.dim}): "
            "run `qa index`"
        )
    return vectors


def _remove_old_builds(index_dir: Path, keep: str, vectors: VectorIndex) -> None:
    for path in index_dir.iterdir():
        if path.name != keep and path.name.startswith(("build-", ".build-")):
            _discard_vectors(path, vectors)
            shutil.rmtree(path, ignore_errors=True)
        elif path.name.startswith(".CURRENT."):
            path.unlink(missing_ok=True)


def _discard_vectors(build: Path, vectors: VectorIndex) -> None:
    """Drop what an old build keeps outside its folder (a Qdrant server collection), if anything."""
    try:
        record = json.loads((build / "manifest.json").read_text()).get("vector_store")
    except (OSError, ValueError, AttributeError):
        return  # a half-written or foreign build: nothing we can name
    if isinstance(record, dict) and record.get("backend") == vectors.backend:
        try:
            vectors.discard(record)
        except Exception as e:  # the new build is live already; an old collection left over is no error
            log.warning("could not remove the vectors of old build %s: %s", build.name, e)
