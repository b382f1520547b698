"""Cutting documents into chunks of whole sentences that keep their line numbers.

Sentences come from spaCy's parse of each paragraph (qa/ingest/analysis.py): a paragraph is a
blank-line-separated run of lines, or a run of hard-wrapped lines, so a sentence may cross line
breaks. Long paragraphs are split between sentences, with `overlap` sentences repeated at the
start of the next chunk; short neighbouring paragraphs are joined while they fit in `chunk_chars`.
"""

from __future__ import annotations

from dataclasses import dataclass

from qa.ingest.analysis import MAX_SENTENCE_CHARS, sentence_offsets
from qa.ingest.corpus import Document
from qa.ingest.sections import document_sections, heading_paragraphs, heading_text
from qa.records import Chunk

__all__ = ["MAX_SENTENCE_CHARS", "chunk_document", "sentence_spans"]


@dataclass(frozen=True)
class Span:
    """A sentence inside a document: [start, end) offsets, and the paragraph it belongs to."""

    start: int
    end: int
    paragraph: int


def sentence_spans(parsed: list) -> list[Span]:
    """Every sentence of a document, in order, from its parsed paragraphs (analysis.parse_paragraphs):
    trimmed, and cut at spaces where longer than MAX_SENTENCE_CHARS."""
    return [Span(a, b, n) for n, paragraph in enumerate(parsed) for a, b, _ in sentence_offsets(paragraph)]


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


def _groups(
    paragraphs: dict[int, list[Span]], levels: dict[int, int], chunk_chars: int, overlap: int
) -> list[list[Span]]:
    """The sentences of each chunk: each paragraph's pieces (see _pieces), in order, a piece joining
    the group before it when _joins says so. `levels`: heading paragraph -> its level."""
    groups: list[list[Span]] = []
    for paragraph in sorted(paragraphs):
        for group in _pieces(paragraphs[paragraph], chunk_chars, overlap):
            if groups and _joins(group, groups[-1], paragraphs, levels, chunk_chars):
                groups[-1].extend(group)
            else:
                groups.append(group)
    return groups


def _joins(
    group: list[Span],
    previous: list[Span],
    paragraphs: dict[int, list[Span]],
    levels: dict[int, int],
    chunk_chars: int,
) -> bool:
    """Whether a group of one paragraph's sentences goes on in the chunk before it. Under headings
    only, a paragraph's first piece or a heading nested in them does ("AUTHOR" over the name on the
    next line). Otherwise a heading starts its own chunk (joined to the text before it, it would be
    searched as that text's), and short whole paragraphs join while they fit half a chunk."""
    paragraph = group[0].paragraph
    if any(x.paragraph not in levels for x in previous):
        whole = len(group) == len(paragraphs[paragraph])
        whole_before = len(previous) == len(paragraphs[previous[0].paragraph])
        return (
            paragraph not in levels
            and whole
            and whole_before
            and group[-1].end - previous[0].start <= chunk_chars // 2
        )
    nested = paragraph not in levels or levels[paragraph] > levels[previous[-1].paragraph]
    return nested and group[-1].end - previous[0].start <= chunk_chars


def chunk_document(doc: Document, parsed: list, chunk_chars: int = 700, overlap: int = 1) -> list[Chunk]:
    """Chunks of whole sentences; chunk.text is exactly doc.text[start:end].

    Does not split inside a sentence, so one sentence longer than chunk_chars
    becomes one long chunk, up to MAX_SENTENCE_CHARS (longer ones are cut at spaces).
    """
    paragraphs: dict[int, list[Span]] = {}
    for span in sentence_spans(parsed):
        paragraphs.setdefault(span.paragraph, []).append(span)
    sections = document_sections(parsed)
    groups = _groups(paragraphs, heading_paragraphs(parsed), chunk_chars, overlap)
    reading = _reading(doc.text, parsed)

    chunks = []
    for n, g in enumerate(groups):
        first_line, last_line = doc.line_of(g[0].start), doc.line_of(g[-1].end - 1)
        page, page_line = doc.page_of(first_line) or (None, None)
        chunks.append(
            Chunk(
                id=f"{doc.file}#{n}",
                file=doc.file,
                first_line=first_line,
                last_line=last_line,
                start=g[0].start,
                end=g[-1].end,
                text=doc.text[g[0].start : g[-1].end],
                page=page,
                page_line=page_line,
                heading=heading_text(sections[g[0].paragraph]),
                reading=_differing(reading[g[0].start : g[-1].end], doc.text[g[0].start : g[-1].end]),
            )
        )
    return chunks


def _differing(reading: str, text: str) -> str:
    """`reading` where it differs from `text` by more than line breaks read as spaces, else ""."""
    return reading if reading and reading.replace("\n", " ") != text.replace("\n", " ") else ""


def _reading(text: str, parsed: list) -> str:
    """The document's text as it reads where a paragraph rejoined a word broken over a line
    (analysis.reading_text keeps lengths, so offsets hold); "" where none was."""
    pieces, done = [], 0
    for paragraph in parsed:
        if paragraph.user_data.get("rejoined"):
            start = paragraph.user_data["start"]
            pieces += [text[done:start], paragraph.text]
            done = start + len(paragraph.text)
    return "".join(pieces) + text[done:] if pieces else ""
