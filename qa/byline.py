"""Who wrote a news story: the byline in its dateline ("(Reporter Wu Pengquan)") or an "Author:" line.

Asked "who reported/wrote …", the answer is the name in the byline of the line that answers, which the
span scorer would not pick: the byline shares no words with the question.
"""

from __future__ import annotations

import re

from .evidence import Evidence

_WHO_WROTE = re.compile(
    r"\b(?:who|which (?:reporter|journalist|author|correspondent))\b"
    r".*\b(?:report(?:ed|s)?|wr(?:ote|itten|ites)|author(?:ed)?)\b",
    re.I,
)
_NAME = r"([A-Z][a-z]+(?:[ -][A-Z][a-z]+)+)"
_BYLINE = re.compile(
    rf"\((?:Reporters?|Correspondents?|By)\s+{_NAME}\)|\b(?:Author|Written by|By)\s*[:|]?\s*{_NAME}"
)


def byline(text: str) -> str:
    """
    >>> byline("Xinhua News Agency, Beijing, July 29 (Reporter Peng Yunjia) The State ...")
    'Peng Yunjia'
    >>> byline("Author: Jiang Changsong"), byline("Author |Jiang Changsong is the assistant")
    ('Jiang Changsong', 'Jiang Changsong')
    >>> byline("The reporter learned from the bureau")
    ''
    """
    match = _BYLINE.search(text)
    return next((g for g in match.groups() if g), "") if match else ""


def byline_answer(
    question: str, answering: list[Evidence], line_text: dict[tuple[str, int], str]
) -> tuple[str, Evidence] | None:
    """For "who reported/wrote …": the byline on the line of the first answering unit that has one,
    else the byline elsewhere in that unit's story (an "Author | …" line at its end, a dateline)."""
    if not _WHO_WROTE.search(question):
        return None
    for unit in answering:
        name = byline(line_text.get((unit.file, unit.line), unit.text))
        if name:
            return f"{name}, named in the story's byline.", unit
    if not answering:
        return None
    story = answering[0].file
    for n in sorted(n for file, n in line_text if file == story):
        name = byline(line_text[story, n])
        if name:
            found = Evidence(story, n, 0, 0, line_text[story, n], 0.0, 0.0, 0)
            return f"{name}, named in the story's byline.", found
    return None
