"""Chunking: properties over generated documents, the seed articles, and sentence splitting."""

from __future__ import annotations

import textwrap
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.ingest.analysis import parse_paragraphs
from qa.ingest.chunking import MAX_SENTENCE_CHARS, chunk_document, sentence_spans
from qa.ingest.corpus import Document
from qa.nlp import load_nlp
from qa.records import Chunk
from tests.conftest import read_docs


def chunks_of(doc: Document, chunk_chars: int = 700, overlap: int = 1) -> list[Chunk]:
    return chunk_document(doc, parsed(doc), chunk_chars, overlap)


def parsed(doc: Document) -> list:
    return parse_paragraphs(doc, load_nlp("blank:en"))


def chunk_corpus(docs: list[Document], chunk_chars: int = 700, overlap: int = 1) -> list[Chunk]:
    return [c for d in docs for c in chunks_of(d, chunk_chars, overlap)]


JIANGXI_FILE = "001_5c3b6ceae2eb49f9.txt"

# --- generated documents -----------------------------------------------------------------------------

_WORD = st.sampled_from(
    "the province handled illegal medical institutions and recovered million yuan in funds a of to "
    "rate stable Hebei Fujian 2020 16,687 2.816 80% e.g. U.S. Dr. (note) 'quoted' x I 2023. end. it's".split()
)
_FIRST = st.sampled_from(["The", "It", "Jiangxi", "In", "A", "2020", "Medical", "J.", "Long", "\u201cWe"])
_END = st.sampled_from([".", ".", ".", "!", "?", "", ";", ",", "。"])
_LEAD = st.sampled_from(["", "", "", " ", "  ", "\t", "\u3000"])
_TRAIL = st.sampled_from(["", "", " ", "  \t"])
_SEP = st.sampled_from([" ", " ", "  ", " \t "])


@st.composite
def sentences(draw) -> str:
    words = draw(st.lists(_WORD, max_size=14))
    return " ".join([draw(_FIRST), *words]) + draw(_END)


@st.composite
def paragraphs(draw) -> str:
    body = ""
    for sentence in draw(st.lists(sentences(), min_size=1, max_size=8)):
        body += (draw(_SEP) if body else "") + sentence
    return draw(_LEAD) + body + draw(_TRAIL)


@st.composite
def documents(draw) -> Document:
    lines = draw(
        st.lists(st.one_of(paragraphs(), paragraphs(), st.sampled_from(["", "", "   ", "\t"])), max_size=10)
    )
    text = "\n".join(lines) + draw(st.sampled_from(["", "\n", "\n\n"]))
    return Document("gen.txt", text, "", "utf-8")


CHUNK_CHARS = st.integers(min_value=10, max_value=800)
OVERLAP = st.integers(min_value=0, max_value=3)


def check_chunks(doc: Document, chunks: list[Chunk], chunk_chars: int) -> None:
    """Every invariant a list of chunks of one document must hold."""
    spans = sentence_spans(parsed(doc))
    starts = {s.start for s in spans}
    ends = {s.end for s in spans}
    for n, c in enumerate(chunks):
        assert c.id == f"{doc.file}#{n}"
        assert c.file == doc.file
        assert c.text == doc.text[c.start : c.end]
        assert not c.reading or len(c.reading) == len(c.text)
        assert c.text and c.text == c.text.strip()
        assert c.first_line == doc.line_of(c.start)
        assert c.last_line == doc.line_of(c.end - 1)
        assert c.first_line <= c.last_line
        # whole sentences only: a chunk starts where a sentence starts and ends where one ends
        assert c.start in starts and c.end in ends
        if len(c.text) > chunk_chars:  # only a single over-long sentence may exceed the budget
            assert (c.start, c.end) in {(s.start, s.end) for s in spans}
    assert len({c.id for c in chunks}) == len(chunks)
    assert all(a.start < b.start and a.end <= b.end for a, b in pairwise(chunks))
    for s in spans:  # nothing lost
        assert any(c.start <= s.start and s.end <= c.end for c in chunks), s


@settings(max_examples=80, deadline=None, database=None)
@given(documents(), CHUNK_CHARS, OVERLAP)
def test_chunks_of_generated_documents_hold_every_invariant(doc, chunk_chars, overlap):
    check_chunks(doc, chunks_of(doc, chunk_chars, overlap), chunk_chars)


@settings(max_examples=60, deadline=None, database=None)
@given(documents(), CHUNK_CHARS)
def test_sentence_spans_are_trimmed_ordered_and_inside_their_paragraph(doc, chunk_chars):
    paragraphs = parsed(doc)
    spans = sentence_spans(paragraphs)
    for s in spans:
        piece = doc.text[s.start : s.end]
        assert piece and piece == piece.strip()
        p = paragraphs[s.paragraph]
        assert p.user_data["start"] <= s.start and s.end <= p.user_data["start"] + len(p.text)
    assert all(a.end <= b.start for a, b in pairwise(spans))


@settings(max_examples=40, deadline=None, database=None)
@given(st.lists(documents(), min_size=1, max_size=2), CHUNK_CHARS, OVERLAP)
def test_chunk_corpus_keeps_files_apart_and_in_order(docs, chunk_chars, overlap):
    docs = [Document(f"{n:03d}.txt", d.text, "", "utf-8") for n, d in enumerate(docs)]
    chunks = chunk_corpus(docs, chunk_chars, overlap)
    assert len({c.id for c in chunks}) == len(chunks)
    assert [c.file for c in chunks] == sorted(c.file for c in chunks)
    for doc in docs:
        check_chunks(doc, [c for c in chunks if c.file == doc.file], chunk_chars)


@settings(max_examples=40, deadline=None, database=None)
@given(paragraphs(), st.integers(min_value=40, max_value=90), CHUNK_CHARS, st.randoms(use_true_random=False))
def test_words_hyphenated_across_wrapped_lines_keep_every_invariant(body, width, chunk_chars, rnd):
    # hard-wrapped, with some lines ending in the first half of a word broken by a hyphen
    lines = textwrap.wrap(" ".join(body.split()) + " and a closing remark about the measurements", width)
    for i in range(len(lines) - 1):
        if rnd.random() < 0.5 and lines[i + 1][:1].isalpha() and lines[i + 1].split()[0].isalpha():
            word = lines[i + 1].split()[0]
            if len(word) > 3:
                lines[i] += " " + word[:2].lower() + "-"
                lines[i + 1] = "   " + word[2:].lower() + lines[i + 1][len(word) :]
    doc = Document("wrapped.txt", "\n".join(lines) + "\n", "", "utf-8")
    check_chunks(doc, chunks_of(doc, chunk_chars), chunk_chars)


def test_a_chunk_reads_a_word_broken_over_a_line_whole():
    text = (
        "The survey of the estuary counted the birds that winter on the mud flats of the inter-\n"
        "tidal zone, and it found the numbers of waders had fallen by a third since the last count.\n"
    )
    (chunk,) = chunks_of(Document("estuary.txt", text, "", "utf-8"))
    assert "intertidal zone" in chunk.search_text and "inter-\ntidal" in chunk.text
    (plain,) = chunks_of(Document("plain.txt", text.replace("inter-\n", "inter\n"), "", "utf-8"))
    assert plain.reading == "" and plain.search_text == plain.text


def test_blank_document_has_no_chunks():
    assert chunks_of(Document("e.txt", "\n  \n\t\n", "", "utf-8")) == []


def test_one_sentence_longer_than_chunk_chars_is_one_chunk():
    sentence = "The " + "very " * 50 + "long sentence."
    doc = Document("l.txt", f"Short one. {sentence} Short two.", "", "utf-8")
    chunks = chunks_of(doc, chunk_chars=40, overlap=0)
    assert sentence in [c.text for c in chunks]
    check_chunks(doc, chunks, 40)


@pytest.mark.parametrize(
    "line",
    [
        " ".join(f"word{n}" for n in range(200_000)),  # 1.5 MB on one line, no sentence end
        "x" * 10_000,  # no space at all: cut mid-word
        "Intro. " + ", ".join(f"item {n}" for n in range(3000)) + ". Outro.",
    ],
)
def test_a_huge_single_line_becomes_bounded_chunks_that_keep_their_line(line):
    doc = Document("huge.txt", f"Title\n\n{line}\nLast line.\n", "", "utf-8")
    chunks = chunks_of(doc, chunk_chars=700, overlap=1)
    check_chunks(doc, chunks, 700)
    on_line_3 = [c for c in chunks if c.first_line == 3]
    assert len(on_line_3) >= len(line) // MAX_SENTENCE_CHARS
    assert all(len(c.text) <= MAX_SENTENCE_CHARS and c.last_line == 3 for c in on_line_3)
    # check_chunks has asserted that every piece is in some chunk: nothing of the line is lost


def test_overlap_repeats_sentences_between_neighbouring_chunks():
    doc = Document("o.txt", " ".join(f"Sentence number {n} is here." for n in range(10)), "", "utf-8")
    plain = chunks_of(doc, chunk_chars=60, overlap=0)
    overlapped = chunks_of(doc, chunk_chars=60, overlap=1)
    assert all(a.end < b.start for a, b in pairwise(plain))
    assert all(b.start < a.end for a, b in pairwise(overlapped))


# --- the seed articles -------------------------------------------------------------------------------


@pytest.fixture
def seed_docs(docs_copy: Path) -> list[Document]:
    return read_docs(docs_copy)


def test_jiangxi_line_1_is_the_start_of_a_chunk_with_the_amount(seed_docs):
    chunks = chunk_corpus(seed_docs)
    first = [c for c in chunks if c.file == JIANGXI_FILE and c.first_line == 1]
    assert len(first) == 1
    assert "723 million yuan" in first[0].text
    assert "16,687 illegal medical institutions" in first[0].text


@pytest.mark.parametrize(("chunk_chars", "overlap"), [(700, 1), (120, 2), (2000, 0), (30, 5)])
def test_seed_chunks_hold_every_invariant(seed_docs, chunk_chars, overlap):
    for doc in seed_docs:
        check_chunks(doc, chunks_of(doc, chunk_chars, overlap), chunk_chars)


def test_chunk_ids_are_stable_for_the_same_text_and_settings(seed_docs):
    assert chunk_corpus(seed_docs, 500, 1) == chunk_corpus(seed_docs, 500, 1)
