"""Who a sentence reports (qa/answer/attribution.py), on sentences written for these tests.

Tokens alone (spaCy's blank pipeline, the fast tier) find "According to X"; the reporting verbs
need the packaged pipeline's parse (model tier)."""

from __future__ import annotations

import pytest

from qa.answer.attribution import according_to, answer_speaker, speaker
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


def test_an_answer_is_attributed_when_a_cited_sentence_holds_it(blank):
    doc = blank(
        "The pier is 80 metres long. According to the harbour office, the night ferry costs 12 euros."
    )
    sentences = list(doc.sents)
    quote = "the night ferry costs 12 euros"
    assert answer_speaker(f"12 euros. {quote}", "12 euros", sentences) == "the harbour office"
    assert answer_speaker("The night ferry costs 12 euros [1].", "", sentences) == "the harbour office"
    assert answer_speaker("The pier is 80 metres long.", "", sentences) == ""  # a plain fact
    assert answer_speaker("The ferry is cheap.", "", sentences) == ""  # wording no sentence holds


def test_an_answer_that_names_its_speaker_is_not_prefixed_with_them(blank):
    sentences = list(blank("According to the harbour office, the night ferry costs 12 euros.").sents)
    whole = "According to the harbour office, the night ferry costs 12 euros."
    assert answer_speaker(whole, "", sentences) == ""  # the quote says whose it is
    assert answer_speaker(f"the harbour office. {whole}", "the harbour office", sentences) == ""


def test_the_pipeline_gives_the_speaker_with_the_answer_and_none_for_an_abstention(tmp_path):
    from tests.conftest import FERRY_QUESTION, ferry_statement_pipeline

    pipeline = ferry_statement_pipeline(tmp_path)
    answer = pipeline.ask(FERRY_QUESTION)
    assert answer.text == "The night ferry to Lund costs 12 euros." and answer.speaker == "the harbour office"
    assert answer.to_dict()["speaker"] == "the harbour office"
    abstained = pipeline.ask("When does the Bergen tram leave?")
    assert abstained.abstained and abstained.speaker == "" and abstained.to_dict()["speaker"] == ""


def test_according_to_names_pronouns_in_the_object_case_and_never_the_bot():
    assert according_to("Mayor Ana Ruiz") == "According to Mayor Ana Ruiz"
    assert [according_to(w) for w in ("he", "She", "they")] == [
        "According to him",
        "According to her",
        "According to them",
    ]
    assert according_to("we") == according_to("I") == "According to the cited text"


def parsed(blank, rows: str):
    """A hand-parsed Doc, so the pronoun rules are tested without a model: one token a line,
    `word pos dep head lemma [PERSON]`, head as the index of the token it depends on; a sentence
    starts after "."."""
    from spacy.tokens import Doc

    table = [line.split() for line in rows.strip().splitlines()]
    words, pos, deps, heads, lemmas, ents = [], [], [], [], [], []
    for word, tag, dep, head, lemma, *ent in table:
        words.append(word), pos.append(tag), deps.append(dep), heads.append(int(head)), lemmas.append(lemma)
        ents.append(("B-" if not ents or ents[-1] == "O" else "I-") + ent[0] if ent else "O")
    starts = [i == 0 or words[i - 1] == "." for i in range(len(words))]
    return Doc(
        blank.vocab, words, pos=pos, deps=deps, heads=heads, lemmas=lemmas, ents=ents, sent_starts=starts
    )


# Ines Okoro met Pavel Lind . She said it works .
MET = """
Ines PROPN compound 1 Ines PERSON
Okoro PROPN nsubj 2 Okoro PERSON
met VERB ROOT 2 meet
Pavel PROPN compound 4 Pavel PERSON
Lind PROPN dobj 2 Lind PERSON
. PUNCT punct 2 .
She PRON nsubj 7 she
said VERB ROOT 7 say
it PRON nsubj 9 it
works VERB ccomp 7 work
. PUNCT punct 7 .
"""


def test_a_pronoun_speaker_is_the_person_named_before_them_a_subject_first(blank):
    doc = parsed(blank, MET)
    said = list(doc.sents)[1]
    assert speaker(said.text, said) == "Ines Okoro"  # the subject, though Pavel Lind is nearer
    assert speaker(said.text, said, answer="Okoro") is None  # "Who said it works?"


def test_a_proper_noun_subject_the_parser_gave_no_entity_is_a_named_person(blank):
    # "Mayor Okoro spoke . She said it works ." with no entities at all (the small parser misses names)
    doc = parsed(
        blank,
        """
Mayor PROPN compound 1 Mayor
Okoro PROPN nsubj 2 Okoro
spoke VERB ROOT 2 speak
. PUNCT punct 2 .
She PRON nsubj 5 she
said VERB ROOT 5 say
it PRON nsubj 7 it
works VERB ccomp 5 work
. PUNCT punct 5 .
""",
    )
    said = list(doc.sents)[1]
    assert speaker(said.text, said) == "Mayor Okoro"
    alone = list(doc.sents)[1].as_doc()  # the sentence without its paragraph: no one to point back to
    assert speaker(alone.text, alone) == "she"


def test_a_pronoun_whose_paragraph_names_no_one_is_found_in_the_paragraphs_before(blank):
    named = parsed(blank, SPOKE)  # "Mayor Okoro spoke ."
    nobody = parsed(
        blank, "The DET det 1 the\ntide NOUN nsubj 2 tide\nrose VERB ROOT 2 rise\n. PUNCT punct 2 ."
    )
    said = parsed(blank, SAID)  # "She said it works ."
    assert speaker(said.text, said[:], earlier=[nobody, named]) == "Mayor Okoro"  # nearest that names one
    assert speaker(said.text, said[:], earlier=[nobody]) == "she"
    assert speaker(said.text, said[:]) == "she"


SPOKE = """
Mayor PROPN compound 1 Mayor
Okoro PROPN nsubj 2 Okoro
spoke VERB ROOT 2 speak
. PUNCT punct 2 .
"""
SAID = """
She PRON nsubj 1 she
said VERB ROOT 1 say
it PRON nsubj 3 it
works VERB ccomp 1 work
. PUNCT punct 1 .
"""


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


# A speaker who is "he" or "she" is the person named before them in the same paragraph.
POINTING_BACK = [
    ('Mayor Ana Ruiz backed the tunnel plan. "It cuts travel times by half," she added.', "Mayor Ana Ruiz"),
    ("Okafor praised the new ferry. He said the crossing would take 20 minutes.", "Okafor"),
    (
        "Engineer Tomas Varga met Hilde Brand on Monday. He said the dam would hold until 2040.",
        "Engineer Tomas Varga",
    ),
    ("The Orvik Shipping Company hired a captain. He said the route would reopen.", "he"),  # no person
    ('The council voted on Monday. "It is too late," she said.', "she"),
]


@pytest.mark.model
@pytest.mark.parametrize(("paragraph", "expected"), POINTING_BACK)
def test_a_pronoun_speaker_is_found_back_in_the_paragraph(parser, paragraph, expected):
    last = list(parser(paragraph).sents)[-1]
    assert speaker(last.text, last) == expected


@pytest.mark.model
@pytest.mark.parametrize(
    "notes, question",
    [
        (  # the quote is the line after the one naming its speaker
            "Mayor Ana Ruiz backed the Vell tunnel on Tuesday.\n"
            '"The Vell tunnel will open in 2029," she added.\n',
            "When will the Vell tunnel open?",
        ),
        (  # the quote is a paragraph of its own, two after the one naming its speaker
            "Mayor Ana Ruiz visited the Vell tunnel works on Tuesday.\n\n"
            "The council has paid for the first half.\n\n"
            '"The Vell tunnel will open to traffic in 2029," she said.\n',
            "When will the Vell tunnel open to traffic?",
        ),
    ],
    ids=["next-line", "later-paragraph"],
)
def test_a_quote_after_the_sentence_naming_its_speaker_is_theirs(tmp_path, notes, question):
    from tests.conftest import fake_pipeline, fake_settings_for

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "tunnel.md").write_text("# Tunnel notes\n\n" + notes)
    settings = fake_settings_for(tmp_path, docs).replace(
        generate="when-needed", language_model="packaged:en_core_web_sm"
    )
    answer = fake_pipeline(settings).ask(question)
    assert answer.short_answer == "2029" and answer.speaker == "Mayor Ana Ruiz"
    assert answer.to_dict()["speaker"] == "Mayor Ana Ruiz"
