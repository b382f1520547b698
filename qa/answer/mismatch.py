"""What an evidence unit contradicts or lacks of a question: one check for the keyword check
(verify.answering_units) and the learned gate (gate.contradicts).

A unit cannot answer when it is about something else: a name the question asks about is not where
it should be, a year it asks about is contradicted by another, an asked number is missing, or it
states the opposite of an asked word ("inpatient" for "outpatient"). A name the corpus never uses
is a misspelling or another form of one it does, and matches loosely; one it uses must be there as
it is ("Shanxi" is not "Shaanxi").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container, Iterable

from qa.answer.antonyms import opposed
from qa.answer.evidence import acronyms
from qa.answer.extractive import leaves_quote_open
from qa.answer.question import MONTH_NAMES, YEAR, key_terms, negated, negated_words, number_value
from qa.retrieval.lexical import one_edit, tokenize


def question_terms(
    question: str, generic: frozenset[str], names: Iterable[str] | None = None, antonyms: bool = True
) -> dict:
    """The question's key terms (see evidence.key_terms) less the names that constrain nothing, and
    its other words (which only a contrasting word in an evidence unit contradicts: one of opposite
    prefix, or, with `antonyms`, a WordNet antonym, under "opposites"). `names`, when given, replace
    the capitalised words (the gate reads them from the question's parse). A negation
    anywhere in the question counts, in a clause too: "What is a pathogen that does not use it?".

    >>> sorted(question_terms("What did Avon ship in 1850?", frozenset())["words"])
    ['ship']
    """
    terms = key_terms(question)
    if names is not None:
        terms["names"] = set(names)
    terms["names"] -= generic
    terms["words"] = set(tokenize(question)) - terms["names"] - terms["years"] - terms["numbers"]
    terms["negation"] = {NEGATION} if negated(question) else set()
    terms["denied"] = negated_words(question)  # "not directly attack": what the question's negation denies
    terms["opposites"] = opposed(terms["words"]) if antonyms else {}
    terms["counted"] = counted_words(question)
    return terms


_WORD_OR_FIGURE = re.compile(r"[^\W\d_]+|\d+")
COUNTED_SPAN = 3  # "two finite graphs": the words a number counts follow it closely
MAX_COUNT = 999  # larger figures are years and amounts, checked as such


def counted_words(text: str) -> dict[str, set[int]]:
    """The words a small number counts in the text, as lexical tokens, with the numbers counting them
    (written as words or in figures; "one" is a pronoun as often as a number, so counts start at 2).

    >>> counted_words("Is it true for three finite graphs?")
    {'finit': {3}, 'graph': {3}}
    >>> counted_words("It divided them into three, later 4, classes, at 50 years of age.")
    {'later': {3}, 'class': {4}, 'year': {50}}
    """
    words = _WORD_OR_FIGURE.findall(text.lower())
    counted: dict[str, set[int]] = {}
    for i, word in enumerate(words):
        count = number_value(word)
        if not 2 <= count <= MAX_COUNT:
            continue
        for following in words[i + 1 : i + 1 + COUNTED_SPAN]:
            tokens = tokenize(following)
            if not tokens or number_value(following):  # "50 years of age" counts years, not age
                break
            for token in tokens:
                counted.setdefault(token, set()).add(count)
    return counted


def miscounted(asked: dict[str, set[int]], unit: str) -> set[str]:
    """The numbers of the question that the unit counts otherwise: "three finite graphs" against
    "two finite graphs" (a unit stating the asked number anywhere is no contradiction)."""
    if not asked:  # most questions count nothing: no need to read the unit
        return set()
    stated = counted_words(unit)
    figures = {number_value(w) for w in _WORD_OR_FIGURE.findall(unit.lower())}
    return {
        str(n)
        for word, numbers in asked.items()
        if word in stated and not numbers & stated[word]
        for n in numbers
        if n not in figures
    }


NEGATION = "not"  # the term a negated question asks of a unit that states nothing negatively


def unit_mismatch(
    terms: dict[str, set[str]],
    unit: str,
    line: str,
    document: frozenset[str] = frozenset(),
    generic: frozenset[str] = frozenset(),
    previous: str = "",
    vocabulary: Container[str] = frozenset(),
    unit_names: bool | None = None,
    line_names: bool | None = None,
    headings: str = "",
) -> set[str]:
    """Question terms (see question_terms) that this evidence unit contradicts or lacks.

    Names and years must be in the unit itself unless the unit names none of its own (`unit_names`;
    by default, whether it has capitalised words), points back, is quoted speech or a clause cut
    from a longer sentence; then a name must be elsewhere in its paragraph (`line`; its subject,
    e.g. an earlier sentence, or the line before when the unit points back: `previous`), and a year
    must not be contradicted by other years there. The section `headings` above the paragraph count as
    part of it for names and numbers, not years. Other numbers must be in its paragraph; when the
    paragraph names nobody either (`line_names`; by default, whether it has capitalised words other
    than months and `generic` names, those on most lines of the corpus: see names_somebody), as a
    quotation may not, a name may be anywhere in its document (`document`: the tokens of its file).
    An acronym in the question matches the initials of capitalised words ("CPC": Communist Party of
    China). "Jiangsu" against a clause about Zhejiang,
    or 2030 against a sentence about 2020, is a mismatch; so is an asked word whose opposite the
    unit states (see contrasts), and a negated question against a unit that negates nothing.

    >>> q = key_terms("What did Jiangxi recover in 2030?")
    >>> unit_mismatch(q, "In 2020, Jiangxi recovered 7 yuan.", "")
    {'2030'}
    """
    unit_tokens = set(tokenize(unit))
    missing = set()
    line_years = set(YEAR.findall(line))
    line = f"{headings} {line}"  # headings name a paragraph's subject; their dates do not date it
    line_tokens = set(tokenize(line)) | unit_tokens
    # A year the unit does not state is missing when the unit states another, its paragraph states others,
    # or its document never mentions it ("in 1570" against an article on the 1750s)
    unstated = terms["years"] - unit_tokens
    contradicted = YEAR.search(unit) or (line_years and unstated - line_years)
    if unstated and (contradicted or (document and unstated - document)):
        missing |= unstated
    if unit_names is None:
        unit_names = bool(key_terms("x " + unit)["names"])
    # Quoted speech names its speaker elsewhere on the line ('"… has declined," Long Guoying said'),
    # and a clause cut from a long sentence at "; " ("combine the useful exploration …") its subject
    if unit_names and not is_quoted_speech(unit) and not unit[:1].islower() and not points_back(unit):
        names = terms["names"] - unit_tokens - acronyms(unit)
        scope = unit_tokens
    else:
        names = terms["names"] - line_tokens - acronyms(line)
        scope = line_tokens
        if line_names is None:
            line_names = names_somebody(line, generic)
        if not line_names:
            names -= document
            scope = scope | document
    if previous and _POINTS_BACK.search(" ".join(unit.split()[:POINTING_WORDS])):
        names -= set(tokenize(previous)) | acronyms(previous)
    missing |= {n for n in names if n in vocabulary or not loosely_in(n, scope)}
    missing |= terms["numbers"] - line_tokens
    missing |= miscounted(terms.get("counted", {}), unit)
    # "What was not rebuilt?" against "The city was rebuilt in 1908": a negated question asks for
    # what a unit denies; a unit that denies nothing answers the question it was turned from
    asked_words = terms.get("words", set()) - unit_tokens  # an "outpatient" question against "inpatient"
    # "… inside Quebec City" against "… outside Quebec City": WordNet's antonyms (see question_terms)
    antonyms = terms.get("opposites", {})
    stated = {
        t: {u for u in unit_tokens if contrasts(t, u)} | (antonyms.get(t, frozenset()) & unit_tokens)
        for t in asked_words
    }
    opposite = {t for t, words in stated.items() if words}
    denied = negated_words(unit)
    if terms.get("negation"):
        # "What is not active?" is answered by "… are inactive": the opposite word says the negation;
        # else the unit must deny something the question asks about: "What is not needed for immune
        # responses?" is not answered by "invertebrates do not generate lymphocytes"
        asked = terms.get("denied", set()) | terms.get("words", set()) | terms["names"]
        if not (denied & asked or opposite):
            missing |= terms["negation"]
    else:
        # "What is unknown?" is answered by "… it is not known": the negation denies the opposite word
        missing |= {t for t in opposite if not stated[t] <= denied}
    return missing


FIGURE_LABELS = frozenset({"CARDINAL", "MONEY", "QUANTITY", "PERCENT"})
DATE_LABELS = frozenset({"DATE", "TIME"})


def states_new(parse, labels: frozenset[str], q_tokens: set[str]) -> bool:
    """Whether a unit's parse (a spaCy Span, or None) holds an entity of one of the labels with a
    word the question does not say: a date for "when" ("in 1755", "430 BC", "the 1970s"), a figure
    for "how many"."""
    return parse is not None and any(
        e.label_ in labels and set(tokenize(e.text)) - q_tokens for e in parse.ents
    )


_CONTRASTING = (
    ("in", "out"),
    ("inter", "intra"),
    ("pre", "post"),
    ("over", "under"),
    ("non", ""),
    ("un", ""),
)
MIN_SHARED_ENDING = 5


def contrasts(asked: str, stated: str) -> bool:
    """Whether two words name opposite things by their prefixes: the question asks about outpatient
    care and the clause is about inpatient care.

    >>> contrasts("outpatient", "inpatient"), contrasts("local", "nonlocal")
    (True, True)
    >>> contrasts("patient", "inpatient"), contrasts("insurance", "surance")
    (False, False)
    """
    for a, b in _CONTRASTING:
        for x, y in ((asked, stated), (stated, asked)):
            if x.startswith(a) and y.startswith(b) and len(x) - len(a) >= MIN_SHARED_ENDING:
                if x[len(a) :] == y[len(b) :]:
                    return True
    return False


# "it will be issued", "he put forward", "the conference set up": who or what, the line before says
_POINTS_BACK = re.compile(
    r"\b(?:(?:it|this|they|these)\s+(?:will|was|were|is|are|has|have)"
    r"|he|she|the (?:conference|forum|meeting|notice|report|document|article))\b",
    re.I,
)
POINTING_WORDS = 10  # "On January 21, 2021, it will be issued": the subject comes early
_WORD = re.compile(r"\w+")  # "election—its" is two words
POINTING = frozenset("he she it they this these his her its their".split())
MIN_FUZZY_CHARS = 4  # shorter names must match exactly


def close(a: str, b: str) -> bool:
    """Whether two tokens may be one name: equal but for accents ("celoron", "céloron"), one a
    prefix of the other ("america", "american"), or one edit apart when both are long enough
    ("shirly", "shirley"; two neighbouring letters swapped count as one edit: "hamaz", "hamza").

    >>> close("america", "american"), close("shirly", "shirley"), close("iran", "iraq")
    (True, True, False)
    >>> close("celeron", "céloron"), close("hamaz", "hamza"), close("hamaz", "hazam")
    (True, True, False)
    """
    a, b = without_accents(a), without_accents(b)
    if a == b:
        return True
    if min(len(a), len(b)) < MIN_FUZZY_CHARS:
        return False
    if a.startswith(b) or b.startswith(a):
        return True
    return min(len(a), len(b)) > MIN_FUZZY_CHARS and one_edit(a, b)


def without_accents(token: str) -> str:
    """The token with its letters' accents dropped: a question typed on an English keyboard
    writes "Celoron" for "Céloron".

    >>> without_accents("céloron"), without_accents("hamza")
    ('celoron', 'hamza')
    """
    if token.isascii():
        return token
    return "".join(c for c in unicodedata.normalize("NFKD", token) if not unicodedata.combining(c))


def loosely_in(name: str, tokens: Container[str] | Iterable[str]) -> bool:
    """Whether the name is among the tokens, or one close to it (see close) that starts alike.

    >>> loosely_in("shirly", {"shirley", "oswego"}), loosely_in("iran", {"iraq"})
    (True, False)
    """
    first = without_accents(name[:1])
    return name in tokens or any(close(name, t) for t in tokens if without_accents(t[:1]) == first)


def points_back(unit: str) -> bool:
    """Whether a pronoun early in the unit stands for a subject named before it ("He came back in 1908").

    >>> points_back("He came back to the city in 1908."), points_back("The city grew.")
    (True, False)
    """
    return bool({w.lower() for w in _WORD.findall(unit)[:POINTING_WORDS]} & POINTING)


def is_quoted_speech(unit: str) -> bool:
    """Whether a unit is (part of) someone's quoted words: it opens with a quotation mark, or a
    quotation opens in it and runs on past it.

    >>> is_quoted_speech('"During the research we found it," she said.')
    True
    >>> is_quoted_speech('March 6 (Lu Mengmeng) "Relevant data show it has declined.')
    True
    >>> is_quoted_speech('Guangxi implemented the "five exemptions" reform.')
    False
    """
    return unit.lstrip().startswith(('"', "\u201c")) or leaves_quote_open(unit)


def names_somebody(text: str, generic: frozenset[str] = frozenset()) -> bool:
    """Whether a text names a person, place or body of its own (a dateline's month does not count)."""
    return bool(key_terms("x " + text)["names"] - generic - MONTH_NAMES)
