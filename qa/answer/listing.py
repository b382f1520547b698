"""Answers that enumerate names: "Which provinces raised the subsidy to 640 yuan?".

Lists in these articles are clauses of one line ("Jilin …; Fujian …; Ningxia …"),
often introduced by a header ("Six provinces mentioned …"). The answer is the names
of the clauses that match the question nearly as well as the best one, or of all the
clauses a matching header introduces; a count in the question ("which two
provinces") says when to stop.
"""

from __future__ import annotations

import re
from dataclasses import replace

from qa.answer.evidence import Evidence, key_terms
from qa.answer.extractive import is_list_question
from qa.retrieval.lexical import STOPWORDS, tokenize

LIST_SHARE = 0.6  # a clause joins the list when it matches at least this share of the best clause
_COUNTS = {
    w: n for n, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve".split())
}
_COUNT_TOKENS = frozenset(tokenize(" ".join(_COUNTS)))
_COUNT = r"(\d{1,2}|" + "|".join(_COUNTS) + ")"
_HEADER = re.compile(rf"\b{_COUNT}\s+[a-z]+s\b", re.I)  # "11 provinces", "Four cities"
_ASKED_COUNT = re.compile(rf"\b(?:which|what)\s+{_COUNT}\s+[a-z]+s\b", re.I)
_ASKED_NOUN = re.compile(r"\b(?:which|what)\s+(?:\w+\s+)?([a-z]+s)\b", re.I)  # "which (two) provinces"
# "Ministry of Finance" is one name; also finds "Shanghai" glued in "methodsShanghai".
_NAME = re.compile(r"[A-Z][a-z]+(?:(?:[- ]|\s+(?:of|of the)\s+)[A-Z][a-z]+)*(?!-?[A-Za-z])")
_NOT_NAMES = frozenset(
    """january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday""".split()
)


def asked_count(question: str) -> int:
    """
    >>> asked_count("Which two provinces promote it?"), asked_count("Which provinces promote it?")
    (2, 0)
    """
    m = _ASKED_COUNT.search(question)
    if not m:
        return 0
    word = m.group(1).lower()
    return int(word) if word.isdigit() else _COUNTS[word]


def names_in(text: str, ordinary: frozenset[str]) -> list[str]:
    """Capitalised names, less the words around them that the corpus also writes in lower case
    ("Direct", "The", "Province"); "Multi-level" is no name.

    >>> ordinary = frozenset({"direct", "province", "employee", "insurance"})
    >>> names_in("Direct settlement in Sichuan; methodsShanghai and Jilin Province, Multi-level", ordinary)
    ['Sichuan', 'Shanghai', 'Jilin']
    >>> names_in("Shanxi Employee Insurance reform; the Ministry of Finance", ordinary)
    ['Shanxi', 'Ministry of Finance']
    """
    out = []
    skip = ordinary | STOPWORDS | _NOT_NAMES
    for match in _NAME.findall(text):
        words = match.split()
        while words and words[0].lower() in skip:
            words = words[1:]
        if words and words[0].lower() not in ordinary:
            cut = next((i for i, w in enumerate(words[1:], 1) if w.lower() in ordinary), len(words))
            out.append(" ".join(words[:cut]).removesuffix(" of").removesuffix(" of the"))
    return out


def is_header(unit: Evidence, ordinary: frozenset[str]) -> bool:
    """A unit that announces an enumeration before naming anything ("Six provinces mentioned …", or
    "Five provinces mentioned reformShanghai, Chongqing …" where the first clause is glued to it)."""
    match = _HEADER.search(unit.text)
    return bool(match) and not [
        n for n in names_in(unit.text[: match.start()], ordinary) if n.lower() not in _COUNTS
    ]


def name_list(
    question: str,
    units: list[Evidence],
    idf: dict[str, float],
    generic: frozenset[str],
    ordinary: frozenset[str],
) -> list[tuple[str, Evidence]]:
    """The names that answer a list question, each with the unit it comes from; [] when none do."""
    if not units or not is_list_question(question):
        return []
    terms = key_terms(question)
    focus = set(tokenize(question)) - terms["names"] - terms["years"] - generic - _COUNT_TOKENS
    noun = _ASKED_NOUN.search(question)
    if noun:  # every header says "provinces"; what they did is what picks the clauses
        focus -= set(tokenize(noun.group(1)))
    unit_tokens = [set(tokenize(u.text)) for u in units]
    scores = [
        sum(idf.get(t, 1.0) for t in focus & tokens) if terms["numbers"] <= tokens else 0.0
        for tokens in unit_tokens
    ]
    best = max(scores)
    if best <= 0:
        return []
    chosen: list[int] = []
    for i in sorted(range(len(units)), key=lambda i: -scores[i]):
        if scores[i] < LIST_SHARE * best:
            break
        group = [i]
        if is_header(units[i], ordinary):  # its enumeration follows, up to the next header
            j = i + 1
            while j < len(units) and not is_header(units[j], ordinary):
                group.append(j)
                j += 1
        chosen.extend(g for g in group if g not in chosen)
    wanted_count = asked_count(question)
    if not wanted_count:
        chosen.sort()  # the article's own order
    asked = {n.lower() for n in terms["names"]}
    found: dict[str, Evidence] = {}
    for i in chosen:
        for name in names_in(units[i].text, ordinary):
            key = name.lower()
            if key in found or set(tokenize(name)) <= (asked | generic) or key in _COUNTS:
                continue
            found[key] = units[i]
        if wanted_count and len(found) >= wanted_count:
            break
    # A list is clauses that each name something, or the exact count asked for: all the names
    # of one long sentence are not an answer.
    if len(set(found.values())) < 2 and not (wanted_count and len(found) == wanted_count):
        return []
    originals = {n.lower(): n for i in chosen for n in names_in(units[i].text, ordinary)}
    return [(originals[k], u) for k, u in found.items()]


_OPENS_COUNT = re.compile(r"(?::|\bone is|\bfirst(?:ly)?,)\s", re.I)  # "three suggestions: one is …"
_CONTINUES_COUNT = re.compile(
    r"^\W*(?:the\s+)?(?:second|third|fourth|fifth|sixth|seventh|secondly|thirdly|finally|last)\b", re.I
)


def with_enumeration(unit: Evidence, same_line: list[Evidence]) -> Evidence:
    """The unit joined with the units after it that carry on its numbered enumeration
    ("one is …; second, …; third, …"), which the sentence splitter cut at the semicolons.

    >>> a = Evidence("f", 1, 0, 30, "He made two points: one is a", 1, 1, 1)
    >>> b = Evidence("f", 1, 32, 40, "second, b", 0, 0, 1)
    >>> with_enumeration(a, [a, b]).text
    'He made two points: one is a; second, b'
    """
    if not _OPENS_COUNT.search(unit.text):
        return unit
    after = [u for u in same_line if u.start >= unit.end]
    joined = []
    for u in after:
        if not _CONTINUES_COUNT.search(u.text):
            break
        joined.append(u)
    if not joined:
        return unit
    text = "; ".join([unit.text] + [u.text for u in joined])
    return replace(unit, end=joined[-1].end, text=text)


_ENUMERATION = re.compile(r"\b(?:such as|including|namely)\s+[^,;.]+(?:,\s*[^,;.]+)+")


def enumerating_first(answering: list[Evidence]) -> list[Evidence]:
    """The answering units with, first, one from the best unit's line that enumerates ("key groups such
    as students, children, newborns and floating population") rather than only names the group.

    >>> units = [Evidence("f", 1, 0, 9, "focus on key groups", 1, 1, 1),
    ...          Evidence("f", 1, 10, 60, "key groups such as students, children and newborns", 1, 1, 1)]
    >>> [u.start for u in enumerating_first(units)]
    [10, 0]
    """
    if not answering or _ENUMERATION.search(answering[0].text):
        return answering
    best_line = (answering[0].file, answering[0].line)
    listing = [u for u in answering if (u.file, u.line) == best_line and _ENUMERATION.search(u.text)]
    return listing[:1] + [u for u in answering if u not in listing[:1]]


def list_answer(names: list[str]) -> str:
    """
    >>> list_answer(["Jilin", "Fujian", "Ningxia"])
    'Jilin, Fujian and Ningxia.'
    """
    if len(names) == 1:
        return names[0] + "."
    return ", ".join(names[:-1]) + " and " + names[-1] + "."
