"""Cutting documents into chunks of whole sentences that keep their line numbers.

A paragraph is one non-blank line. Long paragraphs are split between sentences,
with `overlap` sentences repeated at the start of the next chunk; short
neighbouring paragraphs are joined while they fit in `chunk_chars`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.ingest.corpus import Document
from qa.records import Chunk

# A sentence ends at . ! ? (or their CJK forms) followed by space and a capital, digit or quote.
# A single capital before the period ("U.S. Army", "J. Smith") is an initial, not an end.
# A "sentence" longer than this (a minified file, a table flattened into one line) is cut at spaces
# into pieces of at most this size, so no chunk, evidence unit or citation grows without bound.
MAX_SENTENCE_CHARS = 2000
_SENTENCE_END = re.compile(r"(?<=[.!?])(?<!\b[A-Z]\.)([\"'”’)]*)\s+(?=[\"'“‘(]?[A-Z0-9])|(?<=[。！？；])")


@dataclass(frozen=True)
class Span:
    """A sentence inside a document: [start, end) offsets, 1-based line."""

    start: int
    end: int
    line: int


def split_sentences(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """Sentence spans (start, end) of one line of text, whitespace trimmed.

    >>> split_sentences("  It rose. Then it fell!")
    [(2, 10), (11, 24)]
    """
    spans = []
    pos = 0
    for m in _SENTENCE_END.finditer(text):
        spans.append((pos, m.start() + len(m.group(1) or "")))  # closing quotes stay with their sentence
        pos = m.end()
    spans.append((pos, len(text)))
    out = []
    for a, b in spans:
        piece = text[a:b]
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece) - len(piece.rstrip())
        if b - trail > a + lead:
            out.extend((offset + x, offset + y) for x, y in _cut_long(text, a + lead, b - trail))
    return out


def _cut_long(text: str, start: int, end: int, limit: int = MAX_SENTENCE_CHARS) -> list[tuple[int, int]]:
    """[start, end) as pieces of at most `limit` characters, cut after the last space that fits
    (mid-word only when there is no space), each trimmed.

    >>> _cut_long("aaa bbb ccc", 0, 11, limit=7)
    [(0, 7), (8, 11)]
    """
    pieces = []
    while end - start > limit:
        cut = text.rfind(" ", start + 1, start + limit + 1)
        cut = cut if cut > start else start + limit
        stop = cut
        while stop > start and text[stop - 1].isspace():
            stop -= 1
        pieces.append((start, stop))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        pieces.append((start, end))
    return pieces


def sentence_spans(doc: Document) -> list[Span]:
    """Every sentence of a document, in order."""
    spans = []
    for number, start in enumerate(doc.line_starts, 1):
        line = doc.line(number)
        spans.extend(Span(a, b, number) for a, b in split_sentences(line, start))
    return spans


def _pieces(sentences: list[Span], chunk_chars: int, overlap: int) -> list[list[Span]]:
    """Groups of consecutive sentences of one paragraph, each up to chunk_chars long."""
    groups: list[list[Span]] = []
    i = 0
    while i < len(sentences):
        group = [sentences[i]]
        j = i + 1
        while j < len(sentences) and sentences[j].end - group[0].start <= chunk_chars:
            group.append(sentences[j])
            j += 1
        groups.append(group)
        if j >= len(sentences):
            break
        i = max(j - overlap, i + 1)  # always move forward, even when overlap >= group size
    return groups


def chunk_document(doc: Document, chunk_chars: int = 700, overlap: int = 1) -> list[Chunk]:
    """Chunks of whole sentences; chunk.text is exactly doc.text[start:end].

    Does not split inside a sentence, so one sentence longer than chunk_chars
    becomes one long chunk, up to MAX_SENTENCE_CHARS (longer ones are cut at spaces).
    """
    paragraphs: dict[int, list[Span]] = {}
    for span in sentence_spans(doc):
        paragraphs.setdefault(span.line, []).append(span)

    groups: list[list[Span]] = []
    for line in sorted(paragraphs):
        for group in _pieces(paragraphs[line], chunk_chars, overlap):
            previous = groups[-1] if groups else None
            joinable = (
                previous is not None
                and len(paragraphs[line]) == len(group)  # a whole paragraph, not part of a long one
                and len(paragraphs[previous[0].line]) == len(previous)
                and group[-1].end - previous[0].start <= chunk_chars // 2
            )
            if joinable:
                previous.extend(group)
            else:
                groups.append(group)

    chunks = []
    for n, g in enumerate(groups):
        page, page_line = doc.page_of(g[0].line) or (None, None)
        chunks.append(
            Chunk(
                id=f"{doc.file}#{n}",
                file=doc.file,
                first_line=g[0].line,
                last_line=g[-1].line,
                start=g[0].start,
                end=g[-1].end,
                text=doc.text[g[0].start : g[-1].end],
                page=page,
                page_line=page_line,
            )
        )
    return chunks


def chunk_corpus(docs: list[Document], chunk_chars: int = 700, overlap: int = 1) -> list[Chunk]:
    return [c for d in docs for c in chunk_document(d, chunk_chars, overlap)]
