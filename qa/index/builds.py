"""The index folder: builds side by side, CURRENT naming the live one, and the lock around them.

    CURRENT               name of the live build folder (replaced atomically)
    build-<id>/           one build's files (qa/index/build_files.py)

A build is written into a hidden temporary folder, renamed to build-<id>, and only becomes live when
CURRENT is replaced with os.replace, so a reader never sees half an index and an interrupted build
leaves the previous one intact. Older builds are removed once the new one is live.

Saving holds an exclusive lock on the index folder and loading a shared one, so two
`qa index` runs cannot delete each other's builds, and a save never removes the build
a reader is in the middle of. The lock is flock(2): the kernel drops it when its
process dies, even by kill -9, so there is no stale lock file to clean up.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no flock; saves stay atomic, only concurrent builds are unguarded
    fcntl = None

from qa.errors import IndexCorruptError, IndexMissingError
from qa.index.vectors import VectorIndex

log = logging.getLogger(__name__)


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


@contextmanager
def reading(index_dir: Path) -> Iterator[Path]:
    """The live build's folder, under the shared lock (a save cannot remove it meanwhile)."""
    if not Path(index_dir).is_dir():
        raise IndexMissingError(f"no index in {index_dir}: run `qa index` to build it")
    with index_lock(Path(index_dir), exclusive=False):
        yield current_build(index_dir)


def current_build(index_dir: Path) -> Path:
    """The live build's folder, as CURRENT names it."""
    pointer = Path(index_dir) / "CURRENT"
    if not pointer.is_file():
        raise IndexMissingError(f"no index in {index_dir}: run `qa index` to build it")
    name = pointer.read_text().strip()
    build = Path(index_dir) / name
    if "/" in name or not build.is_dir():  # a crafted pointer must not lead outside the index folder
        raise IndexCorruptError(f"{pointer} names a missing build: run `qa index`")
    return build


def live_build_name(index_dir: Path) -> str:
    """What CURRENT names now, unchecked; "" when there is none."""
    try:
        return (Path(index_dir) / "CURRENT").read_text().strip()
    except OSError:
        return ""


def new_build_name() -> str:
    """build-<time>-<random>: sorts by time, and two builds in one second do not collide."""
    return f"build-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"


def make_live(index_dir: Path, staged: Path, build: str) -> None:
    """Rename the staged folder to `build`, then point CURRENT at it; each step is one os.replace."""
    os.replace(staged, index_dir / build)
    pointer = index_dir / f".CURRENT.{uuid.uuid4().hex[:6]}"
    pointer.write_text(build + "\n")
    os.replace(pointer, index_dir / "CURRENT")


def abandon(index_dir: Path, staged: Path) -> None:
    """What a failed save leaves: its staged folder and any half-written pointer."""
    shutil.rmtree(staged, ignore_errors=True)
    for leftover in index_dir.glob(".CURRENT.*"):
        leftover.unlink(missing_ok=True)


def remove_old_builds(index_dir: Path, keep: str, vectors: VectorIndex) -> None:
    """Every build but `keep` (and what a killed save left), with its vectors kept elsewhere."""
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
