"""The answer strategies' switches: names are checked, and a switched-off strategy never runs."""

import pytest

from qa.answer import strategies as s
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
    assert set(s.STRATEGY_NAMES) == {*names, s.SHORT_ANSWER, s.READER, s.KEYWORD_GATE, s.HEADINGS, s.NAMED}


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
