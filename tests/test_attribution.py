"""Who a sentence reports (qa/answer/attribution.py), on sentences written for these tests.

Tokens alone (spaCy's blank pipeline, the fast tier) find "According to X"; the reporting verbs
need the packaged pipeline's parse (model tier)."""

from __future__ import annotations

import pytest

from qa.answer.attribution import speaker
from qa.nlp import load_nlp


@pytest.fixture(scope="module")
def blank():
    return load_nlp("blank:en")


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("According to the harbour office, the night ferry costs 12 euros.", "the harbour office"),
        ('"According to Dr. Ines Moro, the glacier lost 9 metres."', "Dr. Ines Moro"),
        ("The night ferry costs 12 euros, according to the timetable.", "the timetable"),
        ("The night ferry costs 12 euros.", None),
        ("Fares are set according to demand.", None),  # "in line with": no one is reported
        ("According to Dr. Ines Moro the glacier lost 9 metres.", None),  # where X ends is unknown
    ],
)
def test_according_to_is_found_from_tokens_alone(blank, sentence, expected):
    assert speaker(sentence, blank(sentence)) == expected
    assert speaker(sentence) == expected  # no Doc: the text is tokenized


def test_without_a_parse_a_reporting_verb_is_not_guessed(blank):
    sentence = "Captain Mira Holt believes that the old pier will close in 2031."
    assert speaker(sentence, blank(sentence)) is None


def test_an_answer_inside_the_speakers_own_words_is_about_the_speaker(blank):
    sentence = "According to a 2019 survey of harbours, most ferries run late."
    assert speaker(sentence, answer="2019") is None  # "When was the survey?" is no opinion
    assert speaker(sentence, answer="most ferries") == "a 2019 survey of harbours"


# --- with the packaged parser ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def parser():
    return load_nlp("packaged:en_core_web_sm")


REPORTED = [
    ("Captain Mira Holt believes that the old pier will close in 2031.", "Captain Mira Holt"),
    ("The new lighthouse will cost 3 million euros, the port director said.", "the port director"),
    ('"The herring season was the best in years," said fisherman Ole Berg.', "fisherman Ole Berg"),
    ("She thinks the museum should open on Sundays.", "she"),
    ("Economists argued that the toll would raise fares.", "economists"),
    ("Professor Lin Wei, a geologist at Tarn University, thinks the cave is older.", "Professor Lin Wei"),
    ("The ferries, the harbour master said, will run until midnight.", "the harbour master"),
    ("The town council has announced that the pool will close in May.", "the town council"),
    ("Inspectors pointed out that the bridge needs new cables.", "inspectors"),
    ('"Fares must fall," she said.', "she"),
    ("According to the weather service, the storm will reach the coast on Friday.", "the weather service"),
]
FACTS = [
    "The old pier closed in 2031.",
    "In 2022 the harbour handled 4,100 ships.",
    "It is believed that the fire started in the engine room.",  # no one to name
    "He said goodbye to the crew.",  # said, but reports nothing
    "The harbour master learned from the coast guard that two boats were missing.",
    "It says the fare is 5 euros.",
    "This suggests that the water was higher.",
    "Fares are set according to the rules of the port authority.",
]


@pytest.mark.model
@pytest.mark.parametrize(("sentence", "expected"), REPORTED)
def test_a_reported_opinion_or_statement_names_its_speaker(parser, sentence, expected):
    assert speaker(sentence, parser(sentence)) == expected


@pytest.mark.model
@pytest.mark.parametrize("sentence", FACTS)
def test_a_plain_fact_has_no_speaker(parser, sentence):
    assert speaker(sentence, parser(sentence)) is None


@pytest.mark.model
def test_a_span_of_a_longer_text_is_read_as_its_own_sentence(parser):
    doc = parser("The pier is 80 metres long. Captain Mira Holt believes that it will close in 2031.")
    first, second = doc.sents
    assert speaker(first.text, first) is None
    assert speaker(second.text, second) == "Captain Mira Holt"


@pytest.mark.model
def test_an_answer_about_the_speaker_is_not_attributed_to_them(parser):
    sentence = "Captain Mira Holt, who sailed for 30 years, believes that the old pier will close in 2031."
    doc = parser(sentence)
    assert speaker(sentence, doc, answer="2031") == "Captain Mira Holt"
    assert speaker(sentence, doc, answer="Mira Holt") is None  # "Who believes …?"
    assert speaker(sentence, doc, answer="30 years") is None  # a fact about her, not her opinion
