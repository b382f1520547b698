"""What a question asks for: answer kinds from question words, with the real spaCy pipeline."""

import pytest

from qa.answer.question import KIND_LABELS, analyse_question
from qa.errors import ModelError
from qa.nlp import load_nlp, model_folder

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def nlp():
    return load_nlp()


@pytest.mark.parametrize(
    "question, kind",
    [
        ("Who founded the observatory?", "person"),
        ("When did the bridge open to traffic?", "date"),
        ("Where was the treaty signed?", "place"),
        ("How many moons does the planet have?", "count"),
        ("How much did the harbour cost to build?", "amount"),
        ("How long did the siege last?", "duration"),
        ("Why did the miners strike?", "reason"),
        ("How does a siphon move water uphill?", "manner"),
        ("In what year was the lighthouse rebuilt?", "date"),
        ("Which city hosted the first exhibition?", "place"),
        ("What percentage of the vote did she win?", "percent"),
        ("What was the museum's total budget?", "money"),
        ("What gas do plants release at night?", "thing"),
        ("Is the ferry still running?", "yes-no"),
    ],
)
def test_answer_kind_comes_from_the_question_words(nlp, question, kind):
    analysis = analyse_question(question, nlp)
    assert analysis.answer_kind == kind
    assert analysis.labels == KIND_LABELS[kind]


@pytest.mark.parametrize(
    "question, focus",
    [
        ("Which function prints the error?", "function"),  # "function" tagged a verb
        ("Which function empties the queue?", "function"),  # "which" parsed as its subject
        ("Which came first?", ""),
        ("What causes the tides?", ""),
    ],
)
def test_the_noun_after_which_is_the_focus_even_when_tagged_a_verb(nlp, question, focus):
    assert analyse_question(question, nlp).focus == focus


def test_terms_are_content_lemmas_without_question_words(nlp):
    terms = analyse_question("When were the old bridges rebuilt by the engineers?", nlp).terms
    assert {"bridge", "rebuild", "engineer"} <= terms
    assert not terms & {"when", "were", "the", "by"}


def test_why_and_how_questions_want_the_sentence_not_a_phrase(nlp):
    assert not analyse_question("Why did the harvest fail?", nlp).wants_phrase
    assert analyse_question("Who painted the ceiling?", nlp).wants_phrase


def test_the_packaged_pipeline_is_checked_and_a_missing_one_says_what_to_install():
    assert (model_folder("packaged:en_core_web_sm") / "config.cfg").is_file()
    with pytest.raises(ModelError, match="pip install"):
        model_folder("no_such_spacy_pipeline_xyz")
    with pytest.raises(ModelError, match="no packaged language model"):
        model_folder("packaged:klingon")


def test_a_question_word_opening_a_clause_does_not_set_the_kind(nlp):
    analysis = analyse_question("When a storm floods the harbour, what does the town close?", nlp)
    assert analysis.answer_kind == "thing"
    assert "storm" in analysis.terms  # the clause's words still count
    assert analyse_question("When did the storm flood the harbour?", nlp).answer_kind == "date"
