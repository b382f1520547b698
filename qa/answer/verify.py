"""Checking a generated answer against the lines it cites, and deciding to abstain.

A claim survives only when every number (with thousands separators ignored) and
every capitalised name in it occurs on a cited line, and most of its words do.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass

from qa.answer.arithmetic import explain, figures, is_number, value
from qa.answer.evidence import Evidence, paragraph_of
from qa.answer.extractive import REPORTING, has_percentage, new_answer_tokens
from qa.answer.mismatch import (
    DATE_LABELS,
    FIGURE_LABELS,
    NEGATION,
    loosely_in,
    question_terms,
    states_new,
    unit_mismatch,
)
from qa.answer.question import QuestionAnalysis, answer_kind, counts_asked_noun, key_terms, wants_percentage
from qa.retrieval.lexical import tokenize

_CITE = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
MIN_WORD_SUPPORT = 0.5  # share of a claim's content words that must be on its cited lines
# Swept on the dev halves of the four eval corpora (0.25-0.40): 0.30 would answer 2 more SQuAD and 1 more
# PDF question but miss 5 SQuAD and 1 seeds abstentions; 0.40 refuses 6 more SQuAD answers.
MIN_COVERAGE = 0.35
RELEVANT_SHARE = 0.8  # a claim must cite a unit scoring at least this share of the best unit


@dataclass(frozen=True)
class Claim:
    text: str  # without citation markers
    sources: tuple[Evidence, ...]


def split_claims(answer: str) -> list[tuple[str, list[int]]]:
    """Answer sentences with the evidence numbers they cite.

    >>> split_claims("It rose to 5 yuan [2]. It fell [1, 3].")
    [('It rose to 5 yuan.', [2]), ('It fell.', [1, 3])]
    """
    out = []
    for sentence in _SENTENCE.split(answer.strip()):
        refs = [int(n) for m in _CITE.finditer(sentence) for n in m.group(1).split(",")]
        text = _CITE.sub("", sentence).strip()
        text = re.sub(r"\s+([.,;!?])", r"\1", text)
        if text:
            out.append((text, refs))
    return out


def numbers(text: str) -> set[str]:
    """
    >>> sorted(numbers("16,687 institutions, 80% and 2.816 million"))
    ['16687', '2.816', '80']
    """
    return {m.replace(",", "") for m in _NUMBER.findall(text)}


def supports(claim: str, unit: str, line: str | None = None) -> bool:
    """Whether an evidence unit backs every number and name of a claim, and its line most of its words.

    Names may come from elsewhere on the line only when the unit names nobody itself:
    in a list of provinces, a claim about one must rest on that province's clause.
    """
    line = line or unit
    if not numbers(claim) <= numbers(unit):
        return False
    line_tokens = set(tokenize(line))
    unit_tokens = set(tokenize(unit))
    names = key_terms("x " + claim)["names"]  # "x": a claim's first word may be a name
    allowed = unit_tokens if key_terms("x " + unit)["names"] else line_tokens
    if not names <= allowed:
        return False
    words = [t for t in tokenize(claim) if not t[0].isdigit()]
    return not words or sum(t in line_tokens for t in words) / len(words) >= MIN_WORD_SUPPORT


def verify_answer(
    answer: str, evidence: list[Evidence], line_text: dict[tuple[str, int], str]
) -> list[Claim]:
    """Claims of the answer that survive, each attributed to the evidence that supports it.

    A claim citing the wrong number is re-attributed to the evidence line that does
    support it; a claim nothing supports is dropped; so is one whose support is much
    weaker evidence than the best (a true statement that answers another question).
    """
    if not evidence:
        return []
    best = evidence[0].score
    claims = []
    for text, refs in split_claims(answer):
        cited = [evidence[r - 1] for r in refs if 1 <= r <= len(evidence)]
        ok = [e for e in cited if supports(text, e.text, paragraph_of(e, line_text))]
        if not ok:
            ok = [e for e in evidence if supports(text, e.text, paragraph_of(e, line_text))][:1]
        ok = [e for e in ok if e.score >= RELEVANT_SHARE * best]
        if ok:
            claims.append(Claim(text, tuple(ok)))
            continue
        derived = derive(text, cited + [e for e in evidence if e.score >= RELEVANT_SHARE * best], line_text)
        if derived:
            claims.append(derived)
    return claims


def derive(text: str, evidence: list[Evidence], line_text: dict[tuple[str, int], str]) -> Claim | None:
    """A claim whose one unsupported number is the sum or difference of two figures of the evidence,
    labelled as derived and citing both ("10 percentage points" from 80% and 70%); else None.

    >>> ev = [Evidence("a.txt", 7, 0, 48, "Employees are reimbursed 80% and residents 70%.", 1.0, 1.0, 1)]
    >>> derive("Employees are reimbursed 10 percentage points more than residents.", ev, {}).text
    'Employees are reimbursed 10 percentage points more than residents (derived: 80% - 70% = 10).'
    >>> derive("Employees are reimbursed 12 points more than residents.", ev, {}) is None
    True
    """
    units = list(dict.fromkeys(evidence))
    unknown = numbers(text) - set().union(*(numbers(e.text) for e in units))
    if len(unknown) != 1:
        return None
    number = unknown.pop()
    if not is_number(number):
        return None
    working = explain(value(number), [(f, e) for e in units for f in figures(e.text)])
    if working is None:
        return None
    a, op, b, sources = working
    support = " ".join(f"{e.text} {paragraph_of(e, line_text)}" for e in sources)
    if not supports(_NUMBER.sub(" ", text), support):  # the rest of the claim must still be on the lines
        return None
    return Claim(f"{text.rstrip('.')} (derived: {a} {op} {b} = {number}).", sources)


def answering_units(
    question: str,
    evidence: list[Evidence],
    line_text: dict[tuple[str, int], str],
    generic: frozenset[str] = frozenset(),
    documents: dict[str, frozenset[str]] | None = None,
    vocabulary: Container[str] = frozenset(),
    parse: Callable[[Evidence], object] | None = None,
    asks: QuestionAnalysis | None = None,
    antonyms: bool = True,
) -> list[Evidence]:
    """The evidence units that may answer the question, best first.

    A unit must match the question's names, years and numbers (see unit_mismatch),
    cover at least MIN_COVERAGE of its terms, and, when the question asks how many
    or when, hold a number or date the question does not already give (in its words, or
    as a figure or date entity of its `parse`, a unit -> spaCy Span). `generic`
    names (found in nearly every document, like the country) constrain nothing. `asks`, the
    question's parse, must agree before a number or date is required (see value_kind). With
    `antonyms` off, a WordNet antonym of an asked word contradicts nothing (mismatch.question_terms).
    """
    terms = question_terms(question, generic, antonyms=antonyms)
    kind = value_kind(question, asks)
    percentage = kind == "number" and wants_percentage(question)
    q_terms = tokenize(question)
    q_tokens = set(q_terms)
    # "How many provinces …": a unit that counts provinces comes first; then units that state
    # the question's year themselves, before those that only do not contradict it.
    evidence = sorted(
        evidence,
        key=lambda e: (not counts_asked_noun(question, e.text), not terms["years"] <= set(tokenize(e.text))),
    )
    return [
        e
        for e in evidence
        if question_coverage(q_terms, e, line_text, vocabulary if isinstance(vocabulary, Mapping) else {})
        >= MIN_COVERAGE
        and (kind not in _VALUE_LABELS or _states_value(kind, e, q_tokens, parse))
        and (not percentage or has_percentage(e.text))
        and not _mismatch(terms, e, line_text, generic, documents, vocabulary)
    ]


def question_coverage(
    q_terms: list[str], unit: Evidence, line_text: dict[tuple[str, int], str], idf: Mapping[str, float]
) -> float:
    """The unit's coverage of the question's terms (Evidence.coverage), with the words the corpus
    never uses (not in `idf`) read loosely: a misspelt word counts where a close one is
    ("mathmatical" for "mathematical", see mismatch.close), and one close to nothing counts for
    nothing, so that an unknown word alone cannot refuse every unit."""
    unseen = {t for t in q_terms if t not in idf}
    if not unseen or not idf:
        return unit.coverage
    own = set(tokenize(unit.text))
    paragraph = set(tokenize(paragraph_of(unit, line_text))) | own
    kept = [t for t in q_terms if t not in unseen or loosely_in(t, paragraph)]

    def share(tokens: set[str]) -> float:
        weights = {t: idf.get(t, 1.0) for t in kept}
        found = sum(w for t, w in weights.items() if t in tokens or (t in unseen and loosely_in(t, tokens)))
        return found / sum(weights.values()) if weights else 0.0

    return 0.7 * share(own) + 0.3 * share(paragraph)


_VALUE_LABELS = {"number": FIGURE_LABELS, "date": DATE_LABELS}
# The parse's answer kinds (question.KIND_LABELS) that agree with a keyword kind
_PARSE_KINDS = {
    "number": frozenset({"count", "amount", "quantity", "percent", "money", "duration"}),
    "date": frozenset({"date", "duration"}),
}
# "What was the payment standard?": nouns the keyword patterns read as asking a figure
FIGURE_NOUNS = frozenset(
    "amount figure number percentage percent proportion rate ratio share standard".split()
)


def value_kind(question: str, analysis: QuestionAnalysis | None) -> str:
    """The keyword kind of answer (question.answer_kind), unless the question's parse says it asks
    for something else: "When a cell is infected, what does it release?" asks no date (its "when"
    opens a clause), "Who was a leading figure?" no number, nor "What did the standard model
    predict?"; "What is the payment standard?" (a thing whose noun names a figure) still does."""
    kind = answer_kind(question)
    if analysis is None or kind not in _VALUE_LABELS or analysis.answer_kind in _PARSE_KINDS[kind]:
        return kind
    if kind == "number" and analysis.answer_kind == "thing" and analysis.focus in FIGURE_NOUNS:
        return kind
    return ""


def _states_value(kind: str, unit: Evidence, q_tokens: set[str], parse) -> bool:
    """Whether the unit holds a number or date (as `kind` asks) that the question does not."""
    if new_answer_tokens(kind, unit.text, q_tokens) > 0:
        return True
    return parse is not None and states_new(parse(unit), _VALUE_LABELS[kind], q_tokens)


def _mismatch(terms, e: Evidence, line_text, generic, documents, vocabulary=frozenset()) -> set[str]:
    line = paragraph_of(e, line_text)
    earlier = (line_text[(e.file, n)] for n in range(e.line - 1, 0, -1) if (e.file, n) in line_text)
    previous = next(earlier, "")
    document = (documents or {}).get(e.file, frozenset())
    return unit_mismatch(terms, e.text, line, document, generic, previous, vocabulary, headings=e.section)


MIN_NAMED_CHARS = 3  # shorter unmatched terms are not named in an abstention


def abstain_reason(
    question: str,
    evidence: list[Evidence],
    line_text: dict[tuple[str, int], str],
    generic: frozenset[str] = frozenset(),
    documents: dict[str, frozenset[str]] | None = None,
    antonyms: bool = True,
) -> str:
    """The words for an abstention, once no unit answers: what the evidence fails to match."""
    if not evidence:
        return "nothing relevant was found"
    terms = question_terms(question, generic, antonyms=antonyms)
    mismatches = [_mismatch(terms, e, line_text, generic, documents) for e in evidence]
    if all(mismatches):
        common = set.intersection(*mismatches) or mismatches[0]
        # Name only what a reader recognises as the subject; a stray "1" from pasted markup is no reason
        named = sorted(term for term in common - {NEGATION} if len(term) >= MIN_NAMED_CHARS)
        if named:
            return f"nothing in them matches {', '.join(named)}"
        return "none of them says what is not so" if NEGATION in common else "they do not cover it"
    return "the closest passages do not answer it"


def informative(answer: str, question: str) -> bool:
    """Whether an answer adds to the question: a new content word, and a new number, name
    or date when the question asks for one ("It is pooled according to the research" is not).

    >>> informative("The fund recovered 723 million yuan.", "How much did the fund recover?")
    True
    >>> informative("The fund recovered funds.", "How much did the fund recover?")
    False
    >>> informative("Li Linkang said.", "What position does Li Linkang hold?")
    False
    """
    q_tokens = set(tokenize(question))
    if not set(tokenize(answer)) - q_tokens - REPORTING:
        return False
    kind = answer_kind(question)
    return not kind or new_answer_tokens(kind, answer, q_tokens) > 0
