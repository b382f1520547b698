"""Plain data types that cross module boundaries.

Line numbers are 1-based and inclusive everywhere; character offsets are
0-based, end-exclusive offsets into the decoded text of the file. In a PDF the
pages are joined into one text, so `line` counts through the whole file, and
`page`/`page_line` say where that line is on paper (None for other files).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Chunk:
    """A retrievable piece of one file: whole sentences from one or more lines."""

    id: str  # "<file>#<n>", stable for a given file text and chunking settings
    file: str  # file name relative to the corpus folder, e.g. "001_x.txt"
    first_line: int
    last_line: int
    start: int  # offset of the first character in the file text
    end: int  # offset one past the last character
    text: str  # == file_text[start:end]
    page: int | None = None  # PDFs: page of first_line
    page_line: int | None = None  # PDFs: line of first_line on that page
    heading: str = ""  # the section headings the chunk sits under (qa/ingest/sections.py)
    # The text as it reads where a word hyphenated across a line break is rejoined in it ("re-" /
    # "tained": "retained"), the same length as `text`; "" where it reads as it is written.
    reading: str = ""

    @property
    def search_text(self) -> str:
        """What retrieval matches: the text as it reads, under its headings (a manual's "AUTHOR"
        names what the line below it is)."""
        text = self.reading or self.text
        return f"{self.heading}\n{text}" if self.heading else text

    @property
    def location(self) -> str:
        """Where the chunk starts, for people: "a.txt:3-5", or "r.pdf p.3 line 12" in a PDF."""
        if self.page is None:
            span = str(self.first_line)
            if self.last_line != self.first_line:
                span += f"-{self.last_line}"
            return f"{self.file}:{span}"
        more = self.last_line - self.first_line
        return f"{self.file} p.{self.page} line {self.page_line}" + (f" (+{more} lines)" if more else "")


@dataclass(frozen=True)
class Hit:
    """One retrieved chunk; rank 1 is the best.

    `score` orders the hits of one search: the cosine similarity in dense mode, the BM25 score in
    bm25 mode, and in hybrid mode the weighted reciprocal-rank fusion of both, which only ranks.
    `dense` (cosine similarity of the question and chunk vectors, -1 to 1) and `bm25` (Okapi BM25,
    0 and up, grows with the query's rare words) are the scores a caller can threshold; each is None
    when that ranking did not score the chunk (another mode, or beyond the candidates it fetched).
    """

    chunk: Chunk
    score: float
    rank: int
    dense: float | None = None
    bm25: float | None = None

    def to_dict(self) -> dict:
        """The JSON shape of a retrieved passage (`qa search --json`, the /search endpoint)."""
        return {
            "rank": self.rank,
            "file": self.chunk.file,
            "lines": [self.chunk.first_line, self.chunk.last_line],
            "score": round(self.score, 6),
            "text": self.chunk.text,
            **_page_fields(self.chunk.page, self.chunk.page_line),
            **{k: round(v, 6) for k, v in (("dense", self.dense), ("bm25", self.bm25)) if v is not None},
        }


@dataclass(frozen=True)
class Citation:
    """A source line that supports (part of) an answer."""

    file: str
    line: int
    text: str  # the whole line, stripped
    page: int | None = None  # PDFs: the page the line is on
    page_line: int | None = None  # PDFs: the line's number on that page

    @property
    def location(self) -> str:
        """ "a.txt:12", or "report.pdf p.3 line 12" for a line of a PDF."""
        if self.page is None:
            return f"{self.file}:{self.line}"
        return f"{self.file} p.{self.page} line {self.page_line}"

    def to_dict(self) -> dict:
        """{"file", "line", "text"}, plus "page" and "page_line" for a PDF."""
        location = _page_fields(self.page, self.page_line)
        return {"file": self.file, "line": self.line, "text": self.text, **location}


@dataclass(frozen=True)
class Answer:
    """What the pipeline says to one question."""

    question: str
    text: str
    abstained: bool
    citations: tuple[Citation, ...]
    hits: tuple[Hit, ...]
    timings_ms: dict[str, float] = field(default_factory=dict)
    standalone_question: str = ""  # the question after follow-up resolution
    method: str = ""  # "generated", "extractive" or "abstained": how the text was made
    # The phrase that answers ("723 million yuan"), when one does; "" for why/how/list answers
    # and abstentions, where `text` (the supporting sentence) is the answer.
    short_answer: str = ""
    # How well the quoted evidence supports answering, in [0, 1]: the best answering sentence's
    # blend of question-term coverage and meaning (qa/answer/support.py). Below
    # Settings.min_support the pipeline abstains. None where nothing was scored.
    support: float | None = None
    # Who the sentence the answer is taken from reports, as the text names them ("Mayor Ana Ruiz",
    # "the harbour office"; qa/answer/attribution.py): the answer is their opinion or statement, and
    # is shown "According to …". "" when the answer is stated as fact, and for abstentions.
    speaker: str = ""

    def to_dict(self, id: str | None = None) -> dict:
        """The JSON shape of `qa ask --json`."""
        out: dict = {} if id is None else {"id": id}
        out.update(
            question=self.question,
            answer=self.text,
            short_answer=self.short_answer,
            speaker=self.speaker,
            support=None if self.support is None else round(self.support, 4),
            abstained=self.abstained,
            citations=[c.to_dict() for c in self.citations],
            passages=[{k: v for k, v in h.to_dict().items() if k != "rank"} for h in self.hits],
            timings_ms={k: round(v, 1) for k, v in self.timings_ms.items()},
            method=self.method,
        )
        if self.standalone_question and self.standalone_question != self.question:
            out["standalone_question"] = self.standalone_question
        return out


def _page_fields(page: int | None, page_line: int | None) -> dict:
    """JSON keys for a PDF location; none at all for other files, so their shape stays as it was."""
    return {} if page is None else {"page": page, "page_line": page_line}
