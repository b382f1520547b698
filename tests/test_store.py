"""The on-disk index: build/load round trip, staleness, corruption and interrupted saves.

Real FAISS, the fake embedder, everything under tmp_path.
"""

from __future__ import annotations

import hashlib
import json
import os
from itertools import pairwise
from pathlib import Path

import faiss
import pytest

from qa.config import Settings
from qa.errors import IndexCorruptError, IndexMissingError, IndexStaleError
from qa.index import build_files, builds
from qa.index.freshness import stale_reasons
from qa.index.indexer import build_index
from qa.index.store import FORMAT_VERSION, RECORD_FILES, IndexStore, current_build
from qa.records import Hit
from qa.retrieval.retriever import Retriever
from tests.conftest import FakeEmbedder, chunked, read_docs

FILES = ("vectors.faiss", *RECORD_FILES)  # the files of a build with the default FAISS backend

JIANGXI_FILE = "001_5c3b6ceae2eb49f9.txt"


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under folder (hidden ones included), by relative path."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture
def built(fake_settings: Settings, fake_embedder) -> Settings:
    build_index(fake_settings, fake_embedder, progress=False)
    return fake_settings


# --- round trip --------------------------------------------------------------------------------------


def test_build_then_load_round_trips_chunks_lines_and_manifest(fake_settings, fake_embedder):
    report = build_index(fake_settings, fake_embedder, progress=False)
    store = IndexStore.load(fake_settings.index_dir)

    docs = read_docs(fake_settings.docs_dir)
    assert store.chunks == chunked(docs, fake_settings.chunk_chars, fake_settings.chunk_overlap)[0]
    assert set(store.analysis) == {d.file for d in docs}
    assert store.lines == {
        (d.file, n): t.strip() for d in docs for n, t in enumerate(d.text.split("\n"), 1) if t.strip()
    }
    assert report.path == current_build(fake_settings.index_dir)
    assert (report.files, report.chunks, report.skipped) == (5, len(store.chunks), ())

    m = store.manifest
    assert m.format_version == FORMAT_VERSION
    assert m.embedding_model == fake_embedder.name
    assert m.dim == fake_embedder.dim == store.vectors.dim
    assert (m.chunk_chars, m.chunk_overlap) == (fake_settings.chunk_chars, fake_settings.chunk_overlap)
    assert m.count == len(store.chunks) == len(store.vectors)
    assert m.index_type == "flat"
    assert m.sources == {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in fake_settings.docs_dir.glob("*.txt")
    }
    assert m.files == {name: hashlib.sha256((report.path / name).read_bytes()).hexdigest() for name in FILES}


def test_every_chunk_points_at_lines_the_index_holds(built):
    store = IndexStore.load(built.index_dir)
    for c in store.chunks:
        assert c.text.split("\n")[0].strip() in store.lines[(c.file, c.first_line)]
        assert c.text.split("\n")[-1].strip() in store.lines[(c.file, c.last_line)]


def test_search_returns_hits_best_first(built, fake_embedder):
    store = IndexStore.load(built.index_dir)
    target = next(c for c in store.chunks if c.file == JIANGXI_FILE and c.first_line == 1)
    hits = store.search(fake_embedder.embed([target.text])[0], 5)
    assert all(isinstance(h, Hit) for h in hits)
    assert [h.rank for h in hits] == [1, 2, 3, 4, 5]
    assert hits[0].chunk == target and hits[0].score == pytest.approx(1.0, abs=1e-5)
    assert all(a.score >= b.score for a, b in pairwise(hits))
    assert len({h.chunk.id for h in hits}) == 5


def test_search_k_is_clamped(built, fake_embedder):
    store = IndexStore.load(built.index_dir)
    vector = fake_embedder.embed(["medical insurance"])[0]
    assert store.search(vector, 0) == []
    everything = store.search(vector, 10_000)
    assert len(everything) == len(store.chunks)
    assert [h.rank for h in everything] == list(range(1, len(store.chunks) + 1))


# --- staleness ---------------------------------------------------------------------------------------


def test_index_is_fresh_right_after_a_build(built):
    assert stale_reasons(built) == []


def test_files_the_corpus_ignores_do_not_make_the_index_stale(built):
    (built.docs_dir / "notes.docx").write_bytes(b"PK\x03\x04")
    (built.docs_dir / ".draft.txt").write_text("A hidden draft.")
    assert stale_reasons(built) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("edit", f"changed files: {JIANGXI_FILE}"),
        ("add", "new files: 005_new.txt"),
        ("remove", "removed files: 004_213f2e3094739f16.txt"),
        ("model", "other-embedder"),
        ("chunk_chars", "chunking settings changed"),
        ("chunk_overlap", "chunking settings changed"),
        ("language_model", "analysed with language model blank:en"),
    ],
)
def test_stale_reasons_name_the_cause(built, change, expected):
    settings = built
    docs = built.docs_dir
    if change == "edit":
        with open(docs / JIANGXI_FILE, "a", encoding="utf-8") as f:
            f.write("\nOne more sentence.\n")
    elif change == "add":
        (docs / "005_new.txt").write_text("A new article.")
    elif change == "remove":
        (docs / "004_213f2e3094739f16.txt").unlink()
    elif change == "model":
        settings = built.replace(embedding_model="other-embedder")
    elif change == "chunk_chars":
        settings = built.replace(chunk_chars=300)
    elif change == "language_model":
        settings = built.replace(language_model="blank:xx")
    else:
        settings = built.replace(chunk_overlap=2)

    reasons = stale_reasons(settings)
    assert len(reasons) == 1 and expected in reasons[0]
    with pytest.raises(IndexStaleError, match="qa index"):
        Retriever.from_settings(settings, FakeEmbedder(settings.embedding_model), build=False)


def test_stale_reasons_without_an_index_raises_missing(fake_settings):
    with pytest.raises(IndexMissingError, match="qa index"):
        stale_reasons(fake_settings)


@pytest.mark.parametrize("raw", [b"\x00\x01binary", b"   \n\n  "])
def test_index_is_fresh_after_a_build_that_skipped_a_file(fake_settings, fake_embedder, raw):
    (fake_settings.docs_dir / "skipped.txt").write_bytes(raw)
    report = build_index(fake_settings, fake_embedder, progress=False)
    assert [s.file for s in report.skipped] == ["skipped.txt"]
    assert stale_reasons(fake_settings) == []


# --- load failures -----------------------------------------------------------------------------------


def test_load_without_an_index_raises_missing(tmp_path):
    with pytest.raises(IndexMissingError, match="qa index"):
        IndexStore.load(tmp_path / "index")
    (tmp_path / "empty").mkdir()
    with pytest.raises(IndexMissingError):
        IndexStore.load(tmp_path / "empty")


@pytest.mark.parametrize("name", ["vectors.faiss", "chunks.json", "lines.json"])
def test_load_rejects_an_index_file_that_fails_its_checksum(built, name):
    path = current_build(built.index_dir) / name
    raw = path.read_bytes()
    if name.endswith(".json"):
        tampered = raw.replace(b"723 million", b"999 million") if b"723 million" in raw else raw + b" "
    else:
        tampered = raw[:-4] + bytes(b ^ 0xFF for b in raw[-4:])
    assert tampered != raw
    path.write_bytes(tampered)
    with pytest.raises(IndexCorruptError, match="checksum"):
        IndexStore.load(built.index_dir)


@pytest.mark.parametrize("name", FILES)
def test_load_rejects_a_missing_index_file(built, name):
    (current_build(built.index_dir) / name).unlink()
    with pytest.raises(IndexCorruptError, match="missing"):
        IndexStore.load(built.index_dir)


def test_load_without_verification_still_rejects_unreadable_json(built):
    (current_build(built.index_dir) / "chunks.json").write_text("[{not json")
    with pytest.raises(IndexCorruptError):
        IndexStore.load(built.index_dir, verify=False)


@pytest.mark.parametrize("pointer", ["build-does-not-exist\n", "../elsewhere\n"])
def test_load_rejects_current_naming_a_missing_build(built, pointer):
    (built.index_dir / "CURRENT").write_text(pointer)
    with pytest.raises(IndexCorruptError, match="missing build"):
        IndexStore.load(built.index_dir)


@pytest.mark.parametrize("content", [b"", b"\x00\xff garbage {", b"{}", b'{"format_version": 1}'])
def test_load_rejects_a_garbage_manifest(built, content):
    (current_build(built.index_dir) / "manifest.json").write_bytes(content)
    with pytest.raises(IndexCorruptError, match="qa index"):
        IndexStore.load(built.index_dir)


@pytest.mark.parametrize("content", ["[1, 2]", '"text"', "null"])
def test_load_rejects_a_manifest_that_is_json_but_not_an_object(built, content):
    (current_build(built.index_dir) / "manifest.json").write_text(content)
    with pytest.raises(IndexCorruptError):
        IndexStore.load(built.index_dir)


# --- atomic saves ------------------------------------------------------------------------------------


def _fail_write_index(monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("disk full while writing vectors")

    monkeypatch.setattr(faiss, "write_index", boom)


def _fail_second_json_dump(monkeypatch):
    real, calls = json.dumps, []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # chunks.json is written, lines.json is not
            raise RuntimeError("disk full while writing lines")
        return real(*args, **kwargs)

    monkeypatch.setattr(build_files.json, "dumps", flaky)


def _fail_manifest_checksum(monkeypatch):
    def boom(path):
        raise OSError("read error")

    monkeypatch.setattr(build_files, "sha256_file", boom)


def _interrupt_write_index(monkeypatch):
    def ctrl_c(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(faiss, "write_index", ctrl_c)


@pytest.mark.parametrize(
    ("sabotage", "error"),
    [
        (_fail_write_index, RuntimeError),
        (_fail_second_json_dump, RuntimeError),
        (_fail_manifest_checksum, OSError),
        (_interrupt_write_index, KeyboardInterrupt),
    ],
)
def test_an_interrupted_save_leaves_the_previous_build_untouched(
    built, fake_embedder, monkeypatch, sabotage, error
):
    before = snapshot(built.index_dir)
    old = IndexStore.load(built.index_dir)
    with open(built.docs_dir / JIANGXI_FILE, "a", encoding="utf-8") as f:
        f.write("\nA sentence the new build would have added.\n")

    sabotage(monkeypatch)
    with pytest.raises(error):
        build_index(built, fake_embedder, progress=False)
    monkeypatch.undo()

    assert snapshot(built.index_dir) == before  # no temp folder, no half-built build, same CURRENT
    again = IndexStore.load(built.index_dir)
    assert again.chunks == old.chunks and again.manifest == old.manifest


def refuse_switching_current(monkeypatch) -> None:
    """Make the final rename of CURRENT fail, as a full disk or a kill at that moment would."""
    real = os.replace

    def refuse_current(src, dst):
        if Path(dst).name == "CURRENT":
            raise OSError("rename failed")
        return real(src, dst)

    monkeypatch.setattr(builds.os, "replace", refuse_current)


def test_a_failed_switch_of_current_keeps_the_previous_build_live(built, fake_embedder, monkeypatch):
    old_build = current_build(built.index_dir)
    old = IndexStore.load(built.index_dir)
    refuse_switching_current(monkeypatch)
    (built.docs_dir / "005_new.txt").write_text("A new article.")
    with pytest.raises(OSError):
        build_index(built, fake_embedder, progress=False)
    monkeypatch.undo()

    assert current_build(built.index_dir) == old_build
    assert IndexStore.load(built.index_dir).manifest == old.manifest


def test_a_later_build_cleans_up_after_a_failed_switch(built, fake_embedder, monkeypatch):
    refuse_switching_current(monkeypatch)
    with pytest.raises(OSError):
        build_index(built, fake_embedder, progress=False)
    monkeypatch.undo()

    build_index(built, fake_embedder, progress=False)
    assert sorted(p.name for p in built.index_dir.iterdir()) == [
        "CURRENT",
        current_build(built.index_dir).name,
    ]


def test_a_second_build_replaces_the_first_and_removes_it(built, fake_embedder):
    first = current_build(built.index_dir)
    (built.docs_dir / "005_new.txt").write_text("A new article about Hainan.")
    report = build_index(built, fake_embedder, progress=False)

    assert report.path == current_build(built.index_dir) != first
    assert not first.exists()
    assert [p.name for p in built.index_dir.iterdir() if p.is_dir()] == [report.path.name]
    store = IndexStore.load(built.index_dir)
    assert "005_new.txt" in store.manifest.sources
    assert any(c.file == "005_new.txt" for c in store.chunks)
    assert stale_reasons(built) == []


def test_the_index_folder_holds_only_the_documented_files_and_no_pickles(built):
    build = current_build(built.index_dir).name
    files = snapshot(built.index_dir)
    assert set(files) == {"CURRENT", *(f"{build}/{name}" for name in ("manifest.json", *FILES))}
    assert files["CURRENT"].decode().strip() == build
    for name, raw in files.items():
        assert not raw.startswith(b"\x80"), f"{name} looks like a pickle"
        if name.endswith(".json"):
            json.loads(raw)
    assert faiss.read_index(str(built.index_dir / build / "vectors.faiss")).ntotal > 0


# --- records that point outside the corpus or past the end of a file -----------------------------------


def rewrite(index_dir: Path, name: str, change) -> None:
    """Edit one JSON file of the live build and re-sign it in the manifest, as a buggy or hostile
    writer would: the checksum passes, so only the record checks can catch it."""
    build = current_build(index_dir)
    data = json.loads((build / name).read_text(encoding="utf-8"))
    data = change(data) or data
    (build / name).write_text(json.dumps(data), encoding="utf-8")
    if name != "manifest.json":
        manifest = json.loads((build / "manifest.json").read_text())
        manifest["files"][name] = hashlib.sha256((build / name).read_bytes()).hexdigest()
        (build / "manifest.json").write_text(json.dumps(manifest))


def _past_the_end(chunks):
    chunks[0]["last_line"] = 10_000


def _first_after_last(chunks):
    chunks[0]["first_line"], chunks[0]["last_line"] = 3, 1


def _offsets_disagree_with_text(chunks):
    chunks[0]["end"] = chunks[0]["start"] + len(chunks[0]["text"]) + 50


def _line_as_text(chunks):
    chunks[0]["first_line"] = "1"


def _traversal_in_chunk(chunks):
    chunks[0]["file"] = "../../etc/passwd"


def _absolute_in_chunk(chunks):
    chunks[0]["file"] = "/etc/passwd"


@pytest.mark.parametrize(
    ("sabotage", "message"),
    [
        (_past_the_end, "points at lines 1-10000"),
        (_first_after_last, "inconsistent"),
        (_offsets_disagree_with_text, "inconsistent"),
        (_line_as_text, "wrong type"),
        (_traversal_in_chunk, "did not index: '../../etc/passwd'"),
        (_absolute_in_chunk, "did not index: '/etc/passwd'"),
    ],
)
@pytest.mark.parametrize("verify", [True, False])
def test_load_refuses_chunk_records_that_point_outside_their_file_or_corpus(built, sabotage, message, verify):
    IndexStore.load(built.index_dir)  # loads before the edit
    rewrite(built.index_dir, "chunks.json", sabotage)
    with pytest.raises(IndexCorruptError, match=message):
        IndexStore.load(built.index_dir, verify=verify)


def _traversal_in_lines(by_file):
    by_file["../../etc/passwd"] = [[1, "root:x:0:0"]]


def _line_zero(by_file):
    by_file[JIANGXI_FILE].append([0, "before the first line"])


@pytest.mark.parametrize(
    ("sabotage", "message"), [(_traversal_in_lines, "did not index"), (_line_zero, "line 0")]
)
def test_load_refuses_line_records_outside_the_corpus(built, sabotage, message):
    rewrite(built.index_dir, "lines.json", sabotage)
    with pytest.raises(IndexCorruptError, match=message):
        IndexStore.load(built.index_dir)


@pytest.mark.parametrize("name", ["../outside.txt", "/etc/passwd", "a/../../b.txt", "./a.txt", ""])
def test_load_refuses_a_manifest_naming_a_source_outside_the_corpus(built, name):
    def add_source(manifest):
        manifest["sources"][name] = "0" * 64

    rewrite(built.index_dir, "manifest.json", add_source)
    with pytest.raises(IndexCorruptError, match="outside the corpus"):
        IndexStore.load(built.index_dir)
