"""Reading articles: byte decoding, skipped files, folder walking and 1-based line numbering."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.errors import CorpusError
from qa.index.indexer import build_index
from qa.index.store import IndexStore
from qa.ingest.corpus import (
    ENCODINGS,
    MIXED,
    Document,
    Skipped,
    decode,
    looks_binary,
    read_document,
    unsupported_files,
)
from tests.conftest import FakeEmbedder, fake_settings_for, read_docs

CHINESE = "江西省医疗保障局追回医保基金7.23亿元。"


# --- decode ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "text", "encoding"),
    [
        (b"plain\ntext", "plain\ntext", "utf-8"),
        (b"\xef\xbb\xbfwith BOM\nline 2", "with BOM\nline 2", "utf-8"),
        (b"a\r\nb\r\nc\r\n", "a\nb\nc\n", "utf-8"),
        (b"a\rb\rc", "a\nb\nc", "utf-8"),
        (b"a\r\r\nb", "a\n\nb", "utf-8"),
        (b"mixed\r\nends\rand\nmore", "mixed\nends\nand\nmore", "utf-8"),
        ("h\u00e9llo\r\nw\u00f6rld".encode("utf-16"), "h\u00e9llo\nw\u00f6rld", "utf-16"),
        (b"\xff\xfe" + "little endian\r\n".encode("utf-16-le"), "little endian\n", "utf-16"),
        (b"\xfe\xff" + "big endian\r\nx".encode("utf-16-be"), "big endian\nx", "utf-16"),
        (CHINESE.encode("gb18030"), CHINESE, "gb18030"),
        (CHINESE.encode("utf-8"), CHINESE, "utf-8"),
    ],
)
def test_decode_detects_encoding_and_normalises_line_ends(raw, text, encoding):
    assert decode(raw) == (text, encoding)


@pytest.mark.parametrize("raw", [b"caf\xe9", b"\x80abc", b"\xff", b"r\xe9sum\xe9 \x81\r\n\xfe"])
def test_undecodable_bytes_fall_back_to_latin1_without_crashing(raw):
    text, encoding = decode(raw)
    assert encoding == "latin-1"
    assert text == raw.decode("latin-1").replace("\r\n", "\n")


def test_utf16_without_bom_is_not_guessed():
    # Any even-length bytes "decode" as utf-16; without a BOM they must not be read that way.
    text, encoding = decode(b"ab")
    assert (text, encoding) == ("ab", "utf-8")


@settings(max_examples=100, deadline=None, database=None)
@given(st.binary(max_size=200))
def test_decode_never_fails_and_never_returns_carriage_returns(raw):
    text, encoding = decode(raw)
    assert encoding in (*ENCODINGS, MIXED)  # MIXED: UTF-8 lines beside stray bytes, b"\xc2\x80\n\x80"
    assert "\r" not in text
    assert not text.startswith("\ufeff")


@settings(max_examples=100, deadline=None, database=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_utf8_text_round_trips_up_to_line_ends(text):
    expected = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    assert decode(text.encode("utf-8")) == (expected, "utf-8")


def test_looks_binary_lets_utf16_with_bom_through():
    assert looks_binary(b"PK\x03\x04\x00\x00")
    assert not looks_binary("text".encode("utf-16"))
    assert not looks_binary(b"plain text")


# --- read_document -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty"),
        (b"   \n\t\r\n  \r", "empty"),
        (b"\xef\xbb\xbf\n\n", "empty"),
        (b"GIF89a\x00\x01\x02 looks like text otherwise", "binary"),
        (b"\x00" * 16, "binary"),
    ],
)
def test_read_document_skips_unusable_files_with_a_reason(tmp_path: Path, raw, reason):
    path = tmp_path / "a.txt"
    path.write_bytes(raw)
    result = read_document(path, tmp_path)
    assert isinstance(result, Skipped)
    assert result.file == "a.txt"
    assert reason in result.reason


def test_read_document_returns_text_hash_and_relative_posix_name(tmp_path: Path):
    raw = "Line one.\r\nLine two.\r\n".encode("utf-16")
    path = tmp_path / "sub" / "b.txt"
    path.parent.mkdir()
    path.write_bytes(raw)
    doc = read_document(path, tmp_path)
    assert isinstance(doc, Document)
    assert doc.file == "sub/b.txt"
    assert doc.text == "Line one.\nLine two.\n"
    assert doc.encoding == "utf-16"
    assert doc.sha256 == hashlib.sha256(raw).hexdigest()  # of the bytes on disk, not the decoded text


# --- reading a folder, as build_index does -----------------------------------------------------------


def _build(tmp_path: Path, docs: Path):
    """build_index over `docs` (fake embedder, no models): its report and the sources it indexed."""
    settings = fake_settings_for(tmp_path, docs)
    report = build_index(settings, FakeEmbedder(), progress=False)
    return report, sorted(IndexStore.load(settings.index_dir).manifest.sources)


def test_an_index_holds_visible_supported_files_and_says_why_others_are_left_out(tmp_path: Path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "b.txt").write_text("Bee.")
    (docs / "a.md").write_text("# Title\n\nAy.")
    (docs / "C.MD").write_text("Upper-case suffix.")
    (docs / "notes.pdf").write_bytes(b"%PDF-1.4 not an article")
    (docs / "data.json").write_text('{"a": 1}')
    (docs / "b.txt~").write_text("editor backup")
    (docs / ".hidden.txt").write_text("Hidden file.")
    (docs / ".git").mkdir()
    (docs / ".git" / "x.txt").write_text("Hidden folder.")
    (docs / "deep" / "er").mkdir(parents=True)
    (docs / "deep" / "er" / "d.txt").write_text("Nested.")
    (docs / "empty.txt").write_text("")

    report, sources = _build(tmp_path, docs)

    assert sources == ["C.MD", "a.md", "b.txt", "deep/er/d.txt"]
    reasons = {s.file: s.reason for s in report.skipped}
    assert set(reasons) == {"empty.txt", "notes.pdf", "data.json", "b.txt~"}  # hidden files stay silent
    assert reasons["empty.txt"] == "empty file"
    assert reasons["notes.pdf"].startswith("unreadable PDF")
    assert reasons["data.json"] == "unsupported file type .json"
    assert reasons["b.txt~"] == "unsupported file type .txt~"


def test_the_seed_articles_read_as_utf8_with_plain_line_ends(docs_copy: Path):
    docs = read_docs(docs_copy)
    assert len(docs) == 5 and unsupported_files(docs_copy) == []
    assert all(d.encoding == "utf-8" and "\r" not in d.text for d in docs)
    jiangxi = next(d for d in docs if d.file == "001_5c3b6ceae2eb49f9.txt")
    assert "723 million yuan" in jiangxi.line(1)


def test_building_from_a_missing_folder_says_so(tmp_path: Path):
    with pytest.raises(CorpusError, match="does not exist"):
        _build(tmp_path, tmp_path / "nowhere")


def test_building_from_a_file_instead_of_a_folder_fails(tmp_path: Path):
    path = tmp_path / "a.txt"
    path.write_text("Not a folder.")
    with pytest.raises(CorpusError):
        _build(tmp_path, path)


@pytest.mark.parametrize(
    "files",
    [
        {},
        {"a.pdf": b"%PDF", "b.docx": b"PK\x03\x04"},
        {"empty.txt": b"", "blank.md": b"  \n\n", "bin.txt": b"\x00\x01\x02"},
        {".hidden.txt": b"Only a hidden article."},
    ],
)
def test_building_fails_when_no_file_is_usable(tmp_path: Path, files):
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, raw in files.items():
        (docs / name).write_bytes(raw)
    with pytest.raises(CorpusError, match="no readable"):
        _build(tmp_path, docs)


# --- Document lines ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["", "one line", "a\n", "a\nb", "a\n\nb\n", "\n\n", "\n  lead\n\n\ntrail  \n", "中文\n第二行"],
)
def test_line_and_line_of_agree_with_split_examples(text):
    _check_lines(text)


@settings(max_examples=100, deadline=None, database=None)
@given(st.lists(st.sampled_from(["", " ", "Word.", "two words", "  indented", "中文", "\t"]), max_size=12))
def test_line_and_line_of_agree_with_split(parts):
    _check_lines("\n".join(parts))


def _check_lines(text: str) -> None:
    doc = Document("t.txt", text, "", "utf-8")
    lines = text.split("\n")
    for number, expected in enumerate(lines, 1):
        assert doc.line(number) == expected
    with pytest.raises(IndexError):
        doc.line(0)
    with pytest.raises(IndexError):
        doc.line(len(lines) + 1)
    for offset in range(len(text)):
        number = doc.line_of(offset)
        assert number == text[:offset].count("\n") + 1
        if text[offset] != "\n":
            start = doc.line_starts[number - 1]
            assert doc.line(number)[offset - start] == text[offset]


def test_line_of_worked_example():
    doc = Document("a", "x\n\ny\n", "", "utf-8")
    assert [doc.line_of(i) for i in range(5)] == [1, 1, 2, 3, 3]
    assert [doc.line(n) for n in (1, 2, 3, 4)] == ["x", "", "y", ""]


# --- issue 18, defect 4: size limit and per-line decoding ----------------------------------------------


def test_one_latin1_byte_leaves_the_rest_of_a_utf8_file_utf8():
    raw = "Zürich: 723 million yuan.\n".encode() * 1000 + b"caf\xe9 au lait\n" + "Ünter.\n".encode()
    text, encoding = decode(raw)
    assert encoding == "utf-8+latin-1"
    lines = text.split("\n")
    assert lines[0] == "Zürich: 723 million yuan."
    assert lines[1000] == "café au lait" and lines[1001] == "Ünter."


def test_a_wholly_latin1_or_gb18030_file_still_decodes_as_before():
    assert decode("café\nnaïve".encode("latin-1")) == ("café\nnaïve", "latin-1")
    assert decode(("abc\n" + CHINESE).encode("gb18030")) == ("abc\n" + CHINESE, "gb18030")


def test_a_file_over_the_size_limit_is_skipped_with_the_setting_in_the_reason(tmp_path: Path):
    path = tmp_path / "big.txt"
    path.write_bytes(b"A sentence of the big file.\n" * 40_000)  # 1.1 MB
    result = read_document(path, tmp_path, max_bytes=2**20)
    assert isinstance(result, Skipped)
    assert result.reason == "1.1 MB, over the 1 MB limit: split it, or raise QA_MAX_FILE_MB"
    assert isinstance(read_document(path, tmp_path, max_bytes=2 * 2**20), Document)


def test_the_size_limit_is_a_setting_that_the_index_build_uses(tmp_path: Path, docs_copy, fake_embedder):
    from qa.index.indexer import build_index
    from tests.conftest import fake_settings_for

    (docs_copy / "big.txt").write_bytes(b"A sentence of the big file.\n" * 40_000)
    settings = fake_settings_for(tmp_path, docs_copy).replace(max_file_mb=1)
    report = build_index(settings, fake_embedder, progress=False)
    assert {s.file: s.reason for s in report.skipped}["big.txt"].startswith("1.1 MB, over the 1 MB limit")
    assert report.files == 5


def test_a_utf8_line_beside_a_stray_byte_line_decodes_as_mixed():
    assert decode(b"\xc2\x80\n\x80") == ("\x80\n\x80", MIXED)
