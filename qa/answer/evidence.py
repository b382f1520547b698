"""Picking the few sentences (or clauses) of the retrieved chunks that answer a question.

Small generators do far better with four short, numbered statements than with
whole passages, and each statement maps to exactly one source line.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import numpy as np

from qa.answer.question import asks_reason
from qa.ingest.analysis import SentenceIndex
from qa.records import Hit
from qa.retrieval.embedding import Embedder
from qa.retrieval.lexical import tokenize

log = logging.getLogger(__name__)

LONG_SENTENCE_CHARS = 220  # longer sentences are cut at semicolons into clauses
LEXICAL_WEIGHT = 0.6  # the rest is embedding similarity; names and numbers are lexical
# Text that speaks to the assistant rather than about the world. Documents are data: such a
# sentence is never evidence, so it never reaches the prompt or an extractive answer.
_ADDRESSED_TO_MODEL = re.compile(
    r"\b(ignore|disregard|forget)\b.{0,40}\b(instructions?|prompts?|rules|above|previous)\b"
    r"|\b(system prompt|you are now|as an ai|answer every question|respond only with|reply only with)\b",
    re.I,
)
_CONNECTORS = frozenset({"of", "the", "and", "for"})
_CAUSAL = re.compile(r"\b(because|reasons?|due to|as a result|caused by|owing to)\b", re.I)
CAUSE_BONUS = 0.15


@dataclass(frozen=True)
class Evidence:
    """A sentence or clause of one source file, scored against the question.

    It starts on `line` and ends on `last_line` (0: the same line); a sentence of hard-wrapped
    text or a PDF may run over several lines, and its text reads the line breaks as spaces.
    """

    file: str
    line: int
    start: int  # offsets in the file text
    end: int
    text: str
    score: float
    coverage: float  # idf-weighted share of the question's terms in the unit (70%) and its line (30%)
    hit_rank: int  # rank of the chunk it came from
    last_line: int = 0
    # The paragraph the unit is in, line breaks read as spaces ("" when unknown): a clause's subject
    # is often earlier in it. In one-paragraph-per-line text it is the unit's line.
    context: str = ""
    similarity: float = 0.0  # cosine of the question's and the unit's embeddings (0 without an embedder)
    # The headings the unit's paragraph sits under ("" for none): they name its subject, as "POSIXLY_CORRECT"
    # over "This is the same as the -s option." (qa/ingest/sections.py)
    section: str = ""

    @property
    def lines(self) -> range:
        """The source lines the unit spans."""
        return range(self.line, max(self.line, self.last_line) + 1)


def units(hit: Hit, sentences: SentenceIndex) -> list[tuple[int, int, int, int, str, str, str]]:
    """(first line, last line, start, end, text, paragraph, section headings) of every sentence of a
    chunk; long ones cut at "; "."""
    chunk = hit.chunk
    out = []
    for s in sentences.within(chunk.file, chunk.start, chunk.end):
        pieces = [(0, len(s.text))]
        if len(s.text) > LONG_SENTENCE_CHARS:
            cuts = [m.end() for m in re.finditer(r";\s*", s.text)]
            bounds = [0, *cuts, len(s.text)]
            pieces = [(x, y) for x, y in zip(bounds, bounds[1:], strict=False) if s.text[x:y].strip(" ;")]
        for x, y in pieces:
            raw = s.text[x:y].rstrip("; ")
            lead = len(raw) - len(raw.lstrip())
            a, b = s.start + x + lead, s.start + x + len(raw)
            first = s.first_line if x == 0 else sentences.line_of(s, a)
            last = s.last_line if y == len(s.text) else sentences.line_of(s, b - 1)
            out.append((first, last, a, b, " ".join(raw.split()), s.paragraph, s.section))
    return out


def paragraph_of(unit: Evidence, line_text: dict[tuple[str, int], str]) -> str:
    """The paragraph a unit is in; its line where the paragraph is not known."""
    return unit.context or line_text.get((unit.file, unit.line), unit.text)


def paragraph_units(hits: list[Hit], file: str, line: int, sentences: SentenceIndex) -> list[Evidence]:
    """Every unit of the paragraph(s) holding one source line, found in the hits, in reading order
    (scores left at 0). An enumeration runs over several lines of hard-wrapped text; in
    one-paragraph-per-line text these are the units of that line."""
    found: dict[int, Evidence] = {}
    for hit in hits:
        if hit.chunk.file == file:
            for first, last, start, end, text, paragraph, section in units(hit, sentences):
                if not _ADDRESSED_TO_MODEL.search(text):
                    unit = Evidence(
                        file, first, start, end, text, 0.0, 0.0, hit.rank, last, paragraph, section=section
                    )
                    found.setdefault(start, unit)
    held = {u.context for u in found.values() if u.line <= line <= max(u.line, u.last_line)}
    return [found[start] for start in sorted(found) if found[start].context in held]


def acronyms(text: str) -> set[str]:
    """Initials of every run of capitalised words ("of" and "the" may sit inside a run), lower-cased.

    >>> "cpc" in acronyms("the Central Committee of the Communist Party of China said")
    True
    """
    out = set()
    for run in re.findall(r"[A-Z][\w'-]*(?:\s+(?:(?:of|the|and|for)\s+)*[A-Z][\w'-]*)*", text):
        initials = [w[0].lower() for w in run.split() if w not in _CONNECTORS]
        for i in range(len(initials)):
            for j in range(i + 2, len(initials) + 1):
                out.add("".join(initials[i:j]))
    return out


def coverage(question_terms: list[str], text_terms: set[str], idf: dict[str, float]) -> float:
    """Share of the question's terms (weighted by idf) that occur in the text."""
    weights = {t: idf.get(t, 1.0) for t in question_terms}
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in text_terms) / total if total else 0.0


def select_evidence(
    question: str,
    hits: list[Hit],
    embedder: Embedder | None,
    idf: dict[str, float],
    line_text: dict[tuple[str, int], str],
    sentences: SentenceIndex,
    n: int = 4,
    headings: bool = True,
) -> list[Evidence]:
    """The n best evidence units from the hits, best first.

    line_text maps (file, line) to the line's text, so coverage is judged on the
    whole line (a clause's subject is often earlier on its line). With `headings` off (the
    "headings" switch), the section headings above a unit count for nothing.
    """
    seen = set()
    candidates = []
    for hit in hits:
        for line, last, start, end, text, paragraph, section in units(hit, sentences):
            if _ADDRESSED_TO_MODEL.search(text):
                log.warning("ignored an instruction-like sentence in %s line %d", hit.chunk.file, line)
                continue
            if (hit.chunk.file, start) not in seen:
                seen.add((hit.chunk.file, start))
                candidates.append((hit, line, last, start, end, text, paragraph, section if headings else ""))
    if not candidates:
        return []
    q_terms = tokenize(question)
    why = asks_reason(question)  # answered by a sentence that gives a reason, whatever its other words
    dense = np.zeros(len(candidates), dtype=np.float32)
    if embedder is not None:
        vectors = embedder.embed([question] + [c[5] for c in candidates])
        dense = vectors[1:] @ vectors[0]
    scored = []
    for (hit, line, last, start, end, text, paragraph, section), cos in zip(candidates, dense, strict=True):
        own = coverage(q_terms, set(tokenize(text)), idf)
        # a clause's subject is often earlier in its paragraph, or in the headings above it
        full = f"{section} {paragraph or text}"
        line_cov = coverage(q_terms, set(tokenize(full)), idf)
        lexical = 0.7 * own + 0.3 * line_cov
        cause = CAUSE_BONUS if why and _CAUSAL.search(text) else 0.0
        score = LEXICAL_WEIGHT * (lexical + cause) + (1 - LEXICAL_WEIGHT) * float(cos) + 0.02 / hit.rank
        scored.append(
            Evidence(
                hit.chunk.file,
                line,
                start,
                end,
                text,
                score,
                lexical,
                hit.rank,
                last,
                paragraph,
                float(cos),
                section,
            )
        )
    scored.sort(key=lambda e: -e.score)
    return scored[:n]
