"""The one contradiction check of the keyword check and the gate: names matched loosely, years, numbers."""

import pytest

from qa.answer.mismatch import close, loosely_in, question_terms, unit_mismatch


@pytest.mark.parametrize(
    "a, b, same",
    [
        ("mendez", "méndez", True),  # typed without the accent
        ("bjorkman", "björkmann", True),  # without the accent and one letter short
        ("tomas", "tomás", True),
        ("kolbe", "kobel", False),  # two letters moved apart, not neighbours swapped
        ("harlow", "hralow", True),  # neighbours swapped
        ("harlow", "harlwo", True),
        ("ural", "rual", False),  # short names must match exactly
    ],
)
def test_names_match_without_accents_and_with_swapped_letters(a, b, same):
    assert close(a, b) is same


def test_a_question_without_accents_finds_an_accented_name():
    assert loosely_in("ostersund", {"östersund", "bridge"})
    assert loosely_in("emile", {"émile"})


def test_an_unaccented_name_against_a_sentence_about_it():
    terms = question_terms("Where did Mendez found the guild?", frozenset())
    unit = "Méndez founded the guild in Seville."
    assert unit_mismatch(terms, unit, unit) == set()
    other = "Ortega founded the guild in Seville."
    assert unit_mismatch(terms, other, other) == {"mendez"}
