"""Paragraphs rebuilt from physical lines, split into sentences and analysed once, at index time.

Text comes in physical lines: one paragraph per line (the seeds, SQuAD), hard-wrapped at some
width (man pages, wrapped Markdown, e-mail), PDF layout lines, HTML blocks. A paragraph is a run
of non-blank lines; inside a run, a line break is a soft wrap when the line is long for the
document's wrap width and the next line does not start a list item or, after a sentence's end, a
heading (HTML blocks come as lines with no blank line between them). Lines longer than any wrap
width (over WRAP_MAX characters) are paragraphs of their own.

Each paragraph is parsed by spaCy with its line breaks read as spaces (offsets stay the file's),
so a sentence that crosses a line break is whole, and maps back to the physical lines it spans.
The parses (sentences, entities, noun chunks, lemmas, dependencies) are kept as one spaCy
`DocBin` per document (spaCy's own msgpack format, not pickle), stored in the index.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from qa.ingest.corpus import Document
from qa.ingest.sections import document_sections, heading, heading_text

# A "sentence" longer than this (a minified file, a table flattened into one line) is cut at spaces
# into pieces of at most this size, so no chunk, evidence unit or citation grows without bound.
MAX_SENTENCE_CHARS = 2000
WRAP_MAX = 100  # a line longer than this is not hard-wrapped text: it is a paragraph of its own
MIN_WRAP = 40  # text wrapped narrower than this is not prose (lists, tables, headings)
SOFT_WRAP_SHARE = 0.6  # a line at least this share of the wrap width continues on the next line
MAX_PARAGRAPH_CHARS = 20_000  # longer runs are parsed in pieces (spaCy's time grows with length)
_CLOSES = (".", "!", "?", ":")  # a line ending a sentence may be followed by a heading
# A word hyphenated across a line break, as typesetters break them ("re-\n    tained": man pages,
# TeX PDFs): a letter and a hyphen end the line, a lower-case letter or a digit starts the next.
# A line starting with a capital ("OP-\nTIONAL") is left as it is: codes and acronyms.
_BROKEN_WORD = re.compile(r"([A-Za-z]*[A-Za-z])-\n([ \t]*)([a-z0-9][a-z]*)(\S*)")
_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
MIN_HALF = 3  # shorter halves of a broken word ("in-" / "formation") are too often words by chance
_LIST_ITEM = re.compile(r"^\s*(?:[-*•·‣◦]|\d{1,3}[.)]|[a-zA-Z][.)])\s+")


@dataclass(frozen=True)
class Paragraph:
    """[start, end) offsets in the document text, and the 1-based lines it spans."""

    start: int
    end: int
    first_line: int
    last_line: int


def wrap_width(lines: list[str]) -> int:
    """The width a document's text is wrapped at: the 90th percentile of its line lengths up to
    WRAP_MAX (0 when no line is that short).

    >>> wrap_width(["a" * 78, "a" * 80, "a" * 30, "x" * 400])
    80
    """
    lengths = sorted(len(x.rstrip()) for x in lines if 0 < len(x.strip()) and len(x.rstrip()) <= WRAP_MAX)
    return lengths[min(len(lengths) - 1, int(0.9 * len(lengths)))] if lengths else 0


def paragraphs(doc: Document) -> list[Paragraph]:
    """The document's paragraphs, in order.

    >>> text = "Title\\n\\n" + "word " * 15 + "\\nends here.\\n- item one\\n- item two"
    >>> [(p.first_line, p.last_line) for p in paragraphs(Document("a.txt", text, "", "utf-8"))]
    [(1, 1), (3, 4), (5, 5), (6, 6)]
    """
    lines = doc.text.split("\n")
    width = wrap_width(lines)
    out: list[Paragraph] = []
    first = None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        if first is None:
            first = number
        nxt = lines[number] if number < len(lines) else ""
        continues = (
            bool(nxt.strip())
            and width >= MIN_WRAP
            and len(line.rstrip()) <= WRAP_MAX
            and len(nxt.rstrip()) <= WRAP_MAX
            and len(line.rstrip()) >= SOFT_WRAP_SHARE * width
            and not _starts_item(nxt, line, lines[first - 1])
            and not (line.rstrip().endswith(_CLOSES) and heading(nxt) is not None)  # "… pier." / "Parking"
            and _span(doc, first, number + 1) <= MAX_PARAGRAPH_CHARS
        )
        if not continues:
            out.extend(_bounded(doc, _paragraph(doc, first, number)))
            first = None
    return out


def _starts_item(line: str, before: str, opening: str) -> bool:
    """Whether a line starts a list item: a bullet always; a number or letter ("70.", "2)", "J.")
    only after a line that closes a sentence or in a paragraph that opened with an item, since a
    wrapped sentence may go on with one ("… characters per line is" / "70.  Due to …").

    >>> _starts_item("70.  Due to the interactive nature", "per line is", "Numbers are printed")
    False
    >>> _starts_item("J. Smith wrote it.", "The survey was led by", "The survey was led by")
    False
    >>> _starts_item("2. Run it.", "1. Build it.", "1. Build it."), _starts_item("- next", "a line", "a line")
    (True, True)
    """
    marker = _LIST_ITEM.match(line)
    if not marker:
        return False
    if not marker.group(0).strip()[:1].isalnum():  # a bullet
        return True
    return before.rstrip().endswith((*_CLOSES, ";")) or bool(_LIST_ITEM.match(opening))


def _bounded(doc: Document, p: Paragraph) -> list[Paragraph]:
    """A paragraph longer than MAX_PARAGRAPH_CHARS (a huge single line) as pieces cut at spaces."""
    if p.end - p.start <= MAX_PARAGRAPH_CHARS:
        return [p]
    pieces = cut_long(doc.text, p.start, p.end, MAX_PARAGRAPH_CHARS)
    return [Paragraph(a, b, doc.line_of(a), doc.line_of(b - 1)) for a, b in pieces]


def cut_long(text: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """[start, end) as pieces of at most `limit` characters, cut after the last space that fits
    (mid-word only when there is no space), each trimmed.

    >>> cut_long("aaa bbb ccc", 0, 11, limit=7)
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


def _span(doc: Document, first: int, last: int) -> int:
    starts = doc.line_starts
    end = starts[last] - 1 if last < len(starts) else len(doc.text)
    return end - starts[first - 1]


def _paragraph(doc: Document, first: int, last: int) -> Paragraph:
    """Lines first..last, without the leading and trailing whitespace of the run."""
    starts = doc.line_starts
    start = starts[first - 1]
    end = starts[last] - 1 if last < len(starts) else len(doc.text)
    text = doc.text[start:end]
    lead = len(text) - len(text.lstrip())
    trail = len(text) - len(text.rstrip())
    return Paragraph(start + lead, end - trail, first, last)


def parse_paragraphs(doc: Document, nlp, batch_size: int = 64) -> list:
    """spaCy Docs of the document's paragraphs, in order.

    A paragraph is parsed as it reads (`reading_text`), which has the same length as the file's
    span: an offset in it plus user_data["start"] is an offset in the file, except at the start of a
    word rejoined across a line break (user_data["rejoined"]: [[start in the Doc, start in the
    paragraph]...]). user_data also holds "file", "first_line", "breaks" (offsets of the line breaks
    in the Doc's text) and "indent" (the columns before the paragraph's first character on its line:
    headings nest by it).
    """
    found = paragraphs(doc)
    texts = [doc.text[p.start : p.end] for p in found]
    vocabulary = _vocabulary(doc.text) if "-\n" in doc.text else None
    read = [reading_text(text, vocabulary) for text in texts]
    parsed = []
    flat = (text for text, _ in read)
    for p, text, (_, rejoined), parsed_doc in zip(
        found, texts, read, nlp.pipe(flat, batch_size=batch_size), strict=True
    ):
        parsed_doc.user_data.update(
            file=doc.file,
            start=p.start,
            first_line=p.first_line,
            breaks=[i for i, ch in enumerate(text) if ch == "\n"],
            indent=p.start - doc.line_starts[p.first_line - 1],
        )
        if rejoined:
            parsed_doc.user_data["rejoined"] = [list(pair) for pair in rejoined.items()]
        parsed.append(parsed_doc)
    return parsed


def reading_text(
    text: str, vocabulary: tuple[set[str], set[str]] | None = None
) -> tuple[str, dict[int, int]]:
    """A paragraph's text as it reads: line breaks as spaces, and each word hyphenated across a
    line break whole again. The rejoined word is moved right, to end where it ended, and the text
    keeps its length: offsets are the file's except where a rejoined word starts. Also returns
    {start in the reading text: start in `text`} of the rejoined words.

    The hyphen goes (most breaks are a typesetter's: "re-" / "tained"), unless the word is a
    compound by its shape (a capital before the hyphen, a digit after it, another hyphen in it:
    "X-ray", "COVID-19", "state-of-the-art"), or `vocabulary` (the document's hyphenated and plain
    words, lower-cased) does not hold the word plain and holds it hyphenated, or holds both halves
    as words of MIN_HALF letters or more ("French-" / "speaking": text wrapped at hyphens; not
    "in-" / "formation").

    >>> reading_text("are re-\\n   tained.")
    ('are      retained.', {9: 4})
    >>> reading_text("a well-\\nknown fact", ({"well-known"}, set()))[0]
    'a  well-known fact'
    """
    hyphenated, plain = vocabulary or (set(), set())
    out = text
    starts: dict[int, int] = {}
    for m in _BROKEN_WORD.finditer(text):
        left, right, tail = m.group(1), m.group(3), m.group(4)
        a, b = left.lower(), right.lower()
        halves = min(len(a), len(b)) >= MIN_HALF and a in plain and b in plain
        # "X-" / "ray", "COVID-" / "19", "state-" / "of-the-art": a hyphen no typesetter adds
        compound = left[-1].isupper() or right[0].isdigit() or tail.startswith("-")
        keep = compound or (a + b not in plain and (f"{a}-{b}" in hyphenated or halves))
        word = f"{left}-{right}{tail}" if keep else f"{left}{right}{tail}"
        begin = m.end() - len(word)
        out = out[: m.start()] + " " * (begin - m.start()) + word + out[m.end() :]
        starts[begin] = m.start()
    return out.replace("\n", " "), starts


def _vocabulary(text: str) -> tuple[set[str], set[str]]:
    """A document's hyphenated words and plain words, lower-cased (words broken at a line's end are
    neither)."""
    hyphenated, plain = set(), set()
    for m in _WORD.finditer(_BROKEN_WORD.sub(" ", text)):
        word = m.group(0).lower()
        (hyphenated if "-" in word else plain).add(word)
    return hyphenated, plain


def sentence_offsets(paragraph) -> list[tuple[int, int, object]]:
    """(start, end, spaCy sentence) in file offsets of every sentence of a parsed paragraph:
    trimmed, and cut at spaces where longer than MAX_SENTENCE_CHARS (the pieces share the sentence)."""
    offset, text = paragraph.user_data["start"], paragraph.text
    rejoined = rejoined_starts(paragraph)
    out = []
    for sent in joined_sentences(paragraph):
        a, b = sent.start_char, sent.end_char
        piece = text[a:b]
        a, b = a + len(piece) - len(piece.lstrip()), b - (len(piece) - len(piece.rstrip()))
        if b > a:
            pieces = cut_long(text, a, b, MAX_SENTENCE_CHARS)
            out.extend((offset + rejoined.get(x, x), offset + y, sent) for x, y in pieces)
    return out


def rejoined_starts(paragraph) -> dict[int, int]:
    """{start in the Doc: start in the file's paragraph} of the words rejoined across a line break."""
    return {a: b for a, b in paragraph.user_data.get("rejoined", ())}


def joined_sentences(paragraph) -> list:
    """The parser's sentences of a paragraph (spaCy Spans), each joined to the next while it ends
    without a sentence's closing mark, as spaCy's parser sometimes cuts mid-sentence: "and accumulated
    savings | The procurement funds exceeded 3.3 billion yuan.", "the MHC Class | I receptor", or a
    bullet "•" cut from its item. A join stops at MAX_JOINED_CHARS, so unpunctuated runs (code,
    tables) stay in pieces.

    >>> import spacy
    >>> doc = spacy.blank("en")("It rose. And savings The funds rose.")
    >>> for token in doc:
    ...     token.is_sent_start = token.i in (0, 3, 5)
    >>> [s.text for s in joined_sentences(doc)]
    ['It rose.', 'And savings The funds rose.']
    """
    out: list = []
    for sent in paragraph.sents:
        last = out[-1] if out else None
        if (
            last is not None
            and not ends_sentence(last.text)
            and sent.end_char - last.start_char <= MAX_JOINED_CHARS
        ):
            out[-1] = paragraph[last.start : sent.end]
        else:
            out.append(sent)
    return out


# Longer than nearly every sentence; an unpunctuated run of code or table rows stays cut
MAX_JOINED_CHARS = 600
_ENDS = re.compile(r"""[.!?:;…)\]}"'”’»]\s*$""")


def ends_sentence(text: str) -> bool:
    """Whether a text ends as a sentence or a bracketed aside does (a dateline's "(Reporter Li)").

    >>> ends_sentence("It rose."), ends_sentence("(Reporter Li)"), ends_sentence("and accumulated savings")
    (True, True, False)
    """
    return bool(_ENDS.search(text))


def pack(docs: list) -> bytes:
    """Parsed paragraphs as spaCy DocBin bytes (msgpack; user data included)."""
    from spacy.tokens import DocBin

    return DocBin(docs=docs, store_user_data=True).to_bytes()


def unpack(data: bytes, vocab) -> list:
    from spacy.tokens import DocBin

    return list(DocBin(store_user_data=True).from_bytes(data).get_docs(vocab))


@dataclass(frozen=True)
class Sentence:
    """One sentence of the stored parse: file offsets, the lines it spans, its text and parse."""

    file: str
    start: int
    end: int
    first_line: int
    last_line: int
    text: str  # line breaks read as spaces
    span: object  # the spaCy Span: entities, noun chunks, lemmas, dependencies
    paragraph: str  # the paragraph it is in, whitespace collapsed (one string shared by its sentences)
    section: str = ""  # the headings the paragraph sits under (qa/ingest/sections.py), "" for none


class SentenceIndex:
    """The stored parse of every document, looked up by file and offsets."""

    def __init__(self, docs: list):
        self._by_file: dict[str, list[Sentence]] = {}
        by_file: dict[str, list] = {}
        for doc in docs:
            by_file.setdefault(doc.user_data["file"], []).append(doc)
        for file, paragraphs in by_file.items():
            paragraphs.sort(key=lambda d: d.user_data["start"])
            for doc, path in zip(paragraphs, document_sections(paragraphs), strict=True):
                self._by_file.setdefault(file, []).extend(self._sentences(doc, heading_text(path)))
        for sentences in self._by_file.values():
            sentences.sort(key=lambda s: s.start)
        self._starts = {f: [s.start for s in ss] for f, ss in self._by_file.items()}

    @staticmethod
    def _sentences(doc, section: str) -> list[Sentence]:
        data = doc.user_data
        file, offset, first, breaks = data["file"], data["start"], data["first_line"], data["breaks"]
        paragraph = " ".join(doc.text.split())
        out = []
        for a, b, sent in sentence_offsets(doc):
            line = first + bisect.bisect_right(breaks, a - offset)
            last = first + bisect.bisect_right(breaks, b - 1 - offset)
            text = doc.text[a - offset : b - offset]
            out.append(Sentence(file, a, b, line, last, text, sent, paragraph, section))
        return out

    def within(self, file: str, start: int, end: int) -> list[Sentence]:
        """The sentences of `file` that overlap [start, end), in order."""
        sentences = self._by_file.get(file, [])
        i = max(0, bisect.bisect_right(self._starts.get(file, []), start) - 1)
        out = []
        while i < len(sentences) and sentences[i].start < end:
            if sentences[i].end > start:
                out.append(sentences[i])
            i += 1
        return out

    def span(self, file: str, start: int, end: int):
        """The parse of [start, end) of a file as a spaCy Span, when it lies in one sentence; else None."""
        found = self.within(file, start, end)
        if len(found) != 1:
            return None
        s = found[0]
        doc = s.span.doc
        base = doc.user_data["start"]
        moved = {b: a for a, b in rejoined_starts(doc).items()}
        return doc.char_span(moved.get(start - base, start - base), end - base, alignment_mode="expand")

    def paragraphs_before(self, paragraph, count: int) -> list:
        """Up to `count` stored paragraphs (Docs) of the same file before `paragraph`, nearest first;
        none for a Doc that is not a stored paragraph."""
        data = paragraph.user_data
        if "file" not in data:
            return []
        out: list = []
        for s in reversed(self.within(data["file"], 0, data["start"])):
            doc = s.span.doc
            if doc is not paragraph and (not out or doc is not out[-1]):
                out.append(doc)
                if len(out) == count:
                    break
        return out

    def line_of(self, sentence: Sentence, offset: int) -> int:
        """The line of a file offset inside `sentence`."""
        data = sentence.span.doc.user_data
        return data["first_line"] + bisect.bisect_right(data["breaks"], offset - data["start"])


def span_of(sentences: SentenceIndex, unit) -> object | None:
    """The stored parse of an evidence unit (anything with file, start and end), or None."""
    return sentences.span(unit.file, unit.start, unit.end)
