"""The files of one build beside its vectors, written with their checksums and read back checked.

    manifest.json   qa/index/manifest.py, with the sha256 of every file below
    chunks.json     the chunk records
    lines.json      text of every non-blank source line, for citations
    pages.json      PDFs: the line each page starts on
    embeddings.npy  the chunk vectors, row i = chunk i, reused by incremental builds
    analysis.json   per file, spaCy's parse of its paragraphs as DocBin bytes in base64: sentences,
                    entities, noun chunks, lemmas; reused by incremental builds

Reading checks what the records say against the manifest (checksums, file names, line numbers), so
a damaged or crafted build is refused before anything shows or opens what it names. Nothing is pickled.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.errors import IndexCorruptError
from qa.hashing import sha256_file
from qa.index.builds import current_build, reading
from qa.index.manifest import (
    ANALYSIS,
    EMBEDDINGS,
    PAGES,
    RECORD_FILES,
    Manifest,
    build_manifest,
    check_format,
    read_manifest,
)
from qa.ingest.corpus import is_safe_name
from qa.records import Chunk


@dataclass(frozen=True)
class Records:
    """A build's records without its vector index: what an incremental build reuses."""

    manifest: Manifest
    chunks: list[Chunk]
    lines: dict[tuple[str, int], str]
    pages: dict[str, tuple[int, ...]]
    analysis: dict[str, bytes]


def write_records(folder: Path, records: Records, embeddings: np.ndarray | None) -> Manifest:
    """Write the records and embeddings beside the vectors already in `folder`, then the manifest
    with the sha256 of every file; everything is fsynced. Returns that manifest."""
    chunks = [dataclasses.asdict(c) for c in records.chunks]
    (folder / "chunks.json").write_text(json.dumps(chunks, ensure_ascii=False), encoding="utf-8")
    by_file: dict[str, list] = {}
    for (file, number), text in sorted(records.lines.items()):
        by_file.setdefault(file, []).append([number, text])
    (folder / "lines.json").write_text(json.dumps(by_file, ensure_ascii=False), encoding="utf-8")
    write_pages(folder / PAGES, records.pages)
    write_analysis(folder / ANALYSIS, records.analysis)
    if embeddings is None:
        raise ValueError("a store is saved with its embeddings (row i = vector of chunk i)")
    write_embeddings(folder / EMBEDDINGS, embeddings)
    manifest = records.manifest
    manifest = dataclasses.replace(
        manifest, files={name: sha256_file(folder / name) for name in manifest.index_files}
    )
    (folder / "manifest.json").write_text(json.dumps(dataclasses.asdict(manifest), indent=2))
    for name in (*manifest.index_files, "manifest.json"):
        with open(folder / name, "rb") as f:
            os.fsync(f.fileno())
    return manifest


def check_checksums(build: Path, manifest: Manifest) -> None:
    """Every file the manifest names is there with the sha256 it recorded."""
    for name in manifest.index_files:
        path = build / name
        if not path.is_file():
            raise IndexCorruptError(f"index file {path} is missing: run `qa index`")
        if sha256_file(path) != manifest.files.get(name):
            raise IndexCorruptError(f"index file {path} fails its checksum: run `qa index`")


def _intact(path: Path, manifest: Manifest) -> bool:
    return path.is_file() and sha256_file(path) == manifest.files.get(path.name)


def read_records(index_dir: Path) -> Records:
    """The live build's chunk, line and page records, checked as load checks them (checksums, names,
    line numbers), without opening the vectors: a build whose vector file alone is damaged can be
    rebuilt from these and embeddings.npy without embedding anything again."""
    with reading(index_dir) as build:
        manifest = build_manifest(build)
        check_format(manifest)
        for name in RECORD_FILES:
            if not _intact(build / name, manifest):
                raise IndexCorruptError(
                    f"index file {build / name} is missing or fails its checksum: run `qa index`"
                )
        return read_record_files(build, manifest)


def read_record_files(build: Path, manifest: Manifest) -> Records:
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


# --- pages, analysis and embeddings: small files beside the vectors ----------------------------------


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
    if not _intact(path, manifest):
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
