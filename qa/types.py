"""Plain data types that cross module boundaries.

Line numbers are 1-based and inclusive everywhere; character offsets are
0-based, end-exclusive offsets into the decoded text of the file.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


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


@dataclass(frozen=True)
class Hit:
    """One retrieved chunk; rank 1 is the best."""

    chunk: Chunk
    score: float
    rank: int

    def to_dict(self) -> dict:
        """The JSON shape of a retrieved passage (`qa search --json`, the /search endpoint)."""
        return {
            "rank": self.rank,
            "file": self.chunk.file,
            "lines": [self.chunk.first_line, self.chunk.last_line],
            "score": round(self.score, 6),
            "text": self.chunk.text,
        }


@dataclass(frozen=True)
class Citation:
    """A source line that supports (part of) an answer."""

    file: str
    line: int
    text: str  # the whole line, stripped


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

    def to_dict(self, id: str | None = None) -> dict:
        """The JSON shape of `qa ask --json`."""
        out: dict = {} if id is None else {"id": id}
        out.update(
            question=self.question,
            answer=self.text,
            abstained=self.abstained,
            citations=[asdict(c) for c in self.citations],
            passages=[{k: v for k, v in h.to_dict().items() if k != "rank"} for h in self.hits],
            timings_ms={k: round(v, 1) for k, v in self.timings_ms.items()},
            method=self.method,
        )
        if self.standalone_question and self.standalone_question != self.question:
            out["standalone_question"] = self.standalone_question
        return out
