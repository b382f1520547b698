"""Answers cut from the evidence itself, for when the generator is absent, fails or is refuted.

The answer is the run of clauses of one evidence unit that best covers the
question and holds what the question asks for: a number for "how many", a name
for "who" or "which province", a date for "when". What the question asks for is
usually what it does not already say, so only new numbers and names count.
"""

from __future__ import annotations

import re

from qa.answer.evidence import Evidence
from qa.answer.question import MONTHS, YEAR_DIGITS, answer_kind, is_list_question, is_number_word, key_terms
from qa.retrieval.lexical import tokenize

_PERCENT = re.compile(r"\d\s*%|\bper ?cent\b", re.I)
# The day in "March 6" or "July 29" dates a story; it answers no "how many".
_DAY = re.compile(rf"\b(?:{'|'.join(MONTHS)})\s+(\d{{1,2}})\b")
_DATE = re.compile(rf"\b({'|'.join(MONTHS)}|{YEAR_DIGITS})\b")
LIST_MAX_WORDS = 60
_CLAUSE = re.compile(r"(?<=[,;:])\s+|\s+(?=and\s)|\s+(?=\()|(?<=\))\s+")  # also around "(Reporter X)"
NAME_WEIGHT = 0.5
# "Li Linkang said." tells who spoke, not what the question asks
REPORTING = frozenset(tokenize("said says say stated noted pointed out added believes according told"))
LEAD_IN_MAX_WORDS = 60
COMPLETING_CLAUSE_WORDS = 12  # the question's names pick a clause only where its other words do not


def has_percentage(text: str) -> bool:
    """
    >>> has_percentage("about 80%"), has_percentage("2.5 percent"), has_percentage("80 yuan")
    (True, True, False)
    """
    return bool(_PERCENT.search(text))


def new_answer_tokens(kind: str, span: str, question_tokens: set[str]) -> int:
    """How many tokens of the wanted kind the span adds to what the question says.

    >>> new_answer_tokens("number", "On March 6 it named ten aspects", set())
    1
    """
    if kind == "number":
        days = set(_DAY.findall(span))
        found = {t for t in tokenize(span) if (t[0].isdigit() and t not in days) or is_number_word(t)}
    elif kind == "name":
        found = key_terms("x " + span)["names"]
    elif kind == "date":
        found = {m.lower() for m in _DATE.findall(span)}
    else:
        return 0
    return len(found - question_tokens)


_QUOTE_OPENS = re.compile(r'["\u201c]\s*(\w)')


def leaves_quote_open(text: str) -> bool:
    """Whether a quotation opens in the text and does not close in it (an odd count of quote marks).

    >>> leaves_quote_open('said "a, b'), leaves_quote_open('the "five exemptions" reform')
    (True, False)
    """
    return (text.count('"') + text.count("\u201c") + text.count("\u201d")) % 2 == 1


def quoted_whole(clauses: list[str]) -> list[str]:
    """Clauses rejoined so that no quoted list is cut: "provincial planning, volume procurement,
    and long-term care" is one answer. A quoted title ("Implementation Opinions of …", capitalised)
    stays in pieces: whole, it would outweigh the date or meeting beside it.

    >>> quoted_whole(['focus on "a,', 'b,', 'and c",', 'it said'])
    ['focus on "a, b, and c",', 'it said']
    >>> quoted_whole(['approved the "Opinions of A,', 'B and C"'])
    ['approved the "Opinions of A,', 'B and C"']
    """
    groups: list[list[str]] = []
    open_quote = False
    for clause in clauses:
        if open_quote:
            groups[-1].append(clause)
        else:
            groups.append([clause])
        open_quote = leaves_quote_open(" ".join(groups[-1]))
    out = []
    for group in groups:
        opening = _QUOTE_OPENS.search(group[0])
        out.extend([" ".join(group)] if opening and opening.group(1).islower() else group)
    return out


# Over 60 lines: one pass that scores every clause; its weights read best side by side, so it stays whole.
def extract_answer(
    question: str, best: Evidence, max_words: int = 40, idf: dict[str, float] | None = None
) -> str:
    """The best run of clauses of one evidence unit, at most max_words long (one clause may exceed it).

    >>> text = "In 2020, the province handled 16,687 institutions and recovered 723 million yuan."
    >>> e = Evidence("f", 1, 0, 0, text, 1, 1, 1)
    >>> extract_answer("How much did the province recover in 2020?", e, 8, {"province": 0.5, "recover": 2.0})
    'recovered 723 million yuan.'
    """
    text = best.text
    listing = is_list_question(question)
    if listing:
        max_words = max(max_words, LIST_MAX_WORDS)
    if len(text.split()) <= max_words:
        return text
    clauses = [c.strip() for c in _CLAUSE.split(text) if c.strip()]
    clauses = quoted_whole(clauses)
    q_tokens = set(tokenize(question))
    terms = key_terms(question)
    # The unit already matches the question's names and years; what picks the clause is mostly the rest.
    focus = q_tokens - terms["names"] - terms["years"] - terms["numbers"]
    names = terms["names"]
    kind = answer_kind(question)

    def weight(term: str) -> float:  # rare words say more about which clause is meant
        return (idf or {}).get(term, 1.0)

    best_span, best_score = (0, 1), float("-inf")
    for i in range(len(clauses)):
        for j in range(i + 1, len(clauses) + 1):
            span = " ".join(clauses[i:j])
            words = len(span.split())
            if words > max_words and j > i + 1:
                break
            span_tokens = set(tokenize(span))
            if not span_tokens - q_tokens - REPORTING:  # "Li Linkang," repeats the question
                continue
            new = new_answer_tokens(kind, span, q_tokens)
            if listing:  # every listed item is a new content word; favour spans that enumerate
                new = max(new, len(span_tokens - q_tokens) // 3)
            overlap = sum(weight(t) for t in focus & span_tokens)
            overlap += NAME_WEIGHT * sum(weight(t) for t in names & span_tokens)
            score = overlap + (2.0 if new else 0.0) + 0.3 * min(new, 15 if listing else 5) - 0.02 * words
            if score > best_score:
                best_span, best_score = (i, j), score
    i, j = best_span
    if (  # "the individual payment will be raised, | up to 380 yuan": the figure completes the span
        kind in ("number", "date")
        and j < len(clauses)
        and len(clauses[j].split()) <= COMPLETING_CLAUSE_WORDS
        and new_answer_tokens(kind, clauses[j], q_tokens) > 0
        and new_answer_tokens(kind, clauses[j - 1], q_tokens) == 0
    ):
        j += 1
    # "What core idea …?" — "… and the core idea is to emphasize | and solve … the burden": a last
    # clause that only repeats the question leads in to the answer, which runs on after it. (Where a
    # figure, name or date is asked, the span scorer has already found it.)
    if not kind and not listing and j < len(clauses) and not set(tokenize(clauses[j - 1])) - q_tokens:
        i = j - 1
        while j < len(clauses) and len(" ".join(clauses[i : j + 1]).split()) <= LEAD_IN_MAX_WORDS:
            j += 1
    answer = " ".join(clauses[i:j]).rstrip(",;:")
    return re.sub(r"^(and|or|but|which|of which)\s+", "", answer)
