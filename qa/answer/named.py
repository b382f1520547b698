"""The name a question asks for: "Which function prints …?" -> "asn1_perror".

When the question asks for the name of a thing ("what/which" + a noun, QuestionAnalysis.focus, of no
more specific kind: "Which function …", "What flag …") the short answer is a name-like word
(is_name), not any noun phrase: the one the answering sentence writes that the question does not
("… then 'ffi_prep_cif_var' must be used instead of 'ffi_prep_cif'"); with several, or beside a
figure the question does not give ("since libtasn1 3.7 the ider_len parameter …"), none: the reader
chooses among the sentence's phrases. A reference manual often says what a function, flag or
variable does under a heading that names it, the sentence itself only "Prints …" or "This function
…": when the sentence writes no name, the innermost heading above it is the short answer, if it
reads as a name:

- one identifier-like word: with "_", with a capital inside a word that starts in lower case
  ("asn1Parser"), or an option ("-s", "--standard"); a leading section number is dropped;
- or one word in capitals nested under another heading ("POSIXLY_CORRECT" under "ENVIRONMENT",
  "TMPDIR" under "FILES"), which the corpus never writes in lower case: a man page's own section
  names ("OPTIONS", "AUTHOR") are outermost and ordinary words.

PDFs made by TeX draw "\\_" in their text fonts as a rule, not a character, so pypdf reads a heading
"asn1_perror" as "asn1 perror". A heading of several plain words counts as that name when a line of
its section, up to the answering sentence, writes the words joined by "_" ("void asn1_perror (int
error)"); that line is cited for it.

Not handled: a heading of several words that holds a name ("Invoking asn1Parser"); headings more than
SCAN_LINES lines above the sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.answer.evidence import Evidence
from qa.answer.question import QuestionAnalysis
from qa.ingest.sections import heading, heading_path
from qa.retrieval.lexical import tokenize

SCAN_LINES = 300  # how far above a sentence its heading line is looked for
MAX_SPLIT_WORDS = 6  # "asn1 der decoding2": a name read with spaces for its underscores
_SECTION_NUMBER = re.compile(r"^(?:\d+|[A-Z])(?:\.\d+)*\.?\s+")  # "4.4 ", "A.1 ", "3. "
_WORD_EDGES = "()[]{}<>,;:.'\"`*"


@dataclass(frozen=True)
class Name:
    """A name that answers, and the source line that writes it: a line of the answering sentence,
    its heading, or the line of its section that spells out a heading PDF extraction split."""

    text: str
    line: int


def is_name(word: str, nested: bool = False, ordinary: frozenset[str] = frozenset()) -> bool:
    """Whether one word reads as the name of a function, option, constant or variable: written as no
    word of prose is. Digits among letters ("Th1", "x86") and hyphens ("co-NP", "mid-1950s") are
    common in prose, so neither makes a name.

    >>> [is_name(w) for w in ["asn1_perror", "asn1Parser", "--help", "x86", "co-NP", "Notes", "OPTIONS"]]
    [True, True, True, False, False, False, False]
    >>> is_name("TMPDIR", nested=True), is_name("OPTIONS", nested=True, ordinary=frozenset({"options"}))
    (True, False)
    """
    word = word.strip(_WORD_EDGES)
    if len(word) < 2 or not any(c.isalpha() for c in word) or not re.fullmatch(r"[\w.+-]+", word):
        return False
    if word.startswith("-"):
        return word.lstrip("-")[:1].isalnum()  # "-s", "--standard"; not "-" or "--"
    if "-" in word:
        return False
    if "_" in word.strip("_"):
        return True
    if word[:1].islower() and any(c.isupper() for c in word[1:]):
        return True  # "asn1Parser", "tbsCertificate"
    return nested and word.isupper() and word.lower() not in ordinary


def asks_name(question: QuestionAnalysis) -> bool:
    """Whether the question asks for the name of a thing: "what/which X …" with X of no more specific
    kind than "thing" (not "which year", "which city": those want dates and places). "What is the
    largest base?" ("what" as the attribute of "is") asks for a value more often than a name, unless
    the X is "name" ("What is the name of the function that …?")."""
    return question.answer_kind == "thing" and (
        question.focus == "name" or (bool(question.focus) and question.wh_role != "attr")
    )


def answer_name(
    question: QuestionAnalysis,
    unit: Evidence,
    lines: dict[tuple[str, int], str],
    ordinary: frozenset[str] = frozenset(),
) -> Name | None:
    """The name that answers from the unit, when the question asks for one: the one name the unit
    writes that the question does not, else the name of the innermost heading over it; None when
    there is none, or the unit writes several.

    `lines` maps (file, line) to the stripped text of every non-blank line; `ordinary` holds the
    words the corpus writes in lower case.
    """
    if not asks_name(question):
        return None
    asked = set(tokenize(question.text))
    words = [w.strip(_WORD_EDGES) for w in unit.text.split()]
    own = list(dict.fromkeys(w for w in words if is_name(w) and not set(tokenize(w)) <= asked))
    figures = [w for w in words if w[:1].isdigit() and not set(tokenize(w)) <= asked]  # "3.7", "4.19.0"
    if own or figures:  # several, or a name beside a figure: the reader picks among the phrases
        return Name(own[0], _line_of(own[0], unit, lines)) if len(own) == 1 and not figures else None
    return heading_name(unit, lines, asked, ordinary)


def _line_of(word: str, unit: Evidence, lines: dict[tuple[str, int], str]) -> int:
    return next((n for n in unit.lines if word in lines.get((unit.file, n), "")), unit.line)


def heading_name(
    unit: Evidence, lines: dict[tuple[str, int], str], asked: set[str], ordinary: frozenset[str] = frozenset()
) -> Name | None:
    """The name the innermost heading over `unit` gives, unless its tokens are all `asked` (the
    question's: it asks something else about that thing); None when the heading is no name."""
    if not unit.section:
        return None
    path = heading_path(unit.section)
    found = _heading_line(path[-1], unit, lines)
    if found is None:
        return None
    title = _SECTION_NUMBER.sub("", path[-1].strip()).strip()
    name = Name(title, found)
    if " " in title:
        name = _spelled_out(title, unit, found, lines)
    if name is None or not is_name(name.text, len(path) > 1, ordinary):
        return None
    return None if set(tokenize(name.text)) <= asked else name


def _heading_line(title: str, unit: Evidence, lines: dict[tuple[str, int], str]) -> int | None:
    """The nearest line above the unit that is the heading `title` (as written, or as Markdown)."""
    for number in range(unit.line - 1, max(0, unit.line - SCAN_LINES), -1):
        text = lines.get((unit.file, number))
        if text is None:
            continue
        if text == title or (text.startswith("#") and (heading(text) or (0, ""))[1] == title):
            return number
    return None


def _spelled_out(
    title: str, unit: Evidence, heading_line: int, lines: dict[tuple[str, int], str]
) -> Name | None:
    """ "asn1 perror" as "asn1_perror", the way a line between the heading and the unit writes it."""
    words = title.split()
    if len(words) > MAX_SPLIT_WORDS or not all(w.isalnum() for w in words):
        return None
    joined = "_".join(words).lower()
    for number in range(heading_line + 1, max(unit.line, unit.last_line) + 1):
        for word in lines.get((unit.file, number), "").split():
            word = word.strip(_WORD_EDGES)
            if word.lower() == joined:
                return Name(word, number)
    return None
