"""Faults around the index: two writers at once, a save during a load, and kill -9 of a build.

Real FAISS and files, the fake embedder; the kill test runs builds in child processes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from qa.index import build_files, builds
from qa.index.freshness import stale_reasons
from qa.index.indexer import build_index
from qa.index.store import IndexStore, current_build
from tests.conftest import ROOT, FakeEmbedder

JIANGXI_FILE = "001_5c3b6ceae2eb49f9.txt"


@pytest.fixture
def built(fake_settings, fake_embedder):
    build_index(fake_settings, fake_embedder, progress=False)
    return fake_settings


def pause_in(monkeypatch, module, name: str, when) -> tuple[threading.Event, threading.Event]:
    """Make module.name stop, in the thread where when(*args) is true, until released.

    Returns (paused, release): the test waits for `paused`, does its thing, then sets `release`.
    """
    real = getattr(module, name)
    paused, release = threading.Event(), threading.Event()
    owner = threading.current_thread

    def wrapper(*args, **kwargs):
        result = real(*args, **kwargs)
        if when(*args) and owner().name == "paused":
            paused.set()
            assert release.wait(30), "the test never released the paused thread"
        return result

    monkeypatch.setattr(module, name, wrapper)
    return paused, release


def run_thread(target, name: str) -> tuple[threading.Thread, list]:
    errors: list[BaseException] = []

    def body():
        try:
            target()
        except BaseException as e:  # reported to the test below
            errors.append(e)

    thread = threading.Thread(target=body, name=name, daemon=True)
    thread.start()
    return thread, errors


def test_two_builds_at_once_do_not_delete_each_others_build(built, monkeypatch):
    """The first save stops after its build folder is in place but before CURRENT names it. Without
    the lock, a second save finishing meanwhile removes that folder as "old", and the first save then
    points CURRENT at nothing."""
    paused, release = pause_in(
        monkeypatch, builds.os, "replace", lambda src, dst: Path(dst).name.startswith("build-")
    )
    first, first_errors = run_thread(lambda: build_index(built, FakeEmbedder(), progress=False), "paused")
    assert paused.wait(30)
    (built.docs_dir / "005_new.txt").write_text("A second build sees a new article about Hainan.")
    second, second_errors = run_thread(lambda: build_index(built, FakeEmbedder(), progress=False), "second")
    second.join(1.0)
    assert second.is_alive(), "the second save must wait for the first one's lock"
    release.set()
    first.join(30)
    second.join(30)

    assert not first_errors and not second_errors
    store = IndexStore.load(built.index_dir)  # the later build is live and whole
    assert "005_new.txt" in store.manifest.sources
    assert sorted(p.name for p in built.index_dir.iterdir()) == [
        "CURRENT",
        current_build(built.index_dir).name,
    ]


def test_a_save_waits_for_a_load_in_progress(built, monkeypatch):
    """A load stops after checking the checksums and records, before opening the vectors. Without the
    shared lock, a save meanwhile deletes the build being read, and the load fails."""
    old = IndexStore.load(built.index_dir)
    paused, release = pause_in(monkeypatch, build_files, "check_records", lambda *args: True)
    loaded: list[IndexStore] = []
    reader, reader_errors = run_thread(lambda: loaded.append(IndexStore.load(built.index_dir)), "paused")
    assert paused.wait(30)
    (built.docs_dir / "005_new.txt").write_text("A new article about Hainan.")
    writer, writer_errors = run_thread(lambda: build_index(built, FakeEmbedder(), progress=False), "writer")
    writer.join(1.0)
    assert writer.is_alive(), "the save must wait while a load holds the shared lock"
    release.set()
    reader.join(30)
    writer.join(30)

    assert not reader_errors and not writer_errors
    assert loaded[0].chunks == old.chunks  # the reader got the whole old build
    assert "005_new.txt" in IndexStore.load(built.index_dir).manifest.sources


# --- kill -9 of a build at chosen moments ------------------------------------------------------------

# A child process builds the index and stops itself at one moment of the build (announcing it in a
# marker file); the test then kills it with SIGKILL, as an out-of-memory killer or a power cut would.
CHILD = textwrap.dedent(
    """
    import os, sys, time, shutil, json
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from qa.index import faiss_vectors
    from qa.index import build_files, builds
    from qa.config import Settings
    from qa.index.indexer import build_index
    from tests.conftest import FakeEmbedder

    moment, marker = sys.argv[1], Path(sys.argv[2])

    def stop_here():
        marker.write_text(moment)
        time.sleep(600)

    def after(module, name, when=lambda *a: True, before=False):
        real = getattr(module, name)
        def wrapper(*args, **kwargs):
            if before and when(*args):
                stop_here()
            result = real(*args, **kwargs)
            if when(*args):
                stop_here()
            return result
        setattr(module, name, wrapper)

    class StoppingEmbedder(FakeEmbedder):
        def embed(self, texts, progress=False):
            if moment == "embedding":
                stop_here()
            return super().embed(texts, progress)

    if moment == "vectors-written":
        after(faiss_vectors.faiss, "write_index")
    elif moment == "checksums":
        after(build_files, "sha256_file")
    elif moment == "build-renamed":
        after(builds.os, "replace", lambda src, dst: Path(dst).name.startswith("build-"))
    elif moment == "pointer-written":
        after(builds.os, "replace", lambda src, dst: Path(dst).name == "CURRENT", before=True)
    elif moment == "old-build-removal":
        after(builds.shutil, "rmtree", before=True)
    settings = Settings(docs_dir=Path(sys.argv[3]), index_dir=Path(sys.argv[4]),
                        embedding_model="fake-embedder", generator_model="none")
    build_index(settings, StoppingEmbedder(), progress=False)
    marker.write_text("finished")
    """
)
MOMENTS = [
    "embedding",
    "vectors-written",
    "checksums",
    "build-renamed",
    "pointer-written",
    "old-build-removal",
]


@pytest.mark.parametrize("moment", MOMENTS)
def test_kill_9_during_a_build_leaves_a_usable_index(built, tmp_path, moment):
    old = IndexStore.load(built.index_dir)
    with open(built.docs_dir / JIANGXI_FILE, "a", encoding="utf-8") as f:
        f.write("\nA sentence only the new build has.\n")
    marker = tmp_path / "marker"
    script = tmp_path / "child.py"
    script.write_text(CHILD.format(root=str(ROOT)))
    child = subprocess.Popen(
        [sys.executable, str(script), moment, str(marker), str(built.docs_dir), str(built.index_dir)],
        cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert marker.exists() and marker.read_text() == moment, f"child never reached {moment}"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait(30)
    assert child.returncode == -signal.SIGKILL

    store = IndexStore.load(built.index_dir)  # whole and checksummed: the old build, or the new one
    new_is_live = any("only the new build" in c.text for c in store.chunks)
    if moment in ("old-build-removal",):
        assert new_is_live  # CURRENT had switched before the kill
    else:
        assert not new_is_live and store.chunks == old.chunks and store.manifest == old.manifest
    # the next build cleans up whatever the killed one left behind
    build_index(built, FakeEmbedder(), progress=False)
    assert stale_reasons(built) == []
    assert sorted(p.name for p in built.index_dir.iterdir()) == [
        "CURRENT",
        current_build(built.index_dir).name,
    ]
