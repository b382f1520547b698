"""A small learned reader: which phrase of the evidence sentences answers the question.

Every named entity and noun chunk of the best few evidence sentences is a candidate. Each is
described by general features (its entity type against the kind of answer the question wants,
its distance from the question's words in the sentence, its syntactic role, whether it repeats
the question, the sentence's evidence score, ...) and scored by a logistic regression trained on
part of the development corpus (evals/train_reader.py; weights in reader_weights.json, checked by
sha256). The best candidate's probability is the answer's support: questions the evidence does
not answer get low ones, which is what abstention cuts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from qa.answer.logistic import Logistic, load_weights
from qa.answer.logistic import fit as fit_logistic
from qa.answer.question import QuestionAnalysis

WEIGHTS = Path(__file__).with_name("reader_weights.json")
# set by evals/train_reader.py when it writes the weights
WEIGHTS_SHA256 = "4666383dc350f086ce2bed4214002ca0b590f6c9cb31ae50798211c0e2a459ce"
MAX_PHRASE_TOKENS = 12
READ_UNITS = 4  # evidence units whose phrases are candidates
_ROLES = (
    "nsubj",
    "nsubjpass",
    "dobj",
    "pobj",
    "attr",
    "appos",
    "conj",
    "compound",
    "ROOT",
    "npadvmod",
    "dative",
)
_SKIP = ("the", "a", "an", "of", "and", "'s")


@dataclass(frozen=True)
class Candidate:
    """A phrase of one evidence sentence: character offsets in the sentence text, its features."""

    unit: int  # index of the evidence unit it is in
    start: int
    end: int
    text: str
    features: dict[str, float]


def candidates(question: QuestionAnalysis, sentence, unit: int, unit_score: float) -> list[Candidate]:
    """Every entity and noun chunk of a parsed sentence (a spaCy Span or Doc), with its features."""
    spans = {}
    for ent in sentence.ents:
        spans[(ent.start, ent.end)] = (ent, ent.label_)
    doc = sentence.doc if hasattr(sentence, "doc") else sentence
    if doc.has_annotation("DEP"):
        for chunk in doc.noun_chunks:
            if chunk.start >= sentence.start and chunk.end <= sentence.end and chunk.root.pos_ != "PRON":
                spans.setdefault((chunk.start, chunk.end), (chunk, "NP"))
    matched = [t.i for t in sentence if _lemma(t) in question.terms or t.lower_ in question.terms]
    base = sentence.start_char
    out = []
    for _, (span, label) in sorted(spans.items()):
        words = [t for t in span if not (t.is_punct or t.lower_ in _SKIP)]
        if not words or len(span) > MAX_PHRASE_TOKENS:
            continue
        features = _features(question, span, label, words, matched, unit, unit_score)
        out.append(Candidate(unit, span.start_char - base, span.end_char - base, _trim(span.text), features))
    return out


def unit_candidates(question: QuestionAnalysis, units, parse) -> list[Candidate]:
    """Candidates of the first READ_UNITS evidence units; `parse(unit)` gives a unit's spaCy Span."""
    found = []
    for n, unit in enumerate(units[:READ_UNITS]):
        found.extend(candidates(question, parse(unit), n, unit.score))
    return found


def _features(question, span, label, words, matched, unit, unit_score) -> dict[str, float]:
    asked = sum(1 for t in words if _lemma(t) in question.terms or t.lower_ in question.terms)
    outside = [i for i in matched if not span.start <= i < span.end]
    distance = min((abs(i - span.start) if i < span.start else i - span.end + 1 for i in outside), default=30)
    root = span.root
    role = root.dep_ if root.dep_ in _ROLES else "other"
    f = {
        "bias": 1.0,
        f"kind={question.answer_kind}|label={label}": 1.0,
        f"label={label}": 1.0,
        f"role={role}": 1.0,
        f"kind={question.answer_kind}|role={role}": 1.0,
        "asked_share": asked / len(words),
        "asked_all": float(asked == len(words)),
        "asked_none": float(asked == 0),
        "log_distance": math.log1p(distance),
        "no_match": float(not outside),
        "after_match": float(any(i < span.start for i in outside)),
        "head_asked": float(
            _lemma(root.head) in question.terms and root.head.i not in range(span.start, span.end)
        ),
        "focus_in": float(bool(question.focus) and any(_lemma(t) == question.focus for t in span)),
        "focus_head": float(bool(question.focus) and _lemma(root) == question.focus),
        f"length={min(len(words), 5)}": 1.0,
        "has_digit": float(any(c.isdigit() for c in span.text)),
        "capitalised": float(span.text[:1].isupper()),
        "unit_score": unit_score,
        f"unit_rank={min(unit, 3)}": 1.0,
        "sentence_matches": min(len(set(matched)), 8) / 8,
    }
    return f


def _lemma(token) -> str:
    return (token.lemma_ or token.text).lower()


def _trim(text: str) -> str:
    text = text.strip().strip(",;:")
    for lead in ("the ", "The ", "a ", "A ", "an ", "An "):
        if text.startswith(lead) and len(text) > len(lead):
            return text[len(lead) :]
    return text


class Reader(Logistic):
    """Logistic regression over candidate features: P(candidate is the answer)."""

    def best(self, found: list[Candidate]) -> tuple[Candidate, float] | None:
        """The most probable candidate and its probability; None without candidates."""
        if not found:
            return None
        scored = [(self.probability(c.features), -c.unit, c) for c in found]
        p, _, best = max(scored, key=lambda x: (x[0], x[1]))
        return best, p


def load_reader(path: str = str(WEIGHTS), sha256: str | None = None) -> Reader:
    """The trained reader; its weights file is checked against the sha256 it was written with."""
    expected = WEIGHTS_SHA256 if sha256 is None else sha256
    return Reader(*load_weights(path, expected, "evals.train_reader"))


def fit(rows: list[dict[str, float]], labels: list[int], l2: float = 1.0, steps: int = 400) -> Reader:
    model = fit_logistic(rows, labels, l2, steps)
    return Reader(model.weights, model.mean, model.scale)
