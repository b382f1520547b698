"""Pure metric functions: worked cases, edge cases and a few properties."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.evaluation import metrics as m

SPANS = [("a.txt", 1, 3), ("b.txt", 5, 9), ("a.txt", 10, 12)]
GOLD = [("a.txt", 11), ("b.txt", 7)]


def test_docstring_examples_hold():
    result = doctest.testmod(m)
    assert result.attempted > 15 and result.failed == 0


@pytest.mark.parametrize(("k", "expected"), [(1, 0.0), (2, 0.5), (3, 1.0), (10, 1.0)])
def test_recall_at_k_counts_gold_lines_inside_first_k_spans(k, expected):
    assert m.recall_at_k(SPANS, GOLD, k) == expected


def test_recall_needs_same_file_and_inclusive_bounds():
    assert m.recall_at_k([("b.txt", 10, 12)], [("a.txt", 11)], 5) == 0.0
    assert m.recall_at_k([("a.txt", 10, 12)], [("a.txt", 10), ("a.txt", 12)], 1) == 1.0
    assert m.recall_at_k([("a.txt", 10, 12)], [("a.txt", 13)], 1) == 0.0


def test_recall_and_rr_undefined_without_gold_lines():
    assert m.recall_at_k(SPANS, [], 5) is None
    assert m.reciprocal_rank(SPANS, []) is None


def test_recall_counts_duplicate_gold_lines_once():
    assert m.recall_at_k(SPANS, [("b.txt", 7), ("b.txt", 7), ("a.txt", 50)], 3) == 0.5


def test_reciprocal_rank_first_span_with_any_gold_line():
    assert m.reciprocal_rank(SPANS, GOLD) == 0.5
    assert m.reciprocal_rank(SPANS, [("a.txt", 2)]) == 1.0
    assert m.reciprocal_rank(SPANS, [("c.txt", 2)]) == 0.0
    assert m.reciprocal_rank([], GOLD) == 0.0


@pytest.mark.parametrize(
    ("answer", "needles", "expected"),
    [
        ("The town had 16,687 residents.", ["16687"], True),
        ("The town had 16687 residents.", ["16,687"], True),
        ("It had 1,234,567 people", ["1234567"], True),
        ("It had 1\u202f234 people", ["1234"], True),
        ("PARIS is the capital", ["paris", "Capital"], True),
        ("Paris is the capital", ["paris", "London"], False),
        ("values 1,2,3", ["123"], False),  # a list, not a number with separators
        ("pi is 3,14", ["314"], False),  # decimal comma stays
        ("anything", [], True),
    ],
)
def test_contains_all(answer, needles, expected):
    assert m.contains_all(answer, needles) is expected


def test_abstained_answer_is_never_correct_even_if_it_mentions_the_answer():
    assert m.answer_correct("16,687", abstained=False, must_contain=["16687"])
    assert not m.answer_correct("I can't tell; 16,687?", abstained=True, must_contain=["16687"])


def test_abstention_correctness():
    assert m.abstention_correct(True, answerable=False)
    assert m.abstention_correct(False, answerable=True)
    assert not m.abstention_correct(False, answerable=False)
    assert not m.abstention_correct(True, answerable=True)


def test_token_f1_squad_style():
    assert m.token_f1("The Eiffel Tower!", ["eiffel tower"]) == 1.0
    assert m.token_f1("tower in paris", ["Eiffel Tower", "Paris"]) == pytest.approx(0.5)
    assert m.token_f1("16,687", ["16687"]) == 1.0  # punctuation removal joins the digits
    assert m.token_f1("nothing shared", ["Paris"]) == 0.0
    assert m.token_f1("anything", []) is None
    assert m.token_f1("", ["the"]) == 1.0  # both normalise to no tokens
    assert m.token_f1("", ["Paris"]) == 0.0


def test_answer_words():
    assert m.answer_words("") == 0
    assert m.answer_words(" one  two\nthree ") == 3


def test_citation_precision_and_recall():
    cited = [("a.txt", 11), ("a.txt", 12), ("a.txt", 11)]  # repeats count once
    assert m.citation_precision(cited, GOLD) == 0.5
    assert m.citation_recall(cited, GOLD) == 0.5
    assert m.has_gold_citation(cited, GOLD)


def test_empty_citations():
    assert m.citation_precision([], GOLD) is None
    assert m.citation_recall([], GOLD) == 0.0
    assert not m.has_gold_citation([], GOLD)
    assert m.citation_recall([("a.txt", 1)], []) is None
    assert m.citation_precision([("a.txt", 1)], []) == 0.0


def test_mean_defined_skips_none():
    assert m.mean_defined([None, None]) is None
    assert m.mean_defined([]) is None
    assert m.mean_defined([True, False, None]) == 0.5


def test_percentiles():
    assert m.percentile([], 50) is None
    assert m.percentile([7.0], 95) == 7.0
    assert m.p50_p95([1, 2, 3, 4, 5]) == {"p50": 3.0, "p95": pytest.approx(4.8)}
    assert m.percentile([1.0, float("nan"), 3.0], 50) == 2.0
    with pytest.raises(ValueError):
        m.percentile([1, 2], 101)


@settings(database=None)  # keep hypothesis from writing .hypothesis/ into the working directory
@given(st.lists(st.floats(0, 1e6), min_size=1, max_size=50), st.floats(0, 100))
def test_percentile_matches_numpy(values, q):
    assert m.percentile(values, q) == pytest.approx(float(np.percentile(values, q)), rel=1e-9, abs=1e-9)


spans_strategy = st.lists(
    st.tuples(st.sampled_from(["a.txt", "b.txt"]), st.integers(1, 20), st.integers(0, 5)).map(
        lambda t: (t[0], t[1], t[1] + t[2])
    ),
    max_size=12,
)
gold_strategy = st.lists(
    st.tuples(st.sampled_from(["a.txt", "b.txt"]), st.integers(1, 25)), min_size=1, max_size=5
)


@settings(database=None)  # keep hypothesis from writing .hypothesis/ into the working directory
@given(spans_strategy, gold_strategy)
def test_recall_is_monotone_in_k_and_bounded(spans, gold):
    values = [m.recall_at_k(spans, gold, k) for k in (1, 3, 5, 10, 20)]
    assert all(0.0 <= v <= 1.0 for v in values)
    assert values == sorted(values)
    rr = m.reciprocal_rank(spans, gold)
    assert (rr > 0) == (m.recall_at_k(spans, gold, len(spans)) > 0)


@settings(database=None)  # keep hypothesis from writing .hypothesis/ into the working directory
@given(st.integers(1000, 10**9))
def test_formatted_numbers_match_plain_numbers(n):
    assert m.contains_all(f"about {n:,} people", [str(n)])
    assert m.contains_all(f"about {n} people", [f"{n:,}"])


@pytest.mark.parametrize(
    ("answer", "any_of", "expected"),
    [
        ("The bridge opened in MAY 1932.", ["may 1932", "1933"], True),
        ("It is the Golden Gate.", ["a golden gate"], True),  # articles dropped on both sides
        ("Cost: $1,250.", ["1250"], True),  # punctuation dropped
        ("It opened in 1933.", ["1932"], False),
        ("whatever", ["."], True),  # normalises to "": matches anything, as in SQuAD
        ("anything", [], False),
    ],
)
def test_contains_any_after_squad_normalisation(answer, any_of, expected):
    assert m.contains_any(answer, any_of) is expected


def test_exact_match_squad_style():
    assert m.exact_match("The Golden Gate!", ["golden gate", "bridge"]) is True
    assert m.exact_match("Golden Gate Bridge", ["golden gate"]) is False
    assert m.exact_match("x", []) is None
