"""Derived figures: a number that no line states but two stated figures give by adding or subtracting.

Only sums and differences of two figures of one kind (two percentages, or two plain amounts) count,
and years are never operands; a derived figure is always shown with its working.
"""

from __future__ import annotations

import re

from qa.answer.evidence import Evidence, paragraph_of

_FIGURE = re.compile(r"\d+(?:[.,]\d+)*%?")
_YEARLIKE = re.compile(r"(?:19|20)\d\d")
_DIFFERENCE_Q = re.compile(
    r"\bhow (?:many|much)\b.*\b(?:higher|lower|more|less|larger|greater|bigger|smaller|fewer)\b.*\bthan\b"
    r"|\bdifference between\b",
    re.I,
)

# "increased by 30 yuan to 640 yuan": the change and the new figure, from which the old one follows
_CHANGE_TO = re.compile(
    r"\b(?:increase[sd]?|raised?|rose|grew|went up)\s+by\s+(\d+(?:[.,]\d+)*)(%?)\s*([a-z]*)"
    r"\s+to\s+(\d+(?:[.,]\d+)*)(%?)\s*([a-z]*)",
    re.I,
)
_BEFORE_Q = re.compile(r"\b(?:before|prior to|previous|previously)\b", re.I)


def value(figure: str) -> float:
    return float(figure.rstrip("%").replace(",", ""))


def figures(text: str) -> list[str]:
    """Figures a sum or difference may use: years and dateline-like numbers left out.

    >>> figures("In 2023 about 80% and 70%, 16,687 institutions")
    ['80%', '70%', '16,687']
    """
    return [f for f in _FIGURE.findall(text) if not _YEARLIKE.fullmatch(f)]


Working = tuple[str, str, str, tuple[Evidence, ...]]  # a, "+" or "-", b, the units stating a and b


def explain(target: float, stated: list[tuple[str, Evidence]]) -> Working | None:
    """(a, op, b, sources) with a op b == target, from two stated figures of one kind, else None."""
    for i, (a, ea) in enumerate(stated):
        for b, eb in stated[i + 1 :]:
            if a.endswith("%") != b.endswith("%") or value(a) == value(b):
                continue
            big, small = (a, b) if value(a) > value(b) else (b, a)
            sources = tuple(dict.fromkeys((ea, eb)))
            if abs(value(big) - value(small) - target) < 1e-9:
                return big, "-", small, sources
            if abs(value(a) + value(b) - target) < 1e-9:
                return a, "+", b, sources
    return None


def asks_difference(question: str) -> bool:
    """
    >>> asks_difference("How many percentage points higher is A than B?")
    True
    >>> asks_difference("How many provinces raised the subsidy?")
    False
    """
    return bool(_DIFFERENCE_Q.search(question))


def difference_answer(question: str, answering: list[Evidence]) -> tuple[str, Evidence] | None:
    """For "how much higher is A than B": the first answering unit stating exactly two figures of one
    kind gives their difference, with its working.

    >>> unit = Evidence("a.txt", 7, 0, 60, "ratios for employees and residents are 80% and 70% respectively",
    ...                 1.0, 1.0, 1)
    >>> q = "How many percentage points higher is the employees' ratio than residents'?"
    >>> difference_answer(q, [unit])[0]
    'About 10 percentage points: 80% against 70% (derived: 80% - 70% = 10).'
    """
    if not asks_difference(question):
        return None
    percentage_points = "percentage point" in question.lower()
    for unit in answering:
        found = figures(unit.text)
        if percentage_points:
            found = [f for f in found if f.endswith("%")]
        if len(found) != 2:
            continue
        shown = f"{abs(value(found[0]) - value(found[1])):g}"
        working = explain(value(shown), [(f, unit) for f in found])
        if working is None or working[1] != "-":  # two figures of different kinds, or equal ones
            continue
        big, _, small, _ = working
        noun = " percentage points" if big.endswith("%") else ""
        return f"About {shown}{noun}: {big} against {small} (derived: {big} - {small} = {shown}).", unit
    return None


def earlier_answer(question: str, answering: list[Evidence]) -> tuple[str, Evidence] | None:
    """For "what was it before the increase": "increased by A to B" on an answering unit gives B - A.

    >>> unit = Evidence("a.txt", 7, 0, 60, "the standard will be increased by 30 yuan to 640 yuan per year",
    ...                 1.0, 1.0, 1)
    >>> earlier_answer("What was the standard before the increase?", [unit])[0]
    '610 yuan, before the increase of 30 yuan to 640 yuan (derived: 640 - 30 = 610).'
    """
    if not _BEFORE_Q.search(question):
        return None
    for unit in answering:
        match = _CHANGE_TO.search(unit.text)
        if not match:
            continue
        by, by_pct, by_unit, to, to_pct, to_unit = match.groups()
        if by_pct != to_pct or (by_unit and to_unit and by_unit.lower() != to_unit.lower()):
            continue  # "by 2 points to 80%" mixes kinds: no subtraction
        shown = f"{value(to) - value(by):g}"
        unit_word = f" {to_unit}" if to_unit else to_pct
        text = f"{shown}{unit_word}, before the increase of {by}{by_pct} {by_unit} to {to}{to_pct} {to_unit}"
        text = re.sub(r"\s+", " ", text).strip()
        return f"{text} (derived: {to} - {by} = {shown}).", unit
    return None


# "Which is larger: A, or B?" — the two alternatives, each compared by the amount its line states
_COMPARE_Q = re.compile(
    r"\bwhich\s+(?:is|was|are|were)\s+(?P<how>larger|bigger|greater|higher|more|smaller|lower|less)\b"
    r"\s*[:,]\s*(?P<a>.+?),?\s+or\s+(?P<b>.+?)\s*\?*\s*$",
    re.I,
)
_SMALLER = frozenset({"smaller", "lower", "less"})
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_AMOUNT = re.compile(r"(\d+(?:[.,]\d+)*)\s*(thousand|million|billion|trillion)?\s*(yuan|%)", re.I)


def amount(text: str) -> tuple[str, float, str] | None:
    """The first amount with its unit in a text: (as written, value, unit).

    >>> amount("it has reached about 50 billion yuan per year")
    ('50 billion yuan', 50000000000.0, 'yuan')
    >>> amount("more than 200 foundations") is None
    True
    """
    m = _AMOUNT.search(text)
    if not m:
        return None
    number, scale, unit = m.groups()
    written = (
        f"{number} {scale} {unit}" if scale else f"{number}{unit}" if unit == "%" else f"{number} {unit}"
    )
    return written, value(number) * _SCALES.get((scale or "").lower(), 1.0), unit.lower()


def comparison_answer(
    question: str, evidence: list[Evidence], line_text: dict[tuple[str, int], str]
) -> tuple[str, list[Evidence]] | None:
    """For "which is larger: A or B?": the amount stated for each alternative, compared, with both lines.

    Each alternative is matched by the words it does not share with the other, on the unit's whole
    line (its subject may be an earlier sentence); the amount is the unit's own, and both must be in
    one unit (yuan, or percent). None when either alternative has no such unit.
    """
    from qa.retrieval.lexical import tokenize

    m = _COMPARE_Q.search(question)
    if not m:
        return None
    alternatives = [m.group("a"), m.group("b")]
    tokens = [set(tokenize(a)) for a in alternatives]
    found = []
    for own, other in ((tokens[0], tokens[1]), (tokens[1], tokens[0])):
        distinct = own - other
        best, best_share = None, 0.0
        for unit in evidence:
            stated = amount(unit.text)
            if not distinct or stated is None or any(unit is f for f, _ in found):
                continue
            line = set(tokenize(paragraph_of(unit, line_text)))
            share = len(distinct & line) / len(distinct)
            if share > best_share:
                best, best_share = (unit, stated), share
        if best is None or best_share < 1 / 2:
            return None
        found.append(best)
    (unit_a, (written_a, value_a, kind_a)), (unit_b, (written_b, value_b, kind_b)) = found
    if kind_a != kind_b or value_a == value_b:
        return None
    smaller = m.group("how").lower() in _SMALLER
    first_wins = (value_a < value_b) if smaller else (value_a > value_b)
    winner = alternatives[0 if first_wins else 1].strip()
    sign = ">" if value_a > value_b else "<"
    text = (
        f"{winner[:1].upper()}{winner[1:]}: {written_a} against {written_b} "
        f"(derived: {written_a} {sign} {written_b})."
    )
    return text, [unit_a, unit_b]
