"""The answerability gate: contradictions rule a sentence out; names match loosely; the model is checked."""

import pytest

from qa.answer import gate, mismatch
from qa.answer.evidence import Evidence
from qa.answer.question import QuestionAnalysis
from qa.retrieval.lexical import tokenize


def ask(text, kind="thing", names=(), labels=()):
    terms = frozenset(tokenize(text))
    return QuestionAnalysis(text, kind, labels, terms, "", frozenset(tokenize(" ".join(names))))


def contradicts(question, unit, parse, document, vocabulary=frozenset()):
    return gate.contradicts(gate.Asked.of(question), unit, parse, document, vocabulary)


def unit(text, context=""):
    return Evidence("f.txt", 3, 0, len(text), text, 0.5, 0.5, 1, 0, context)


@pytest.mark.parametrize(
    "a, b, same",
    [
        ("avon", "avon", True),
        ("portugal", "portuguese", False),
        ("america", "american", True),  # an inflected name
        ("kestrel", "kestral", True),  # a misspelt one
        ("iran", "iraq", False),  # short names must match exactly
        ("oslo", "olso", False),
    ],
)
def test_names_match_loosely_but_not_short_ones(a, b, same):
    assert mismatch.close(a, b) is same


def test_a_sentence_about_another_named_place_contradicts():
    q = ask("What did Ravenna export in 1850?", names=["Ravenna"])
    assert contradicts(q, unit("Ravenna exported salt in 1850."), None, frozenset()) is False
    assert contradicts(q, unit("Verona exported wine in 1850."), None, frozenset()) is True


def test_a_misspelt_name_in_the_question_is_not_a_contradiction():
    q = ask("What did Ravena export?", names=["Ravena"])
    assert contradicts(q, unit("Ravenna exported salt."), None, frozenset()) is False


def test_a_name_the_corpus_uses_must_match_exactly():
    q = ask("What did Ravena export?", names=["Ravena"])
    vocabulary = frozenset(tokenize("Ravena Ravenna"))  # two places
    assert contradicts(q, unit("Ravenna exported salt."), None, frozenset(), vocabulary) is True


def test_a_sentence_that_points_back_takes_its_subject_from_its_paragraph():
    q = ask("When did Okonkwo return to Umuofia?", "date", names=["Okonkwo", "Umuofia"])
    paragraph = "Okonkwo was exiled for seven years. He came back to Umuofia in 1904."
    said = unit("He came back to Umuofia in 1904.", paragraph)
    assert contradicts(q, said, None, frozenset()) is False
    alone = unit("He came back to Umuofia in 1904.", "He came back to Umuofia in 1904.")
    assert contradicts(q, alone, None, frozenset()) is True


def test_an_acronym_matches_the_initials_of_its_words():
    q = ask("When did the WMO publish it?", names=["WMO"])
    said = unit("The World Meteorological Organization published it in 2001.")
    assert contradicts(q, said, None, frozenset()) is False


def test_another_year_contradicts_a_year_the_question_asks_about():
    q = ask("How much did the mill earn in 1921?", "amount")
    assert contradicts(q, unit("In 1921 the mill earned 40 pounds."), None, frozenset()) is False
    assert contradicts(q, unit("In 1925 the mill earned 40 pounds."), None, frozenset()) is True


def test_a_figure_question_needs_a_figure_the_question_does_not_give():
    q = ask("How many looms did the mill run?", "count")
    assert contradicts(q, unit("The mill ran 12 looms."), None, frozenset()) is False
    assert contradicts(q, unit("The mill ran looms day and night."), None, frozenset()) is True


def test_the_opposite_of_an_asked_word_contradicts():
    q = ask("What does outpatient care cost?")
    assert contradicts(q, unit("Inpatient care costs 30 dollars a night."), None, frozenset()) is True


def test_features_stay_in_range_and_the_model_ranks_a_matching_sentence_higher():
    q = ask("Where was the treaty of Tordesillas signed?", "place", names=["Tordesillas"], labels=("GPE",))
    good = unit("The treaty of Tordesillas was signed in the town of Tordesillas in Castile.")
    poor = unit("Many treaties followed.")
    model = gate.load_gate()
    f_good = gate.unit_features(gate.Asked.of(q), good, 0, 0.5, None, {}, frozenset())
    f_poor = gate.unit_features(gate.Asked.of(q), poor, 3, 0.5, None, {}, frozenset())
    assert 0 <= f_good["own_coverage"] <= 1 and 0 <= f_good["names_in_unit"] <= 1
    assert model.probability(f_good) > model.probability(f_poor)


def test_the_keyword_check_matches_unknown_names_loosely_and_takes_a_pronoun_subject_from_the_line():
    terms = mismatch.question_terms("What troubled Shirly at Oswego?", frozenset())
    said = "Shirley's efforts at Oswego were bogged down in logistical difficulties."
    assert mismatch.unit_mismatch(terms, said, said, vocabulary=frozenset({"shirley", "oswego"})) == set()
    # a name the corpus uses must be there as it is
    uses_both = frozenset({"shirly", "shirley"})
    assert mismatch.unit_mismatch(terms, said, said, vocabulary=uses_both) == {"shirly"}
    terms = mismatch.question_terms("When did Okonkwo reach Umuofia?", frozenset())
    line = "Okonkwo was exiled for seven years. He reached Umuofia in 1904."
    assert mismatch.unit_mismatch(terms, "He reached Umuofia in 1904.", line) == set()


def test_a_name_on_most_lines_of_the_corpus_constrains_nothing():
    q = ask("How much did Jiangxi recover in China?", "amount", names=["Jiangxi", "China"])
    said = unit("Jiangxi recovered 7 million yuan.")
    assert contradicts(q, said, None, frozenset()) is True
    asked = gate.Asked.of(q, frozenset({"china"}))
    assert gate.contradicts(asked, said, None, frozenset()) is False


def parsed(text, names=()):
    """A tagged parse of `text`, with `names` as places."""
    spacy = pytest.importorskip("spacy")
    doc = spacy.blank("en")(text)
    spans = [doc.char_span(text.index(n), text.index(n) + len(n), label="GPE") for n in names]
    doc.set_ents(spans, default="outside")
    return doc[:]


def test_whether_a_unit_names_somebody_comes_from_its_parse():
    q = ask("How much did Jiangxi recover?", "amount", names=["Jiangxi"])
    said = "The Fund Recovered 7 million yuan."
    document = frozenset(tokenize("Jiangxi fund"))
    paragraph = "Medical Insurance Funds Recovered. " + said
    # capitalised words alone: the unit names something, so the name must be in it
    assert contradicts(q, unit(said, paragraph), None, document) is True
    # its parse names nobody: its subject may be anywhere in the document
    assert contradicts(q, unit(said, paragraph), parsed(said), document) is False
    said = "In Zhejiang, the fund recovered 7 million yuan."
    assert contradicts(q, unit(said, paragraph), parsed(said, ["Zhejiang"]), document) is True
