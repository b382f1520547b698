"""Rewriting a follow-up question so that it stands alone."""

from __future__ import annotations

import pytest

from qa.answer.conversation import is_follow_up, standalone

JIANGXI_Q = "What was Jiangxi's 2020 recovered fund amount?"
JILIN_Q = "What is Jilin's subsidy standard?"
HISTORY = [(JIANGXI_Q, "723 million yuan")]


@pytest.mark.parametrize(
    ("follow_up", "expected"),
    [
        ("and in 2023?", "What was Jiangxi's 2023 recovered fund amount?"),
        ("What about 2019?", "What was Jiangxi's 2019 recovered fund amount?"),
        ("What about Fujian?", "What was Fujian's 2020 recovered fund amount?"),
        ("how about Hebei?", "What was Hebei's 2020 recovered fund amount?"),
        ("And Fujian in 2021?", "What was Fujian's 2021 recovered fund amount?"),
    ],
)
def test_years_and_names_of_a_follow_up_replace_those_of_the_last_question(follow_up, expected):
    assert standalone(follow_up, HISTORY) == expected


def test_name_swap_keeps_the_possessive():
    assert standalone("What about Fujian?", [(JILIN_Q, "640 yuan")]) == "What is Fujian's subsidy standard?"


def test_only_the_latest_question_is_rewritten():
    history = [(JILIN_Q, "640 yuan"), (JIANGXI_Q, "723 million yuan")]
    assert standalone("and in 2021?", history) == "What was Jiangxi's 2021 recovered fund amount?"


@pytest.mark.parametrize("follow_up", ["which province was that?", "Who said that?", "and why?"])
def test_a_pointing_follow_up_gets_the_previous_question_attached(follow_up):
    rewritten = standalone(follow_up, HISTORY)
    assert JIANGXI_Q in rewritten
    assert rewritten != follow_up


@pytest.mark.parametrize(
    "question",
    [
        "What did the Jiangxi bureau recover in 2021?",
        "How many illegal medical institutions did Jiangxi handle in 2020?",
        "What did the government work report say about it and the subsidy?",  # long, so not pointing back
    ],
)
def test_a_question_that_stands_alone_is_unchanged(question):
    assert not is_follow_up(question)
    assert standalone(question, HISTORY) == question


@pytest.mark.parametrize("history", [None, []])
@pytest.mark.parametrize("question", ["and in 2023?", "What about Fujian?", "which province was that?"])
def test_without_history_nothing_is_rewritten(question, history):
    assert standalone(question, history) == question


@pytest.mark.parametrize(
    ("question", "follow_up"),
    [
        ("and in 2023?", True),
        ("But Hebei?", True),
        ("what about that?", True),
        ("Is it higher?", True),
        ("What was the 2020 amount in Jiangxi?", False),
        ("Andrew Smith said what?", False),  # "And" inside a word does not lead
    ],
)
def test_is_follow_up(question, follow_up):
    assert is_follow_up(question) is follow_up
