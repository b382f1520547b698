"""Ways of answering from the quoted lines themselves, each behind one interface.

A strategy has a `name`, `applies(context) -> bool` and `answer(context) -> Draft | None`. The
pipeline walks `STRATEGIES` in order and takes the first draft; when none answers, the generator
writes (or the pipeline abstains when nothing may answer). `Settings.disabled_strategies` switches
any of them off by name, so `qa eval` can show what each one is worth.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from qa.answer.evidence import Evidence
from qa.answer.extractive import extract_answer
from qa.answer.lists import counted_list, whole_list
from qa.answer.named import answer_name
from qa.answer.question import QuestionAnalysis
from qa.answer.reader import Reader
from qa.answer.short_answer import short_answer
from qa.answer.verify import informative
from qa.errors import InputError
from qa.ingest.analysis import SentenceIndex
from qa.records import Hit


@dataclass(frozen=True)
class Draft:
    """An answer a strategy wrote: its text, the evidence units it cites, how it was made."""

    text: str
    units: tuple[Evidence, ...]
    method: str = "extractive"
    short_answer: str = ""
    # (file, line) cited besides the units: the heading line a short answer was taken from
    also_cites: tuple[tuple[str, int], ...] = ()


@dataclass
class Context:
    """What every strategy may read about one question; built once by the pipeline."""

    query: str
    hits: list[Hit]
    evidence: list[Evidence]  # the best sentences of the hits
    answering: list[Evidence]  # those that may answer (verify.answering_units)
    lines: dict[tuple[str, int], str]
    idf: dict[str, float]
    common_terms: frozenset[str]  # terms on most lines of the corpus
    file_tokens: dict[str, frozenset[str]]  # file -> its tokens
    lower_case_words: frozenset[str]  # words the corpus writes in lower case
    analysis: Callable[[], QuestionAnalysis]  # parsed on first use
    parse: Callable[[Evidence], object]  # unit -> its stored spaCy parse (a Span)
    reader: Callable[[], Reader]
    sentences: SentenceIndex
    generate: str = "when-needed"
    short_answers: bool = True  # False when the "short-answer" switch is off
    runner_up: bool = True  # False when the "runner-up" switch is off: one sentence is quoted
    use_reader: bool = True  # False when the "reader" switch is off: the rules pick the short answer
    names: bool = True  # False when the "named" switch is off (qa/answer/named.py)
    lists: bool = True  # False when the "lists" switch is off (qa/answer/lists.py)
    gate_support: float | None = None  # the learned gate's best P(answer); None with the keyword gate


def quoted_span(c: Context, answering: list[Evidence]) -> tuple[str, Evidence]:
    """The span of the first answering unit that adds something to the question ("Li Linkang said."
    does not), else the best unit's span."""
    fallback = None
    for unit in answering:
        span = extract_answer(c.query, unit, idf=c.idf)
        if informative(span, c.query):
            return span, unit
        fallback = fallback or (span, unit)
    return fallback


# A second answering sentence scoring at least this share of the quoted one is quoted too. Chosen on
# 300 SQuAD training questions (evals/training.py): at 0.9 the second sentence holds an answer the
# first misses for 12 of them, and 42 answers grow a sentence.
TIE_SHARE = 0.9


def runner_up(c: Context, answering: list[Evidence], first: Evidence) -> tuple[str, Evidence] | None:
    """The span of the next answering unit after `first` when the evidence can hardly tell the two
    apart (it scores at least TIE_SHARE of `first`) and it adds something to the question."""
    for unit in answering:
        if unit is first or _overlaps(unit, first):
            continue
        if unit.score < TIE_SHARE * first.score:
            return None
        span = extract_answer(c.query, unit, idf=c.idf)
        return (span, unit) if informative(span, c.query) else None
    return None


def _overlaps(a: Evidence, b: Evidence) -> bool:
    return a.file == b.file and a.start < b.end and b.start < a.end


def _span_draft(c: Context, answering: list[Evidence]) -> Draft | None:
    if c.generate != "when-needed":
        return None
    listing = set()  # "Which two provinces …": a sentence listing two is quoted first, and alone
    if c.lists and c.analysis().count > 1:
        listing = {u for u in answering if counted_list(c.analysis(), c.parse(u))}
        answering = sorted(answering, key=lambda u: u not in listing)
    span, unit = quoted_span(c, answering)
    if not informative(span, c.query):
        return None
    short, also = _short(c, unit) if c.short_answers else ("", ())
    short = " ".join(short.split())  # justified man pages space words out: "GNU  read-line  library"
    quoted = [(span, unit)]
    second = runner_up(c, answering, unit) if c.runner_up and unit not in listing else None
    if second is not None:
        quoted.append(second)
        if second[1].file == unit.file:  # one file's sentences read in its order
            quoted.sort(key=lambda q: q[1].start)
    text = " ".join(_closed(s) for s, _ in quoted) if len(quoted) > 1 else span
    units = tuple(u for _, u in quoted)
    return Draft(f"{short}. {text}" if short else text, units, short_answer=short, also_cites=also)


def _closed(span: str) -> str:
    """A quoted span ending in a full stop, so that two of them read as two sentences."""
    span = span.rstrip()
    return span if span.endswith((".", "!", "?", '"', "'", ")", ":", ";")) else span + "."


def _short(c: Context, unit: Evidence) -> tuple[str, tuple[tuple[str, int], ...]]:
    """The short answer for the unit and the lines cited for it besides the unit's own: when the question
    asks for a name, the unit's or its heading's (qa/answer/named.py), the heading's cited where it is
    written; else the trained reader's pick, or the rules' (qa/answer/short_answer.py)."""
    if c.names:
        named = answer_name(c.analysis(), unit, c.lines, c.lower_case_words)
        if named is not None:
            return named.text, () if named.line in unit.lines else ((unit.file, named.line),)
    asks, sentence = c.analysis(), c.parse(unit)
    counted = counted_list(asks, sentence) if c.lists else ""
    if counted:
        return counted, ()
    pick = c.reader().pick(asks, sentence)[0] if c.use_reader else short_answer(asks, sentence)
    return (whole_list(asks, sentence, pick) if c.lists else pick), ()


@dataclass(frozen=True)
class Strategy:
    name: str
    applies: Callable[[Context], bool]
    answer: Callable[[Context], Draft | None]
    about: str


def _answering(c: Context) -> bool:
    return bool(c.answering)


STRATEGIES: tuple[Strategy, ...] = (
    Strategy(
        "quoted-span",
        _answering,
        lambda c: _span_draft(c, c.answering),
        "the clause of the best answering sentence that answers, quoted",
    ),
)
# Not a strategy of its own: the short phrase that leads a quoted answer ("723 million yuan. …").
SHORT_ANSWER = "short-answer"
# Nor this: on (the default), the trained reader (qa/answer/reader.py) picks that short phrase;
# off, the rules of qa/answer/short_answer.py do.
READER = "reader"
# Not a strategy either: which units may answer. On (the default), the keyword check of
# verify.answering_units decides; off, the learned gate (qa/answer/gate.py) does.
KEYWORD_GATE = "keyword-gate"
# Nor this: on (the default), the section headings above a sentence (qa/ingest/sections.py) count as
# part of its paragraph when evidence is scored and checked; off, they count for nothing (retrieval
# still searches them: that is decided when the index is built).
HEADINGS = "headings"
# Nor this: on (the default), a second sentence the evidence scores nearly as well is quoted after
# the first (see runner_up); off, one sentence is.
RUNNER_UP = "runner-up"
# Nor this: on (the default), a question asking for a thing's name ("Which function …?") is answered
# by the name the sentence writes or, when it writes none, the heading above it (qa/answer/named.py).
NAMED = "named"
# Nor this: on (the default), a question asking for several things ("Which provinces …?") gets the whole
# list its short answer is an item of (qa/answer/lists.py); off, the one item.
LISTS = "lists"
# Nor this: on (the default), the keyword check reads a WordNet antonym of an asked word in a sentence
# as a contradiction ("inside the city" / "outside the city", qa/answer/antonyms.py); off, it does not.
ANTONYMS = "antonyms"
STRATEGY_NAMES: tuple[str, ...] = (
    *(s.name for s in STRATEGIES),
    SHORT_ANSWER,
    READER,
    KEYWORD_GATE,
    HEADINGS,
    RUNNER_UP,
    NAMED,
    LISTS,
    ANTONYMS,
)


def disabled(setting: str) -> frozenset[str]:
    """The names in a comma-separated `disabled_strategies` setting, checked.

    >>> sorted(disabled("reader, short-answer"))
    ['reader', 'short-answer']
    """
    names = frozenset(n.strip() for n in setting.split(",") if n.strip())
    unknown = names - set(STRATEGY_NAMES)
    if unknown:
        raise InputError(
            f"disabled_strategies names no strategy: {', '.join(sorted(unknown))}; "
            f"known: {', '.join(STRATEGY_NAMES)}"
        )
    return names


def first_draft(c: Context, off: frozenset[str]) -> Draft | None:
    """The first draft of the enabled strategies that apply, in order; None when none answers."""
    for strategy in STRATEGIES:
        if strategy.name not in off and strategy.applies(c):
            draft = strategy.answer(c)
            if draft is not None:
                return draft
    return None
