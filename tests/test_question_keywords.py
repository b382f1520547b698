"""The keyword rules' reading of a question's wording (qa/answer/question.py, second half): no models."""

from __future__ import annotations

import pytest

from qa.answer.question import answer_kind, counts_asked_noun, is_list_question, key_terms, wants_percentage


@pytest.mark.parametrize(
    ("question", "years", "numbers", "names"),
    [
        ("What was Jiangxi's 2030 fund of 5 million?", {"2030"}, {"5"}, {"jiangxi"}),
        ("How many institutions did Jiangxi handle in 2020?", {"2020"}, set(), {"jiangxi"}),
        ("Jiangxi recovered how much?", set(), set(), set()),  # the first word is never a name
        ("What is the rate in Hebei and Jiangsu, about 95%?", set(), {"95%"}, {"hebei", "jiangsu"}),
        ("How many were handled: 16,687?", set(), {"16687"}, set()),
        ("What did Long Guoying propose?", set(), set(), {"long", "guoy"}),  # stemmed like any token
    ],
)
def test_key_terms(question, years, numbers, names):
    assert key_terms(question) == {"years": years, "numbers": numbers, "names": names}


def test_when_as_a_conjunction_does_not_ask_for_a_date():
    assert answer_kind("What core idea did many provinces emphasize when reviewing their 2023 work?") == ""
    assert answer_kind("When was the notice issued?") == "date"
    assert answer_kind("Exactly when did the notice take effect?") == "date"


def test_which_noun_verbs_to_asks_for_one_not_a_list():
    assert not is_list_question("Which province plans to implement the adjustment fund model?")
    assert is_list_question("Which key groups does the 2023 notice single out?")


def test_a_percentage_is_a_figure_asked_for_as_one():
    assert wants_percentage("By what percentage did enrolment fall?")
    assert not wants_percentage("Who set the rate?")  # asks a name, not the figure


def test_a_count_in_words_counts_the_asked_noun():
    assert counts_asked_noun("How many aspects did it name?", "it named ten aspects")
    assert not counts_asked_noun("How many aspects did it name?", "it named many aspects")
