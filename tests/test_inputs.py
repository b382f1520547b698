"""Cleaning and checking a user's question before any work is done on it."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.errors import InputError
from qa.inputs import HARD_LIMIT_CHARS, MAX_HISTORY_TURNS, clean_history, clean_question, printable


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("  What\x00 was\n the amount? ", "What was the amount?"),
        ("What\x07was\x7f it?\r\n", "What was it?"),
        ("Tabs\tand\u00a0spaces\u2028too", "Tabs and spaces too"),
        ("zero\u200bwidth", "zero width"),
        ("江西省2020年追回了多少医保基金？", "江西省2020年追回了多少医保基金？"),
        ("Café résumé naïve?", "Café résumé naïve?"),
        ("\x1b[1;31mWhat\x1b[0m was it?", "What was it?"),  # colours pasted from a terminal
        ("What\x1b[2J\x1b[H was it?", "What was it?"),  # clear screen, cursor home
        ("\x1b]0;title\x07What was it?", "What was it?"),  # window title (OSC)
        ("What was it?\x1b", "What was it?"),  # a lone escape
    ],
)
def test_clean_question(raw, cleaned):
    assert clean_question(raw) == cleaned


@pytest.mark.parametrize("size", [HARD_LIMIT_CHARS, HARD_LIMIT_CHARS + 1, 100 * 1024])
def test_a_huge_question_is_refused_with_the_limit_in_the_message(size):
    with pytest.raises(InputError, match="the limit is 2,000"):
        clean_question("a" * size)


def test_the_limit_counts_cleaned_characters():
    assert clean_question("a" * 10 + " " * 50, max_chars=10) == "a" * 10
    with pytest.raises(InputError, match="11 characters long; the limit is 10"):
        clean_question("a" * 11, max_chars=10)


@pytest.mark.parametrize("value", [None, b"What was it?", 42, ["What?"], {"q": "What?"}])
def test_a_non_string_is_refused(value):
    with pytest.raises(InputError, match="must be text"):
        clean_question(value)


@pytest.mark.parametrize("raw", ["", "   ", "\n\t\r", "\x00\x01\x02", "\x1b[31m\x1b[0m"])
def test_an_empty_question_is_refused(raw):
    with pytest.raises(InputError, match="empty"):
        clean_question(raw)


@pytest.mark.parametrize("raw", ["?", "?!...", "-- ** --", "？！", "\x1b[1m???\x1b[0m"])
def test_a_question_without_words_is_refused(raw):
    with pytest.raises(InputError, match="no words"):
        clean_question(raw)


@settings(max_examples=100, deadline=None, database=None)
@given(st.text(max_size=300), st.integers(min_value=1, max_value=300))
def test_a_cleaned_question_is_trimmed_printable_and_within_the_limit(raw, max_chars):
    try:
        cleaned = clean_question(raw, max_chars)
    except InputError:
        return
    assert cleaned == cleaned.strip() and "  " not in cleaned
    assert len(cleaned) <= max_chars
    assert not any(unicodedata.category(ch).startswith("C") for ch in cleaned)
    assert any(ch.isalnum() for ch in cleaned)
    assert clean_question(cleaned, max_chars) == cleaned  # cleaning twice changes nothing


# --- history: one check for Python, HTTP and Gradio (issue 18, defect 8) --------------------------------


def test_history_takes_pairs_and_objects_alike():
    pairs = [("Q1?", "A1."), ["Q2?", "A2."]]
    objects = [{"question": "Q1?", "answer": "A1."}, {"question": "Q2?", "answer": "A2."}]
    assert clean_history(pairs) == clean_history(objects) == [("Q1?", "A1."), ("Q2?", "A2.")]
    assert clean_history(None) == clean_history([]) == []


@pytest.mark.parametrize(
    ("history", "message"),
    [
        (["foo"], "history turn 1 must be a (question, answer) pair"),
        ("foo", "history must be a list of turns, not str"),
        ({"question": "Q?", "answer": "A."}, "history must be a list of turns, not dict"),
        ([("Q?", "A."), ("Q?",)], "history turn 2 must be"),
        ([{"question": "Q?"}], "lacks question or answer"),
        ([("Q?", None)], "must be text, not NoneType"),
        ([("Q?", "x" * 20_001)], "20,001 characters long; the limit is 20,000"),
        ([("Q?", "A.")] * 1001, "1,001 turns; the limit is 1,000"),
        (42, "not int"),
    ],
)
def test_bad_history_is_a_clear_input_error(history, message):
    with pytest.raises(InputError, match=re.escape(message)):
        clean_history(history)


def test_a_long_history_keeps_its_latest_turns():
    history = [(f"Q{n}?", f"A{n}.") for n in range(100)]
    assert clean_history(history) == history[-MAX_HISTORY_TURNS:]


def test_printable_keeps_text_and_drops_what_drives_a_terminal():
    assert printable("Zürich 中文 👩\u200d💻\ta\nb") == "Zürich 中文 👩\u200d💻\ta\nb"
    assert printable("\x1b]0;title\x07x\x1b[2J\x0c\x0b\x08\x7f\x9b\u202ey") == "xy"
