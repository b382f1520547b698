"""The short phrase of a supporting sentence that answers the question: "723 million yuan".

Candidates are the sentence's named entities of a type the question wants (a DATE for "when",
a MONEY or QUANTITY for "how much", ...), or, where any noun phrase may answer ("what/which X"),
its noun chunks and entities. A candidate that only repeats the question is no answer. Of the
rest, the one nearest the question's own words in the sentence wins: that is where the sentence
talks about what was asked. Where no phrase answers (why, how, yes/no), there is no short answer
and the sentence itself is the answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from qa.answer.question import QuestionAnalysis

_LEADING = ("the ", "a ", "an ")
MAX_PHRASE_WORDS = 12  # a longer "phrase" is a clause: the sentence answers better


@dataclass(frozen=True)
class Phrase:
    """A candidate: [start, end) in the sentence text, and its entity label ("" for a noun chunk)."""

    start: int
    end: int
    label: str = ""


def short_answer(question: QuestionAnalysis, sentence) -> str:
    """The phrase of a parsed sentence (a spaCy Span) that answers, or "" when none does.

    >>> import spacy; nlp = spacy.blank("en")
    >>> short_answer(QuestionAnalysis("Why?", "reason", (), frozenset()), nlp("Because it rained.")[:])
    ''
    """
    if not question.wants_phrase:
        return ""
    base, text, doc = sentence.start_char, sentence.text, sentence.doc
    entities = [Phrase(e.start_char - base, e.end_char - base, e.label_) for e in sentence.ents]
    chunks = []
    if doc.has_annotation("DEP"):
        inside = (c for c in doc.noun_chunks if c.start >= sentence.start and c.end <= sentence.end)
        chunks = [_with_of(c, base) for c in inside if c.root.pos_ not in ("PRON", "DET")]
    matches = [t.idx - base for t in sentence if question.asks(t)]
    return pick(question, text, entities, chunks, matches)


def pick(
    question: QuestionAnalysis, text: str, entities: list[Phrase], chunks: list[Phrase], matches: list[int]
) -> str:
    """The best candidate phrase's text ("" if none): of the wanted labels first, nearest `matches`
    (offsets of the question's words in `text`).

    >>> q = QuestionAnalysis("When did it open?", "date", ("DATE", "TIME"), frozenset({"open"}))
    >>> pick(q, "It opened in May 1990 in Paris.", [Phrase(13, 21, "DATE"), Phrase(25, 30, "GPE")], [], [3])
    'May 1990'
    """
    if question.labels:
        candidates = [p for p in entities if p.label in question.labels]
    else:
        candidates = entities + chunks
    candidates = [p for p in candidates if _adds(question, text[p.start : p.end])]
    if not candidates:
        return ""
    rank = {label: n for n, label in enumerate(question.labels)}

    def cost(p: Phrase) -> tuple[float, int, int]:
        outside = [m for m in matches if not p.start <= m < p.end]
        inside = len(matches) - len(outside)  # a phrase that holds the question's words restates it
        distance = min((_gap(p, m) for m in outside), default=0)
        return (distance + 8 * rank.get(p.label, 0) + 30 * inside, -(p.end - p.start), p.start)

    best = min(candidates, key=cost)
    return _trim(text[best.start : best.end])


def _with_of(chunk, base: int) -> Phrase:
    """A noun chunk with its "of" phrase: "analysis of algorithms", not "analysis"."""
    end = chunk.doc[of_phrase_end(chunk) - 1]
    return Phrase(chunk.start_char - base, max(chunk.end_char, end.idx + len(end)) - base)


def of_phrase_end(chunk) -> int:
    """The token offset where a noun chunk ends with its "of" phrase, if it has one."""
    doc = chunk.doc
    after = doc[chunk.end] if chunk.end < len(doc) else None
    if after is not None and after.lower_ == "of" and after.head == chunk.root:
        objects = [t for t in after.children if t.dep_ == "pobj"]
        if objects:
            return max(chunk.end, objects[0].right_edge.i + 1)
    return chunk.end


def _adds(question: QuestionAnalysis, phrase: str) -> bool:
    """Whether a phrase says something the question does not: not all of its words are the question's."""
    words = [w.strip(".,;:'\"()").lower() for w in phrase.split()]
    words = [w for w in words if w and w not in ("the", "a", "an", "of", "and")]
    if not words or len(words) > MAX_PHRASE_WORDS:
        return False
    asked = question.terms | {w.strip("?.,'\"").lower() for w in question.text.split()}
    return any(w not in asked for w in words)


def _gap(p: Phrase, offset: int) -> int:
    """Characters between a phrase and a matched question word (0 inside it)."""
    if offset < p.start:
        return p.start - offset
    if offset >= p.end:
        return offset - p.end + 1
    return 0


def _trim(phrase: str) -> str:
    """A phrase as it reads: spaces collapsed (justified text pads them), edge punctuation and a
    leading article dropped.

    >>> _trim("the  GNU   readline  library,")
    'GNU readline library'
    """
    phrase = " ".join(phrase.split()).strip(",;:")
    lower = phrase.lower()
    for lead in _LEADING:
        if lower.startswith(lead) and len(phrase) > len(lead):
            return phrase[len(lead) :]
    return phrase
