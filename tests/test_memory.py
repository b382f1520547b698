"""Documents given in memory (text + metadata), and search filtered by metadata (issue 18, library)."""

from __future__ import annotations

import pytest

import qa
from qa.answer.pipeline import Pipeline
from qa.errors import InputError
from qa.retrieval.retriever import Retriever
from tests.conftest import JIANGXI_FILE, FakeEmbedder, fake_settings_for

DOCS = [
    qa.TextDocument(
        "audit/2020.txt",
        "Jiangxi recovered 723 million yuan of medical insurance funds in 2020.\n\n"
        "The audit named 16 clinics.",
        {"year": 2020, "region": "Jiangxi"},
    ),
    qa.TextDocument(
        "audit/2021.txt",
        "Hainan recovered 456 million yuan of medical insurance funds in 2021.",
        {"year": 2021},
    ),
    qa.TextDocument(
        "note", "Shanxi recovered 12 million yuan.\r\nA short note.", {"year": 2021, "draft": True}
    ),
]
QUERY = "recovered million yuan medical insurance funds"
MODES = ("hybrid", "dense", "bm25")


@pytest.fixture
def retriever() -> Retriever:
    return Retriever.from_documents(DOCS, FakeEmbedder())


def test_documents_in_memory_are_searched_and_cited_by_name(retriever, tmp_path):
    hits = retriever.search("Jiangxi recovered 723 million", k=3)
    assert hits[0].chunk.file == "audit/2020.txt" and hits[0].chunk.first_line == 1
    assert {h.chunk.file for h in retriever.search(QUERY, k=10)} == {
        "audit/2020.txt",
        "audit/2021.txt",
        "note",
    }
    assert retriever.store.lines[("note", 2)] == "A short note."  # \r\n became a line end
    assert list(tmp_path.iterdir()) == []  # nothing written anywhere

    settings = qa.load_settings(generator_model="none", index_dir=tmp_path / "unused")
    answer = Pipeline(settings, retriever=retriever).ask("How much did Hainan recover in 2021?")
    assert "456 million" in answer.text and ("audit/2021.txt", 1) in {
        (c.file, c.line) for c in answer.citations
    }


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("where", "files"),
    [
        ({"year": 2021}, {"audit/2021.txt", "note"}),
        ({"year": 2021, "draft": True}, {"note"}),
        ({"file": "audit/2020.txt"}, {"audit/2020.txt"}),
        ({"file": ["audit/2020.txt", "note"]}, {"audit/2020.txt", "note"}),
        ({"region": "Hainan"}, set()),
    ],
)
def test_search_filtered_by_metadata_keeps_only_matching_documents(mode, where, files):
    retriever = Retriever.from_documents(DOCS, FakeEmbedder(), qa.Settings(retrieval=mode))
    hits = retriever.search(QUERY, k=10, where=where)
    assert {h.chunk.file for h in hits} == files
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))


def test_a_filter_finds_k_hits_even_when_the_best_unfiltered_ones_are_elsewhere(fake_settings, fake_embedder):
    retriever = Retriever.from_settings(fake_settings, fake_embedder, build=True)
    (last,) = sorted(retriever.store.manifest.sources)[-1:]
    hits = retriever.search("Jiangxi recovered 723 million yuan", k=3, where={"file": last})
    assert len(hits) == 3 and {h.chunk.file for h in hits} == {last}
    assert (
        retriever.search("Jiangxi recovered 723 million yuan", k=1, where={"file": JIANGXI_FILE})[0].rank == 1
    )


def test_an_unknown_filter_field_is_an_error_that_lists_the_fields(retriever):
    with pytest.raises(
        InputError, match="no document has the field 'author': filter by draft, file, region, year"
    ):
        retriever.search(QUERY, where={"author": "Wu"})


@pytest.mark.parametrize(
    ("documents", "message"),
    [
        ([{"name": "a", "text": "x"}], "must be a qa.TextDocument"),
        ([qa.TextDocument("../a", "x")], "must be a relative name"),
        ([qa.TextDocument("a", "x"), qa.TextDocument("a", "y")], "used twice"),
        ([qa.TextDocument("a", b"x")], "text must be a str"),
        ([qa.TextDocument("a", "x", {"file": "b"})], "other than 'file'"),
        ([qa.TextDocument("a", "x", {"tags": ["a"]})], "must be text, a number or a boolean"),
        ([qa.TextDocument("a", "  \n")], "no document has any text"),
        ([], "no document has any text"),
    ],
)
def test_bad_documents_are_a_clear_input_error(documents, message):
    with pytest.raises(InputError, match=message):
        Retriever.from_documents(documents, FakeEmbedder())


def test_settings_for_memory_documents_come_from_the_settings_given(tmp_path):
    retriever = Retriever.from_documents(
        DOCS, FakeEmbedder(), fake_settings_for(tmp_path, tmp_path).replace(retrieval="bm25")
    )
    assert retriever.mode == "bm25" and retriever.metadata["note"] == {"year": 2021, "draft": True}


# --- saving an index of documents given in memory, and loading it back -------------------------------------

WHERE = [
    {"year": 2021},
    {"year": 2021, "draft": True},
    {"region": "Jiangxi"},
    {"file": ["note", "audit/2020.txt"]},
]


def test_a_saved_index_loads_back_with_its_metadata_and_searches_alike(retriever, tmp_path):
    build = retriever.save(tmp_path / "saved")
    assert (tmp_path / "saved" / "CURRENT").read_text().strip() == build.name
    assert {p.name for p in build.iterdir()} >= {
        "manifest.json",
        "chunks.json",
        "lines.json",
        "vectors.faiss",
    }
    assert sorted(p.name for p in (tmp_path / "saved").iterdir()) == ["CURRENT", build.name]

    loaded = Retriever.load(tmp_path / "saved", FakeEmbedder())
    assert loaded.metadata == retriever.metadata  # {"year": 2021, "draft": True}: types kept through JSON
    assert loaded.metadata["note"]["draft"] is True and loaded.store.lines == retriever.store.lines
    for where in [None, *WHERE]:
        assert loaded.search(QUERY, k=10, where=where) == retriever.search(QUERY, k=10, where=where)
    settings = qa.load_settings(generator_model="none", index_dir=tmp_path / "unused")
    answer = Pipeline(settings, retriever=loaded).ask("How much did Hainan recover in 2021?")
    assert "456 million" in answer.text and answer.citations[0].file == "audit/2021.txt"


def test_saving_again_replaces_the_saved_index_and_a_failed_save_keeps_the_previous(
    retriever, tmp_path, monkeypatch
):
    from qa.index import build_files

    folder = tmp_path / "saved"
    retriever.save(folder)
    newer = Retriever.from_documents(
        [qa.TextDocument("memo", "Gansu recovered 9 million yuan.", {"year": 2022})], FakeEmbedder()
    )
    newer.save(folder)
    assert set(Retriever.load(folder, FakeEmbedder()).store.manifest.sources) == {"memo"}
    assert len([p for p in folder.iterdir() if p.name.startswith("build-")]) == 1

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(build_files, "write_embeddings", crash)
    with pytest.raises(OSError, match="disk full"):
        retriever.save(folder)
    assert set(Retriever.load(folder, FakeEmbedder()).store.manifest.sources) == {"memo"}
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no half-written build left


def test_a_saved_index_is_checked_and_never_mistaken_for_a_folders(
    retriever, tmp_path, fake_settings, fake_embedder
):
    from qa.errors import IndexCorruptError, IndexMissingError, IndexStaleError
    from qa.index.indexer import build_index
    from qa.index.store import current_build

    saved = tmp_path / "saved"
    build = retriever.save(saved)
    with pytest.raises(IndexStaleError, match="embedded with fake-embedder, not other"):
        Retriever.load(saved, FakeEmbedder(name="other"))
    folder_settings = fake_settings.replace(index_dir=saved)
    with pytest.raises(InputError, match="holds documents saved from memory"):
        build_index(folder_settings, fake_embedder, progress=False)  # would have replaced the documents
    with pytest.raises(InputError, match="holds documents saved from memory"):
        Retriever.from_settings(folder_settings, fake_embedder, build=True)
    assert current_build(saved) == build and fake_embedder.calls == 0

    Retriever.from_settings(fake_settings, fake_embedder, build=True)  # a folder's index
    with pytest.raises(InputError, match="holds the index of a document folder"):
        Retriever.load(fake_settings.index_dir, fake_embedder)
    with pytest.raises(InputError, match="holds the index of a document folder"):
        retriever.save(fake_settings.index_dir)
    with pytest.raises(InputError, match="only an index of documents given in memory"):
        Retriever.from_settings(fake_settings, fake_embedder).save(tmp_path / "copy")
    with pytest.raises(InputError, match="is not empty and holds no saved index"):
        retriever.save(fake_settings.docs_dir)
    with pytest.raises(IndexMissingError, match="no saved index"):
        Retriever.load(tmp_path / "nowhere", fake_embedder)

    chunks = build / "chunks.json"
    chunks.write_text(chunks.read_text().replace("Hainan", "Hunan"))
    with pytest.raises(IndexCorruptError, match="fails its checksum"):
        Retriever.load(saved, FakeEmbedder())
