"""Citations of an answer: every source line of the units it quotes, PDF page and line included, and the
words of an abstention, which name the closest line."""

from __future__ import annotations

from collections.abc import Callable

from qa.answer.evidence import Evidence
from qa.ingest.chunking import MAX_SENTENCE_CHARS
from qa.records import Citation

PageOf = Callable[[str, int], tuple[int, int] | None]  # (file, line) -> (page, line on page) in a PDF


def _no_pages(file: str, line: int) -> None:
    return None


def citation(file: str, line: int, text: str, page_of: PageOf = _no_pages) -> Citation:
    page, page_line = page_of(file, line) or (None, None)
    return Citation(file, line, text, page, page_line)


def cite(
    evidence: list[Evidence],
    lines: dict[tuple[str, int], str],
    page_of: PageOf = _no_pages,
    first: tuple[tuple[str, int], ...] = (),
) -> tuple[Citation, ...]:
    """One citation per distinct cited line, in order of first use: the `first` lines, (file, line)
    that the answer's short phrase is taken from (a heading), then the lines of the evidence.

    A line too long to quote (a huge single-line file) is quoted by its cited sentence instead.
    """
    seen = {}
    for file, number in first:
        if (file, number) in lines:
            seen[file, number] = citation(file, number, lines[file, number], page_of)
    for e in evidence:
        for number in e.lines:  # a sentence over a line break cites every line it is on
            if (e.file, number) not in seen:
                line = lines.get((e.file, number), e.text)
                quote = line if len(line) <= MAX_SENTENCE_CHARS else e.text
                seen[e.file, number] = citation(e.file, number, quote, page_of)
    return tuple(seen.values())


def abstain_text(reason: str, evidence: list[Evidence], page_of: PageOf = _no_pages) -> str:
    text = f"The articles don't say: {reason}."
    if evidence:
        best = evidence[0]
        where = page_of(best.file, best.line)
        line = f"page {where[0]}, line {where[1]}" if where else f"line {best.line}"
        text += f' The closest they come is "{best.text}" ({best.file}, {line}).'
    return text
