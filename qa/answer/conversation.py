"""Turning a follow-up question into one that stands alone, using the chat history.

"and in 2023?" after "What was Jiangxi's 2020 recovered fund amount?" becomes
"What was Jiangxi's 2023 recovered fund amount?": the follow-up's years and names
replace those of the same kind in the previous question. A follow-up that only
points back ("which province was that?") gets the previous question appended.
"""

from __future__ import annotations

import re

from qa.answer.question import YEAR

_LEAD = re.compile(r"^(?:and|but|also|so|what about|how about|and what about)\b[\s,]*", re.I)
_POINTING = re.compile(r"\b(?:that|this|it|its|they|them|their|those|these|there|he|she|his|her)\b", re.I)
_NAME = re.compile(r"\b[A-Z][a-z]+(?:'s)?")


def is_follow_up(question: str) -> bool:
    words = question.split()
    return bool(_LEAD.match(question)) or (len(words) <= 6 and bool(_POINTING.search(question)))


def standalone(question: str, history: list[tuple[str, str]] | None) -> str:
    """The question rewritten to stand alone; history holds (question, answer) pairs, oldest first.

    >>> standalone("and in 2023?", [("What was Jiangxi's 2020 recovered fund amount?", "723 million")])
    "What was Jiangxi's 2023 recovered fund amount?"
    >>> standalone("What about Fujian?", [("What is Jilin's subsidy standard?", "640 yuan")])
    "What is Fujian's subsidy standard?"
    """
    if not history or not is_follow_up(question):
        return question
    previous = history[-1][0]
    rest = _LEAD.sub("", question).strip()
    new_years = YEAR.findall(rest)
    new_names = [
        m.group(0).removesuffix("'s") for m in _NAME.finditer(rest) if m.start() > 0 or _LEAD.match(question)
    ]
    new_names = [
        n for n in new_names if n.lower() not in {"in", "what", "which", "how", "who", "when", "the"}
    ]
    rewritten = previous
    if new_years and YEAR.search(previous):
        rewritten = YEAR.sub(new_years[0], rewritten, count=1)
    old_names = [m.group(0).removesuffix("'s") for m in _NAME.finditer(previous) if m.start() > 0]
    if new_names and old_names:
        rewritten = rewritten.replace(old_names[0], new_names[0], 1)
    if rewritten != previous:
        return rewritten
    return f"{rest.rstrip('?')} (about: {previous})"
