"""The on-disk index: FAISS vectors, chunk records as JSON, and a manifest.

Layout of the index folder:
    CURRENT               name of the live build folder (replaced atomically)
    build-<id>/manifest.json, vectors.faiss, chunks.json,
               lines.json (text of every non-blank source line, for citations)

A build is written into a fresh folder and only becomes live when CURRENT is
replaced with os.replace, so a reader never sees half an index and an
interrupted build leaves the previous one intact. Nothing is pickled.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from .errors import IndexCorruptError, IndexMissingError
from .faiss_index import build_index as build_index_of_type
from .hashing import sha256_file
from .types import Chunk, Hit

log = logging.getLogger(__name__)

FORMAT_VERSION = 2
FILES = ("vectors.faiss", "chunks.json", "lines.json")


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

    @classmethod
    def from_dict(cls, data: object) -> Manifest:
        if not isinstance(data, dict):
            raise IndexCorruptError("index manifest is not a JSON object: run `qa index`")
        names = {f.name for f in dataclasses.fields(cls)}
        missing = names - data.keys()
        if missing:
            raise IndexCorruptError(f"index manifest lacks {', '.join(sorted(missing))}: run `qa index`")
        return cls(**{k: data[k] for k in names})


def build_faiss(vectors: np.ndarray, index_type: str = "flat") -> faiss.Index:
    """Inner-product index over L2-normalised vectors (so scores are cosines); see faiss_index.py."""
    return build_index_of_type(vectors, index_type)


class FaissStore:
    """Vectors and chunk records of one build; search returns Hits, never row numbers."""

    def __init__(
        self, manifest: Manifest, index: faiss.Index, chunks: list[Chunk], lines: dict[tuple[str, int], str]
    ):
        if index.ntotal != len(chunks):
            raise IndexCorruptError(
                f"index holds {index.ntotal} vectors for {len(chunks)} chunks: run `qa index`"
            )
        self.manifest = manifest
        self.index = index
        self.chunks = chunks
        self.lines = lines  # (file, line number) -> stripped text of that source line

    def search(self, vector: np.ndarray, k: int) -> list[Hit]:
        k = min(k, len(self.chunks))
        if k <= 0:
            return []
        # One query gains little from OpenMP threads, and on a busy CPU their spin-waits made a flat
        # search of 10k vectors 40x slower (evals/BENCH.md). The setting is per calling thread.
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            scores, rows = self.index.search(np.asarray(vector, dtype=np.float32).reshape(1, -1), k)
        finally:
            faiss.omp_set_num_threads(threads)
        hits = [(float(s), int(r)) for s, r in zip(scores[0], rows[0], strict=True) if r >= 0]
        return [Hit(self.chunks[r], s, rank) for rank, (s, r) in enumerate(hits, 1)]

    def save(self, index_dir: Path) -> Path:
        """Write a new build beside the live one and switch CURRENT to it atomically."""
        index_dir = Path(index_dir)
        index_dir.mkdir(parents=True, exist_ok=True)
        build = f"build-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
        tmp = index_dir / f".{build}.tmp"
        tmp.mkdir()
        try:
            faiss.write_index(self.index, str(tmp / "vectors.faiss"))
            records = [dataclasses.asdict(c) for c in self.chunks]
            (tmp / "chunks.json").write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
            by_file: dict[str, list] = {}
            for (file, number), text in sorted(self.lines.items()):
                by_file.setdefault(file, []).append([number, text])
            (tmp / "lines.json").write_text(json.dumps(by_file, ensure_ascii=False), encoding="utf-8")
            files = {name: sha256_file(tmp / name) for name in FILES}
            manifest = dataclasses.replace(self.manifest, files=files, count=len(self.chunks))
            (tmp / "manifest.json").write_text(json.dumps(dataclasses.asdict(manifest), indent=2))
            for name in (*FILES, "manifest.json"):
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
            raise
        self.manifest = manifest
        _remove_old_builds(index_dir, keep=build)
        return index_dir / build

    @classmethod
    def load(cls, index_dir: Path, verify: bool = True) -> FaissStore:
        build = current_build(index_dir)
        manifest = read_manifest(index_dir)
        if verify:
            for name in FILES:
                path = build / name
                if not path.is_file():
                    raise IndexCorruptError(f"index file {path} is missing: run `qa index`")
                if sha256_file(path) != manifest.files.get(name):
                    raise IndexCorruptError(f"index file {path} fails its checksum: run `qa index`")
        try:
            index = faiss.read_index(str(build / "vectors.faiss"))
            records = json.loads((build / "chunks.json").read_text(encoding="utf-8"))
            chunks = [Chunk(**r) for r in records]
            by_file = json.loads((build / "lines.json").read_text(encoding="utf-8"))
            lines = {(file, int(n)): text for file, rows in by_file.items() for n, text in rows}
        except (OSError, RuntimeError, ValueError, TypeError) as e:
            raise IndexCorruptError(f"cannot read the index in {build} ({e}): run `qa index`") from e
        if index.d != manifest.dim:
            raise IndexCorruptError(f"index vectors have {index.d} dimensions, manifest says {manifest.dim}")
        for c in chunks:
            if (c.file, c.first_line) not in lines or (c.file, c.last_line) not in lines:
                raise IndexCorruptError(
                    f"chunk {c.id} points at lines its file does not have: run `qa index`"
                )
        return cls(manifest, index, chunks, lines)


def current_build(index_dir: Path) -> Path:
    pointer = Path(index_dir) / "CURRENT"
    if not pointer.is_file():
        raise IndexMissingError(f"no index in {index_dir}: run `qa index` to build it")
    name = pointer.read_text().strip()
    build = Path(index_dir) / name
    if "/" in name or not build.is_dir():  # a crafted pointer must not lead outside the index folder
        raise IndexCorruptError(f"{pointer} names a missing build: run `qa index`")
    return build


def read_manifest(index_dir: Path) -> Manifest:
    path = current_build(index_dir) / "manifest.json"
    try:
        return Manifest.from_dict(json.loads(path.read_text()))
    except (OSError, ValueError) as e:
        raise IndexCorruptError(f"cannot read {path} ({e}): run `qa index`") from e


def _remove_old_builds(index_dir: Path, keep: str) -> None:
    for path in index_dir.iterdir():
        if path.name != keep and path.name.startswith(("build-", ".build-")):
            shutil.rmtree(path, ignore_errors=True)
        elif path.name.startswith(".CURRENT."):
            path.unlink(missing_ok=True)
