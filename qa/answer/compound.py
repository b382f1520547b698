"""Questions that ask two things at once, answered one part at a time.

"Long Guoying is a deputy chairman in which province, and how much did that province recover
in 2020?" is two questions; the second points back to the first one's answer ("that province"),
which is put in its place before the second part is retrieved and answered.
"""

from __future__ import annotations

import re

from qa.answer.question import QUESTION_WORDS, key_terms
from qa.retrieval.lexical import tokenize

_WH = r"(?:what|which|who|whom|when|where|why|how|does|do|did|is|are|was|were)\b"
# ", and how much …" / "; which …": a second question starts after the comma or semicolon
_SECOND = re.compile(rf"(?:,\s*and|;\s*(?:and\s+)?)\s+(?={_WH})", re.I)
_BACK_REFERENCE = re.compile(r"\b(?:that|this|the same)\s+([a-z]+)\b", re.I)
_MID_SENTENCE_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+\b")
MIN_PART_WORDS = 4


def split_question(question: str) -> list[str]:
    """The parts of a compound question, each ending in "?"; one part when it asks one thing.

    >>> split_question("Guizhou's rate is above what level, and how does that compare with the nation?")
    ["Guizhou's rate is above what level?", 'how does that compare with the nation?']
    >>> split_question("Which provinces raised subsidies and cut prices?")
    ['Which provinces raised subsidies and cut prices?']
    """
    pieces = _SECOND.split(question.strip(), maxsplit=1)
    if len(pieces) != 2 or any(len(p.split()) < MIN_PART_WORDS for p in pieces):
        return [question]
    asks = QUESTION_WORDS & set(re.findall(r"\w+", pieces[0].lower()))
    if not asks:  # "The report calls for X; which provinces list it?" asks once
        return [question]
    first, second = (p.strip().rstrip("?.").strip() for p in pieces)
    return [f"{first}?", f"{second}?"]


def resolve(part: str, previous_question: str, previous_answer: str) -> str:
    """The part with "that province" replaced by the first name the previous answer adds; the noun
    must be one the previous question asked about ("how does that compare" points at no name).

    >>> resolve("how much did that province recover?", "He works in which province?",
    ...         "He is deputy chairman of the Jiangxi Provincial Committee.")
    'how much did Jiangxi recover?'
    >>> resolve("how does that compare with 2020?", "What level?", "It is the Jiangxi level.")
    'how does that compare with 2020?'
    """
    known = key_terms(previous_question)["names"]
    added = [  # capitalised mid-sentence: a name, not a sentence's first word
        n for n in _MID_SENTENCE_NAME.findall(previous_answer) if tokenize(n)[0] not in known
    ]
    match = _BACK_REFERENCE.search(part)
    noun = tokenize(match.group(1)) if match else []
    if not (match and added and noun and noun[0] in tokenize(previous_question)):
        return part
    return part[: match.start()] + added[0] + part[match.end() :]
