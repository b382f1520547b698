"""The one contradiction check of the keyword check and the gate: names matched loosely, years, numbers."""

from types import SimpleNamespace

import pytest

from qa.answer.mismatch import DATE_LABELS, close, loosely_in, question_terms, states_new, unit_mismatch


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


def ents(*pairs):
    return SimpleNamespace(ents=[SimpleNamespace(text=t, label_=label) for t, label in pairs])


def test_a_new_date_entity_is_stated_but_not_one_the_question_gives():
    assert states_new(ents(("430 BC", "DATE")), DATE_LABELS, {"plague"})
    assert not states_new(ents(("1812", "DATE")), DATE_LABELS, {"1812", "war"})
    assert not states_new(ents(("Athens", "GPE")), DATE_LABELS, set())
    assert not states_new(None, DATE_LABELS, set())


def test_whether_the_paragraph_names_somebody_may_be_given():
    terms = question_terms("How much did Jiangxi recover?", frozenset())
    said, line = "The fund recovered 7 yuan.", "Medical Insurance Funds. The fund recovered 7 yuan."
    document = frozenset({"jiangxi"})
    assert unit_mismatch(terms, said, line, document) == {"jiangxi"}  # capitalised words count
    assert unit_mismatch(terms, said, line, document, line_names=False) == set()


def test_a_negated_question_is_not_answered_by_a_unit_that_negates_nothing():
    terms = question_terms("Which bridge was not rebuilt after the flood?", frozenset())
    rebuilt = "The stone bridge was rebuilt after the flood."
    assert unit_mismatch(terms, rebuilt, rebuilt) == {"not"}
    kept = "The wooden bridge was never rebuilt after the flood."
    assert unit_mismatch(terms, kept, kept) == set()
    asked = question_terms("Which bridge was rebuilt after the flood?", frozenset())
    assert unit_mismatch(asked, kept, kept) == set()  # a plain question may be answered by a denial


def test_a_word_of_opposite_prefix_answers_a_negated_question():
    terms = question_terms("Which valves are not operational in winter?", frozenset())
    shut = "The upper valves are nonoperational in winter."
    assert unit_mismatch(terms, shut, shut) == set()
    plain = question_terms("Which valves are operational in winter?", frozenset())
    assert unit_mismatch(plain, shut, shut) == {"operational"}  # a plain question: the opposite contradicts


def test_whether_or_not_asks_no_negation():
    terms = question_terms("Which test decides whether or not a dam is safe?", frozenset())
    said = "The load test decides if a dam is safe."
    assert unit_mismatch(terms, said, said) == set()


def test_a_pronoun_glued_to_a_dash_still_points_back():
    from qa.answer.mismatch import points_back

    assert points_back("In the spring vote—its first—it won most seats.")


def test_a_negated_sentence_states_the_opposite_of_a_plain_questions_word():
    terms = question_terms("Which valves are nonoperational in winter?", frozenset())
    said = "The upper valves are not operational in winter."
    assert unit_mismatch(terms, said, said) == set()  # "not operational" says "nonoperational"
    plain = "The upper valves are operational in winter."
    assert unit_mismatch(terms, plain, plain) == {"nonoperational"}


@pytest.mark.parametrize("asked, said", [(1764, 1864), (1570, 1750), (2030, 2020)])
def test_a_year_of_any_century_is_contradicted_by_another(asked, said):
    terms = question_terms(f"What did the guild build in {asked}?", frozenset())
    unit = f"In {said} the guild built a hall."
    assert unit_mismatch(terms, unit, unit) == {str(asked)}


def test_a_year_its_document_never_mentions_is_missing_from_a_sentence_without_years():
    terms = question_terms("Who explored the valley in 1570?", frozenset())
    said = "The valley was explored by a party of trappers."
    document = frozenset({"valley", "explor", "trapper", "1750"})
    assert unit_mismatch(terms, said, said, document) == {"1570"}
    assert unit_mismatch(terms, said, said, document | {"1570"}) == set()  # the dateline may give it
    assert unit_mismatch(terms, said, said) == set()  # no document to read


def test_a_sentence_counting_the_asked_thing_otherwise_contradicts_the_count():
    terms = question_terms("Which rule holds for three coupled pendulums?", frozenset())
    two = "A simple rule holds for two coupled pendulums."
    assert unit_mismatch(terms, two, two) == {"3"}
    three = "A simple rule holds for 3 coupled pendulums."
    assert unit_mismatch(terms, three, three) == set()  # figures and words count alike
    uncounted = "A simple rule holds for coupled pendulums of 2 metres."
    assert unit_mismatch(terms, uncounted, uncounted) == set()  # the 2 counts metres


def test_counts_start_at_two_and_stop_at_function_words():
    from qa.answer.mismatch import counted_words

    assert counted_words("one way to see it") == {}  # "one" is a pronoun as often as a number
    assert counted_words("after 40 years of age") == {"year": {40}}
    assert counted_words("the 1755 campaign") == {}  # a year, checked as one


def test_a_negated_question_needs_a_unit_denying_something_it_asks_about():
    terms = question_terms("Which crops are not grown in the valley?", frozenset())
    elsewhere = "Rice is grown in the valley, where farmers do not keep goats."
    assert unit_mismatch(terms, elsewhere, elsewhere) == {"not"}  # it denies goats, not growing
    denied = "Rice is not grown in the valley."
    assert unit_mismatch(terms, denied, denied) == set()


def test_a_negation_elsewhere_in_the_unit_does_not_excuse_a_stated_opposite():
    terms = question_terms("Which valves are nonoperational in winter?", frozenset())
    said = "The upper valves are operational in winter, not rusty."
    assert unit_mismatch(terms, said, said) == {"nonoperational"}
