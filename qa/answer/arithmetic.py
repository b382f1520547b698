"""Derived figures: a number that no line states but two stated figures give by adding or subtracting.

Only sums and differences of two figures of one kind (two percentages, or two plain amounts) count,
and years are never operands; a derived figure is always shown with its working.
"""

from __future__ import annotations

import re

from qa.answer.evidence import Evidence
from qa.answer.question import YEAR

_FIGURE = re.compile(r"\d+(?:[.,]\d+)*%?")


def value(figure: str) -> float:
    return float(figure.rstrip("%").replace(",", ""))


def figures(text: str) -> list[str]:
    """Figures a sum or difference may use: years and dateline-like numbers left out.

    >>> figures("In 2023 about 80% and 70%, 16,687 institutions")
    ['80%', '70%', '16,687']
    """
    return [f for f in _FIGURE.findall(text) if not YEAR.fullmatch(f) and is_number(f)]


def is_number(figure: str) -> bool:
    """Whether a figure reads as one number: "1.0.8" is a version, not a figure.

    >>> is_number("16,687"), is_number("80%"), is_number("1.0.8")
    (True, True, False)
    """
    try:
        value(figure)
    except ValueError:
        return False
    return True


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
