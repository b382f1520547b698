"""Who wrote a news story: the byline in its dateline ("(Reporter Wu Pengquan)") or an "Author:" line.

Asked "who reported/wrote …", the answer is the name in the byline of the line that answers, which the
span scorer would not pick: the byline shares no words with the question. Asked only what the story is
about ("who wrote the article about Jiangxi?"), no line answers; the story is then the retrieved one
most about it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from qa.answer.evidence import Evidence, paragraph_of
from qa.answer.verify import MIN_COVERAGE, question_terms
from qa.retrieval.lexical import tokenize

_WHO_WROTE = re.compile(
    r"\b(?:who|which (?:reporter|journalist|author|correspondent))\b"
    r".*\b(?:report(?:ed|s)?|wr(?:ote|itten|ites)|author(?:ed)?)\b",
    re.I,
)
_NAME = r"([A-Z][a-z]+(?:[ -][A-Z][a-z]+)+)"
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
_BYLINE = re.compile(
    rf"\((?:Reporters?|Correspondents?|By)\s+{_NAME}\)|\b(?:Author|Written by|By)\s*[:|]?\s*{_NAME}"
    # a dateline's bare name: "Beijing, March 6 (Lu Mengmeng)"
    rf"|\b{_MONTH} \d{{1,2}} \((?!Reporters?\b|Correspondents?\b|By\b){_NAME}\)"
)
# The words of a who-wrote question that say which kind of text, not what it is about
_STORY_WORDS = frozenset(
    tokenize(
        "who which wrote written writes write reported reports report reporter journalist author "
        "authored correspondent article articles story stories piece news"
    )
)


def byline(text: str) -> str:
    """
    >>> byline("Xinhua News Agency, Beijing, July 29 (Reporter Peng Yunjia) The State ...")
    'Peng Yunjia'
    >>> byline("Author: Jiang Changsong"), byline("Author |Jiang Changsong is the assistant")
    ('Jiang Changsong', 'Jiang Changsong')
    >>> byline("China News Service, Beijing, March 6 (Lu Mengmeng) Relevant data show")
    'Lu Mengmeng'
    >>> byline("The reporter learned from the bureau"), byline("in March 2023 (Table 2)")
    ('', '')
    """
    match = _BYLINE.search(text)
    return next((g for g in match.groups() if g), "") if match else ""


def who_wrote(question: str) -> bool:
    """
    >>> who_wrote("Who wrote the article about Jiangxi?"), who_wrote("Who said it?")
    (True, False)
    """
    return bool(_WHO_WROTE.search(question))


def byline_answer(
    question: str, answering: list[Evidence], line_text: dict[tuple[str, int], str]
) -> tuple[str, Evidence] | None:
    """For "who reported/wrote …": the byline on the line of the first answering unit that has one,
    else the byline elsewhere in that unit's story (an "Author | …" line at its end, a dateline)."""
    if not who_wrote(question) or not answering:
        return None
    for unit in answering:
        name = byline(paragraph_of(unit, line_text))
        if name:
            return f"{name}, named in the story's byline.", unit
    story = answering[0].file
    return first_byline(story, sorted(n for file, n in line_text if file == story), line_text)


def on_topic(
    question: str,
    units: list[Evidence],
    documents: dict[str, frozenset[str]],
    idf: dict[str, float],
    generic: frozenset[str] = frozenset(),
) -> list[Evidence]:
    """The units whose story is about what a who-wrote question names (see is_about): "the article
    about space rockets" matched a line by "article" alone, and its story's author was no answer.
    documents: every token of each file (lexical.file_tokens)."""
    names, words = topic(question, generic)
    return [u for u in units if is_about(documents.get(u.file, frozenset()), names, words, idf)]


def story_byline(
    question: str,
    stories: Iterable[str],
    line_text: dict[tuple[str, int], str],
    documents: dict[str, frozenset[str]],
    idf: dict[str, float],
    generic: frozenset[str] = frozenset(),
) -> tuple[str, Evidence] | None:
    """For "who wrote the article about X" when no line answers: the byline of the story most about X.

    Of the retrieved stories (best first), those about X (see is_about); of them the one whose lines
    mention X most: the idf-weighted share of its lines that hold each of X's terms. None when no
    story is about X or the chosen one has no byline: retrieval returns passages for any question,
    and a story merely near it must not be credited."""
    if not who_wrote(question):
        return None
    names, words = topic(question, generic)
    if not names and not words:
        return None
    about = [s for s in dict.fromkeys(stories) if is_about(documents.get(s, frozenset()), names, words, idf)]
    lines_of = story_lines(line_text, about)
    shares = {
        story: sum(idf.get(t, 1.0) * sum(t in held for _, held in lines) / len(lines) for t in names | words)
        for story, lines in lines_of.items()
        if lines
    }
    if not shares:
        return None
    best = max(shares, key=shares.__getitem__)  # on a tie, the better retrieved
    return first_byline(best, [n for n, _ in lines_of[best]], line_text)


def topic(question: str, generic: frozenset[str] = frozenset()) -> tuple[set[str], set[str]]:
    """What a who-wrote question says its story is about: its names, years and numbers, and its other
    words (tokens), less the words for the kind of text.

    >>> names, words = topic("Who wrote the article about Jiangxi's 2020 funds?")
    >>> sorted(names), sorted(words)
    (['2020', 'jiangxi'], ['fund'])
    """
    terms = question_terms(question, generic)
    names = terms["names"] | terms["years"] | terms["numbers"]
    return names, terms["words"] - _STORY_WORDS - names


def story_lines(
    line_text: dict[tuple[str, int], str], stories: Iterable[str]
) -> dict[str, list[tuple[int, set[str]]]]:
    """Each story's (line number, tokens), in line order; one pass over the corpus's lines."""
    lines_of: dict[str, list[tuple[int, set[str]]]] = {story: [] for story in stories}
    if not lines_of:
        return {}
    for (file, n), text in line_text.items():
        if file in lines_of:
            lines_of[file].append((n, set(tokenize(text))))
    return {story: sorted(lines, key=lambda line: line[0]) for story, lines in lines_of.items()}


def is_about(held: frozenset[str], names: set[str], words: set[str], idf: dict[str, float]) -> bool:
    """Whether a story (the set of its tokens) names every name of the topic and holds MIN_COVERAGE
    of its other words, weighted by idf (as a line must, to answer a question). Any story is about
    no topic."""
    weight = sum(idf.get(w, 1.0) for w in words)
    coverage = sum(idf.get(w, 1.0) for w in words & held) / weight if weight else 1.0
    return names <= held and coverage >= MIN_COVERAGE


def first_byline(
    story: str, line_numbers: list[int], line_text: dict[tuple[str, int], str]
) -> tuple[str, Evidence] | None:
    """The answer from the story's first line with a byline, if any (line numbers in order)."""
    for n in line_numbers:
        name = byline(line_text[story, n])
        if name:
            found = Evidence(story, n, 0, 0, line_text[story, n], 0.0, 0.0, 0)
            return f"{name}, named in the story's byline.", found
    return None
