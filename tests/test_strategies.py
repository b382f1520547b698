"""The answer strategies' switches: names are checked, and a switched-off strategy never runs; the
quoted span, and the runner-up sentence quoted beside it."""

import pytest

from qa.answer import strategies as s
from qa.answer.evidence import Evidence
from qa.answer.question import QuestionAnalysis
from qa.errors import InputError


def test_disabled_names_are_checked():
    assert s.disabled("") == frozenset()
    assert s.disabled(" reader ,short-answer") == {"reader", "short-answer"}
    with pytest.raises(InputError, match="known: quoted-span, short-answer, reader"):
        s.disabled("readers")


def test_every_strategy_has_a_unique_name_and_a_description():
    names = [x.name for x in s.STRATEGIES]
    assert len(names) == len(set(names))
    assert all(x.about for x in s.STRATEGIES)
    assert set(s.STRATEGY_NAMES) == {
        *names,
        s.SHORT_ANSWER,
        s.READER,
        s.KEYWORD_GATE,
        s.HEADINGS,
        s.RUNNER_UP,
        s.NAMED,
        s.LISTS,
        s.ANTONYMS,
    }


def test_first_draft_walks_the_enabled_strategies_in_order(monkeypatch):
    calls = []

    def fake(name, result):
        def answer(context):
            calls.append(name)
            return result

        return s.Strategy(name, lambda c: True, answer, name)

    draft = s.Draft("from b", ())
    monkeypatch.setattr(s, "STRATEGIES", (fake("a", None), fake("b", draft), fake("c", s.Draft("c", ()))))
    assert s.first_draft(None, frozenset()) is draft
    assert calls == ["a", "b"]
    calls.clear()
    assert s.first_draft(None, frozenset({"b"})).text == "c"
    assert calls == ["a", "c"]


def unit(text: str, score: float, start: int, file: str = "a.txt") -> Evidence:
    return Evidence(file, 1, start, start + len(text), text, score, score, 1)


def context(query: str, answering: list[Evidence], runner_up: bool = True) -> s.Context:
    return s.Context(
        query, [], answering, answering, {}, {}, frozenset(), {}, frozenset(),
        analysis=lambda: QuestionAnalysis(query, "thing", (), frozenset()), parse=None, reader=None,
        sentences=None,
        short_answers=False, runner_up=runner_up,
    )  # fmt: skip


LIGHTHOUSE = "The lighthouse was built of granite."
KEEPER = "Its first keeper was Ada Brook."


def test_a_second_sentence_scoring_nearly_as_well_is_quoted_in_reading_order():
    first, second = unit(KEEPER, 0.80, 40), unit(LIGHTHOUSE, 0.78, 0)
    question = "What is known of the lighthouse and its keeper?"
    draft = s.first_draft(context(question, [first, second]), frozenset())
    assert draft.text == f"{LIGHTHOUSE} {KEEPER}"
    assert draft.units == (second, first)


def test_a_clearly_weaker_or_switched_off_runner_up_is_not_quoted():
    first, weak = unit(KEEPER, 0.80, 40), unit(LIGHTHOUSE, 0.50, 0)
    question = "What is known of the lighthouse and its keeper?"
    assert s.first_draft(context(question, [first, weak]), frozenset()).units == (first,)
    close = unit(LIGHTHOUSE, 0.79, 0)
    assert s.first_draft(context(question, [first, close], runner_up=False), frozenset()).units == (first,)


def test_a_runner_up_overlapping_the_quoted_sentence_is_skipped():
    first = unit(KEEPER, 0.80, 40)
    clause = unit("first keeper was Ada Brook.", 0.80, 44)
    assert s.runner_up(context("Who was the first keeper?", [first, clause]), [first, clause], first) is None


def test_a_short_answer_spaced_out_by_justified_text_reads_with_single_spaces(monkeypatch):
    spaced = unit("It uses the GNU   readline     library for input.", 0.8, 0)
    monkeypatch.setattr(s, "_short", lambda c, u: ("GNU   readline     library", ()))
    c = context("Which library does it use for input?", [spaced])
    c.short_answers = True
    draft = s.first_draft(c, frozenset())
    assert draft.short_answer == "GNU readline library"
    assert draft.text.startswith("GNU readline library. ")


def test_a_question_counting_its_things_quotes_a_sentence_listing_that_many_first(monkeypatch):
    one = unit("Ships of many kinds call at the harbour.", 0.80, 0)
    two = unit("Oslo and Bergen run ferries.", 0.70, 60)
    lists = {one.text: "", two.text: "Oslo and Bergen"}
    monkeypatch.setattr(s, "counted_list", lambda asks, sentence: lists[sentence])
    c = context("Which two ports run ferries?", [one, two])
    c.parse = lambda u: u.text
    c.analysis = lambda: QuestionAnalysis(
        "Which two ports run ferries?", "place", (), frozenset(), "port", count=2
    )
    assert s.first_draft(c, frozenset()).units == (two,)  # the list answers: no runner-up beside it
    c.lists, c.runner_up = False, False
    assert s.first_draft(c, frozenset()).units == (one,)
