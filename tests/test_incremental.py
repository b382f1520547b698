"""Incremental index updates: only new and changed files are read and embedded, removed files leave,
and the result is the same index a full rebuild makes.

Real FAISS, the fake embedder (which records every text it embeds), everything under tmp_path.
"""

from __future__ import annotations

import dataclasses
import io
import json

import numpy as np
import pytest

from qa.app import cli
from qa.config import Settings
from qa.errors import IndexCorruptError, IndexStaleError
from qa.hashing import sha256_file
from qa.index.freshness import stale_reasons
from qa.index.indexer import build_index
from qa.index.store import EMBEDDINGS, FORMAT_VERSION, IndexStore, current_build, read_embeddings
from qa.retrieval import embedding as embedding_mod
from tests.conftest import FakeEmbedder
from tests.pdf_fixtures import pdf_bytes

JIANGXI_FILE = "001_5c3b6ceae2eb49f9.txt"
QUERIES = ["Jiangxi recovered funds 2020", "Hainan medical insurance", "financing standard 2023", "fraud"]


@pytest.fixture
def built(fake_settings: Settings) -> Settings:
    build_index(fake_settings, FakeEmbedder(), progress=False)
    return fake_settings


def chunks_of(settings: Settings, file: str) -> list[str]:
    return [c.text for c in IndexStore.load(settings.index_dir).chunks if c.file == file]


def test_changing_one_file_embeds_only_its_chunks(built):
    with open(built.docs_dir / JIANGXI_FILE, "a", encoding="utf-8") as f:
        f.write("\nJiangxi also opened a new fraud hotline in 2021.\n")
    embedder = FakeEmbedder()
    report = build_index(built, embedder, progress=False)

    assert embedder.calls == 1
    assert embedder.texts == chunks_of(built, JIANGXI_FILE)
    assert any("fraud hotline" in t for t in embedder.texts)
    assert (report.files, report.reused_files, report.embedded_chunks) == (5, 4, len(embedder.texts))
    assert stale_reasons(built) == []


def test_an_unchanged_folder_embeds_nothing(built):
    embedder = FakeEmbedder()
    report = build_index(built, embedder, progress=False)
    assert embedder.calls == 0 and report.embedded_chunks == 0 and report.reused_files == 5


def test_a_new_file_is_the_only_one_embedded(built):
    (built.docs_dir / "sub").mkdir()
    (built.docs_dir / "sub" / "new.md").write_text("# Hainan\n\nHainan recovered 456 million yuan in 2021.")
    embedder = FakeEmbedder()
    build_index(built, embedder, progress=False)
    assert embedder.texts == chunks_of(built, "sub/new.md") != []


def test_a_removed_file_leaves_the_index_without_embedding_anything(built):
    assert chunks_of(built, JIANGXI_FILE)
    (built.docs_dir / JIANGXI_FILE).unlink()
    embedder = FakeEmbedder()
    report = build_index(built, embedder, progress=False)

    store = IndexStore.load(built.index_dir)
    assert embedder.calls == 0
    assert report.removed_files == (JIANGXI_FILE,)
    assert JIANGXI_FILE not in store.manifest.sources
    assert not any(c.file == JIANGXI_FILE for c in store.chunks)
    assert not any(file == JIANGXI_FILE for file, _ in store.lines)
    assert read_embeddings(built.index_dir).shape == (len(store.chunks), store.manifest.dim)
    assert all(h.chunk.file != JIANGXI_FILE for q in QUERIES for h in store.search(embed(q), 10))


def embed(text: str) -> np.ndarray:
    return FakeEmbedder().embed([text])[0]


def test_after_edits_the_index_is_the_one_a_full_rebuild_makes(built, tmp_path):
    docs = built.docs_dir
    with open(docs / JIANGXI_FILE, "a", encoding="utf-8") as f:
        f.write("\nA new closing paragraph about Jiangxi.\n")
    (docs / "002_new.html").write_text("<p>Hainan recovered 456 million yuan.</p><p>Second block.</p>")
    (docs / "report.pdf").write_bytes(pdf_bytes([["Shanxi page one."], ["Shanxi recovered 12 million."]]))
    removed = sorted(p for p in docs.iterdir() if p.name != JIANGXI_FILE and p.suffix == ".txt")[0]
    removed.unlink()
    build_index(built, FakeEmbedder(), progress=False)

    full_settings = dataclasses.replace(built, index_dir=tmp_path / "full-index")
    build_index(full_settings, FakeEmbedder(), progress=False, full=True)

    updated, full = IndexStore.load(built.index_dir), IndexStore.load(full_settings.index_dir)
    assert updated.chunks == full.chunks
    assert updated.lines == full.lines
    assert updated.pages == full.pages == {"report.pdf": (1, 2)}
    assert updated.manifest.sources == full.manifest.sources
    assert np.array_equal(read_embeddings(built.index_dir), read_embeddings(full_settings.index_dir))
    for query in QUERIES:
        assert updated.search(embed(query), 8) == full.search(embed(query), 8)


def test_full_rebuilds_embed_every_chunk(built):
    embedder = FakeEmbedder()
    report = build_index(built, embedder, progress=False, full=True)
    assert report.reused_files == 0
    assert embedder.texts == [c.search_text for c in IndexStore.load(built.index_dir).chunks]


@pytest.mark.parametrize(
    "change",
    [
        {"chunk_chars": 400},
        {"chunk_overlap": 0},
        {"embedding_model": "another-embedder"},
    ],
)
def test_other_model_or_chunking_rebuilds_everything(built, change):
    settings = dataclasses.replace(built, **change)
    embedder = FakeEmbedder(name=settings.embedding_model)
    report = build_index(settings, embedder, progress=False)
    assert report.reused_files == 0
    assert len(embedder.texts) == report.chunks


def test_an_index_of_an_older_format_is_a_clear_rebuild(built):
    path = current_build(built.index_dir) / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["format_version"] = FORMAT_VERSION - 1
    path.write_text(json.dumps(manifest))

    assert any("format" in r for r in stale_reasons(built))
    with pytest.raises(IndexStaleError, match="rebuild"):
        IndexStore.load(built.index_dir)
    embedder = FakeEmbedder()
    report = build_index(built, embedder, progress=False)
    assert report.reused_files == 0 and len(embedder.texts) == report.chunks
    assert IndexStore.load(built.index_dir).manifest.format_version == FORMAT_VERSION


def test_damaged_stored_embeddings_are_not_reused(built):
    path = current_build(built.index_dir) / EMBEDDINGS
    raw = bytearray(path.read_bytes())
    raw[-4:] = b"\xff\xff\xff\xff"
    path.write_bytes(bytes(raw))
    with pytest.raises(IndexCorruptError, match="checksum"):
        read_embeddings(built.index_dir)
    embedder = FakeEmbedder()
    report = build_index(built, embedder, progress=False)
    assert report.reused_files == 0 and len(embedder.texts) == report.chunks


def replace_embeddings(settings: Settings, raw: bytes) -> None:
    """Put `raw` in the live build's embeddings file, with its checksum in the manifest: only the
    content can be wrong."""
    build = current_build(settings.index_dir)
    (build / EMBEDDINGS).write_bytes(raw)
    manifest = json.loads((build / "manifest.json").read_text())
    manifest["files"][EMBEDDINGS] = sha256_file(build / EMBEDDINGS)
    (build / "manifest.json").write_text(json.dumps(manifest))


def npy(array: np.ndarray, allow_pickle: bool = False) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def test_stored_embeddings_are_never_unpickled(built):
    """An object array (which np.load could only read by unpickling) is refused even with a valid checksum."""
    replace_embeddings(built, npy(np.array([{"a": 1}], dtype=object), allow_pickle=True))
    with pytest.raises(IndexCorruptError, match="cannot read"):
        read_embeddings(built.index_dir)


def test_stored_embeddings_of_the_wrong_shape_are_refused(built):
    replace_embeddings(built, npy(np.zeros((3, 7), dtype=np.float32)))
    with pytest.raises(IndexCorruptError, match="float32"):
        read_embeddings(built.index_dir)


def test_stored_embeddings_match_the_searchable_vectors(built):
    store = IndexStore.load(built.index_dir)
    vectors = read_embeddings(built.index_dir)
    assert vectors.dtype == np.float32
    assert np.array_equal(vectors, FakeEmbedder().embed([c.search_text for c in store.chunks]))
    for row in (0, len(store.chunks) // 2, len(store.chunks) - 1):  # the stored vectors are the searched ones
        assert store.search(vectors[row], 1)[0].score == pytest.approx(1.0, abs=1e-5)


# --- the `qa index` command --------------------------------------------------------------------------


@pytest.fixture
def cli_embedder(monkeypatch):
    made: list[FakeEmbedder] = []

    def factory(name: str, **kwargs) -> FakeEmbedder:
        made.append(FakeEmbedder(name=name))
        return made[-1]

    monkeypatch.setattr(embedding_mod, "SentenceTransformerEmbedder", factory)
    monkeypatch.setenv("QA_LANGUAGE_MODEL", "blank:en")  # as the fake settings' index was analysed
    return made


def run_index(settings: Settings, *flags: str) -> int:
    argv = ["index", "--docs", str(settings.docs_dir), "--index", str(settings.index_dir), *flags]
    return cli.main([*argv, "--embedding-model", settings.embedding_model])


def test_qa_index_updates_incrementally_and_lists_removed_and_skipped_files(built, cli_embedder, capsys):
    with open(built.docs_dir / JIANGXI_FILE, "a", encoding="utf-8") as f:
        f.write("\nOne more sentence.\n")
    removed = sorted(p for p in built.docs_dir.iterdir() if p.name != JIANGXI_FILE)[0]
    removed.unlink()
    (built.docs_dir / "locked.pdf").write_bytes(b"%PDF-1.4 broken")
    (built.docs_dir / "slides.pptx").write_bytes(b"PK\x03\x04")

    assert run_index(built) == 0
    out = capsys.readouterr().out
    assert "1 new or changed files embedded" in out and "3 unchanged files reused" in out
    assert f"removed {removed.name}" in out
    assert "skipped locked.pdf: unreadable PDF" in out
    assert "skipped slides.pptx: unsupported file type .pptx" in out
    assert cli_embedder[-1].texts == chunks_of(built, JIANGXI_FILE)


def test_qa_index_full_re_embeds_everything_and_says_so_when_fresh(built, cli_embedder, capsys):
    assert run_index(built) == 0
    assert "up to date (use --full" in capsys.readouterr().out
    assert run_index(built, "--full") == 0
    assert len(cli_embedder[-1].texts) == len(IndexStore.load(built.index_dir).chunks)


def test_incremental_updates_work_with_the_qdrant_backend_too(fake_settings):
    pytest.importorskip("qdrant_client")
    settings = fake_settings.replace(vector_store="qdrant")
    build_index(settings, FakeEmbedder(), progress=False)
    with open(settings.docs_dir / JIANGXI_FILE, "a", encoding="utf-8") as f:
        f.write("\nJiangxi also opened a new fraud hotline in 2021.\n")
    embedder = FakeEmbedder()
    report = build_index(settings, embedder, progress=False)
    assert report.reused_files == 4 and embedder.texts == chunks_of(settings, JIANGXI_FILE)
    store = IndexStore.load(settings.index_dir)
    hits = store.search(embed("fraud hotline Jiangxi 2021"), 3)
    assert any("fraud hotline" in h.chunk.text for h in hits)


# --- issue 18, defect 3: `qa index` repairs a damaged live build --------------------------------------


@pytest.mark.parametrize("name", ["chunks.json", "lines.json", "pages.json", EMBEDDINGS, "vectors.faiss"])
@pytest.mark.parametrize("damage", ["delete", "empty"])
def test_qa_index_repairs_a_damaged_live_build_that_ask_refuses(built, cli_embedder, capsys, name, damage):
    before = IndexStore.load(built.index_dir).chunks
    path = current_build(built.index_dir) / name
    path.unlink() if damage == "delete" else path.write_bytes(b"")
    with pytest.raises(IndexCorruptError, match="run `qa index`"):  # what `qa ask` says
        IndexStore.load(built.index_dir)

    assert run_index(built) == 0  # answered "up to date" before, and left the index broken

    out = capsys.readouterr().out
    assert "repairing the index" in out and name in out and "up to date" not in out
    store = IndexStore.load(built.index_dir)
    assert len(store.chunks) == len(read_embeddings(built.index_dir))
    assert store.chunks == before
    assert store.search(read_embeddings(built.index_dir)[0], 1)[0].chunk == before[0]
    if name == "vectors.faiss":  # the stored vectors are intact: the vector index is rebuilt from them
        assert cli_embedder[-1].texts == []
    assert run_index(built) == 0 and "up to date" in capsys.readouterr().out


# --- the size limit (QA_MAX_FILE_MB) decides which files are indexed: changing it is a change -------------

BIG_NAME = "big.txt"
BIG_TEXT = "Ningxia recovered 31 million yuan of medical insurance funds in 2022.\n" * 400  # 28 kB


@pytest.fixture
def limited(fake_settings: Settings) -> Settings:
    """An index built under a 20 kB limit (every seed article fits), which skipped one 28 kB file."""
    (fake_settings.docs_dir / BIG_NAME).write_text(BIG_TEXT)
    settings = fake_settings.replace(max_file_mb=0.02)
    report = build_index(settings, FakeEmbedder(), progress=False)
    assert "raise QA_MAX_FILE_MB" in {s.file: s.reason for s in report.skipped}[BIG_NAME]
    assert stale_reasons(settings) == []
    return settings


def test_raising_the_size_limit_indexes_the_skipped_file_on_the_next_qa_index(
    limited, cli_embedder, monkeypatch, capsys
):
    assert IndexStore.load(limited.index_dir).manifest.max_file_mb == 0.02
    raised = limited.replace(max_file_mb=0.05)
    reasons = stale_reasons(raised)
    assert reasons == [f"now within the size limit (QA_MAX_FILE_MB is 0.05, was 0.02) files: {BIG_NAME}"]

    monkeypatch.setenv("QA_MAX_FILE_MB", "0.05")
    assert run_index(raised) == 0  # was "up to date": the skipped file stayed out until --full
    assert "1 new or changed files embedded" in capsys.readouterr().out
    assert cli_embedder[-1].texts == chunks_of(raised, BIG_NAME) != []  # nothing else re-embedded
    assert stale_reasons(raised) == []


def test_lowering_the_size_limit_drops_the_file_without_embedding_anything(limited):
    raised = limited.replace(max_file_mb=0.05)
    build_index(raised, FakeEmbedder(), progress=False)
    assert stale_reasons(limited) == [f"now over the size limit (QA_MAX_FILE_MB is 0.02) files: {BIG_NAME}"]

    embedder = FakeEmbedder()
    report = build_index(limited, embedder, progress=False)
    assert embedder.calls == 0 and BIG_NAME in {s.file for s in report.skipped}
    assert BIG_NAME not in IndexStore.load(limited.index_dir).manifest.sources
    assert chunks_of(limited, BIG_NAME) == [] and stale_reasons(limited) == []


def test_the_build_plan_counts_a_file_the_raised_limit_lets_in(limited):
    from qa.index.planning import plan_build

    assert plan_build(limited).files == 0
    plan = plan_build(limited.replace(max_file_mb=0.05))
    assert (plan.files, plan.bytes) == (1, len(BIG_TEXT))


def test_an_index_that_did_not_record_its_size_limit_reads_its_skipped_files_again(limited):
    manifest_path = current_build(limited.index_dir) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    del manifest["max_file_mb"]  # as written before the limit was recorded
    manifest_path.write_text(json.dumps(manifest))
    assert stale_reasons(limited) == []  # under the same limit it is still too big: nothing to do
    raised = limited.replace(max_file_mb=0.05)
    assert stale_reasons(raised) == [
        f"skipped under a size limit the index did not record (QA_MAX_FILE_MB is 0.05) files: {BIG_NAME}"
    ]
