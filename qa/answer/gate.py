"""Which evidence sentences may answer a question: a learned, calibrated answerability score.

Each evidence unit is described by general features: how much of the question it covers (by
idf-weighted words, by lemmas, by embedding similarity), whether the question's names, years
and numbers are in it, in its paragraph or in its document (names matched loosely, so a
misspelt or inflected name in a question is not a mismatch by itself), whether it holds a phrase
of the kind the question wants, and its rank. A logistic regression trained on part of the
development corpus (evals/train_gate.py; weights in gate_weights.json, checked by sha256) turns
them into P(the unit holds the answer). Units at or over the threshold may answer; the best
probability is the answer's support, so the answer/abstain trade-off is one calibrated number.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Container
from dataclasses import dataclass
from pathlib import Path

from qa.answer.evidence import Evidence, coverage
from qa.answer.logistic import Logistic, load_weights
from qa.answer.mismatch import (
    FIGURE_LABELS,
    loosely_in,
    points_back,
    question_terms,
    states_new,
    unit_mismatch,
)
from qa.answer.question import MONTH_NAMES, NAME_LABELS, YEAR, QuestionAnalysis, lemma
from qa.retrieval.lexical import tokenize

WEIGHTS = Path(__file__).with_name("gate_weights.json")
# set by evals/train_gate.py when it writes the weights
WEIGHTS_SHA256 = "9809f6a6899887ed2d0cf789d59ea8da551287a954d6abde474a43ba32b35a32"
# Units at or over this P(answer) may answer. Chosen on the dev halves' trade-off curves (qa eval
# --curve, QA_MIN_SUPPORT=0): the highest threshold keeping false abstentions on the SQuAD dev half
# within 5%; higher ones abstain on more unanswerable questions but refuse answerable ones fast.
GATE_THRESHOLD = 0.05


def load_gate(path: str = str(WEIGHTS), sha256: str | None = None) -> Logistic:
    """The trained gate; its weights file is checked against the sha256 it was written with."""
    expected = WEIGHTS_SHA256 if sha256 is None else sha256
    return Logistic(*load_weights(path, expected, "evals.train_gate"))


def matched_share(names: frozenset[str], tokens: set[str] | frozenset[str]) -> float:
    """Share of the names found among the tokens, loosely (see mismatch.loosely_in); 1.0 without names."""
    if not names:
        return 1.0
    return sum(1 for n in names if loosely_in(n, tokens)) / len(names)


@dataclass(frozen=True)
class Asked:
    """What the gate reads of one question, worked out once for all its evidence units."""

    analysis: QuestionAnalysis
    tokens: tuple[str, ...]  # the question's lexical tokens, in order
    terms: dict[str, set[str]]  # names (from the parse), years, numbers, other words: mismatch.question_terms
    generic: frozenset[str] = frozenset()  # names on most lines of the corpus: they constrain nothing

    @classmethod
    def of(cls, question: QuestionAnalysis, generic: frozenset[str] = frozenset()) -> Asked:
        """`generic`: the corpus's common terms (as the keyword check gets), e.g. the country."""
        text = question.text
        terms = question_terms(text, generic, question.names)
        return cls(question, tuple(tokenize(text)), terms, generic)


def contradicts(
    asked: Asked,
    unit: Evidence,
    parse,
    document: frozenset[str],
    vocabulary: Container[str] = frozenset(),
) -> bool:
    """Whether a unit cannot answer because it is about something else (see mismatch.unit_mismatch,
    the keyword check's test, with the question's names from its parse less the corpus's common
    ones, and whether the unit names anything of its own, and so may take its subject from its
    paragraph or, naming nobody, its document, from the unit's parse), or because the question asks
    how many or how much and the unit states no figure the question does not.
    """
    names = _names_something(parse, unit.text)
    paragraph = unit.context or unit.text
    if unit_mismatch(
        asked.terms,
        unit.text,
        paragraph,
        document,
        asked.generic,
        vocabulary=vocabulary,
        unit_names=names,
        line_names=_names_somebody(parse, asked.generic),
        headings=unit.section,
    ):
        return True
    return asked.analysis.answer_kind in NUMBER_KINDS and not _states_a_figure(
        parse, unit.text, set(asked.tokens)
    )


# Kinds of question only a figure answers: "how many", "how much", "what percentage"
NUMBER_KINDS = frozenset({"count", "amount", "percent", "money", "quantity"})


def _states_a_figure(parse, text: str, q_tokens: set[str]) -> bool:
    """Whether the unit states a figure the question does not: a number, or a figure entity."""
    if any(t[0].isdigit() for t in set(tokenize(text)) - q_tokens):
        return True
    return states_new(parse, FIGURE_LABELS, q_tokens)


def _names_something(parse, text: str) -> bool:
    if _tagged(parse):
        return any(e.label_ in NAME_LABELS for e in parse.ents) or any(t.pos_ == "PROPN" for t in parse)
    return any(w[:1].isupper() for w in text.split()[1:])


def _tagged(parse) -> bool:
    return parse is not None and (parse.doc.has_annotation("ENT_IOB") or parse.doc.has_annotation("TAG"))


def _names_somebody(parse, generic: frozenset[str]) -> bool | None:
    """Whether a unit's parse names a person, place or body other than the corpus's `generic`
    names and months (see mismatch.names_somebody); None for an untagged parse or none: then the
    paragraph's capitalised words decide. A unit that names nobody is a clause or an aside whose
    subject may be anywhere in its document; one that names somebody keeps to its paragraph."""
    if not _tagged(parse):
        return None
    words = [t.text for t in parse if t.ent_type_ in NAME_LABELS or (t.pos_ == "PROPN" and not t.ent_type_)]
    return bool(set(tokenize(" ".join(words))) - generic - MONTH_NAMES)


def unit_features(
    asked: Asked,
    unit: Evidence,
    rank: int,
    best_score: float,
    parse,
    idf: dict[str, float],
    document: frozenset[str],
) -> dict[str, float]:
    """The features of one evidence unit for one question (see the module docstring)."""
    question, q_tokens = asked.analysis, asked.tokens
    q_set = set(q_tokens)
    own = set(tokenize(unit.text))
    paragraph = set(tokenize(unit.context)) | own if unit.context else own
    years, numbers = asked.terms["years"], asked.terms["numbers"]
    names = frozenset(asked.terms["names"])  # less the corpus's common names
    unit_years = set(YEAR.findall(unit.text))
    lemmas = {lemma(t) for t in parse} if parse is not None else set()
    lemmas |= {t.lower_ for t in parse} if parse is not None else set()
    new_typed = _new_typed(question, parse, q_set)
    new_words = own - q_set
    f = {
        "bias": 1.0,
        "own_coverage": coverage(q_tokens, own, idf),
        "paragraph_coverage": coverage(q_tokens, paragraph, idf),
        "lemma_coverage": len(question.terms & lemmas) / len(question.terms) if question.terms else 0.0,
        "similarity": unit.similarity,
        "relative_score": unit.score / best_score if best_score > 0 else 0.0,
        f"rank={min(rank, 3)}": 1.0,
        "has_names": float(bool(names)),
        "names_in_unit": matched_share(names, own),
        "names_in_paragraph": matched_share(names, paragraph),
        "names_in_document": matched_share(names, document | paragraph),
        "names_missing_everywhere": float(matched_share(names, document | paragraph) < 1.0),
        "points_back": float(points_back(unit.text)),
        "asks_year": float(bool(years)),
        "year_in_paragraph": float(bool(years) and years <= paragraph),
        "year_contradicted": float(bool(years) and bool(unit_years) and not years & unit_years),
        "numbers_missing": float(bool(numbers - paragraph)),
        "typed": float(bool(question.labels)),
        "typed_found": float(new_typed),
        "typed_missing": float(bool(question.labels) and not new_typed),
        f"kind={question.answer_kind}": 1.0,
        "new_number": float(any(t[0].isdigit() for t in new_words)),
        "log_new_words": math.log1p(len(new_words)),
        "log_length": math.log1p(len(own)),
    }
    return f


def _new_typed(question: QuestionAnalysis, parse, q_tokens: set[str]) -> bool:
    """Whether the unit holds an entity of a label the question wants that the question does not."""
    if parse is None or not question.labels:
        return False
    return any(ent.label_ in question.labels and set(tokenize(ent.text)) - q_tokens for ent in parse.ents)


def scored_units(
    question: QuestionAnalysis,
    evidence: list[Evidence],
    parse: Callable[[Evidence], object],
    idf: dict[str, float],
    file_tokens: dict[str, frozenset[str]],
    gate: Logistic,
    generic: frozenset[str] = frozenset(),
) -> list[tuple[float, Evidence]]:
    """(P(unit answers), unit) for every evidence unit that does not contradict the question (see
    contradicts), in evidence order. `generic`: names on most lines of the corpus (they constrain nothing)."""
    best = max((e.score for e in evidence), default=0.0)
    asked = Asked.of(question, generic)
    out = []
    for rank, e in enumerate(evidence):
        document = file_tokens.get(e.file, frozenset())
        parsed = parse(e)
        if not contradicts(asked, e, parsed, document, idf):
            out.append((gate.probability(unit_features(asked, e, rank, best, parsed, idf, document)), e))
    return out
