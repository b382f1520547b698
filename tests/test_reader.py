"""The trained reader: listwise training on fakes, its softmax, its checked weights, the real parse."""

import math

import pytest

from qa.answer import reader
from qa.answer.logistic import fit_listwise
from qa.answer.question import analyse_question
from qa.nlp import load_nlp


def _row(near: float, typed: float) -> dict[str, float]:
    return {"bias": 1.0, "near": near, "typed": typed}


def test_listwise_training_learns_which_candidate_of_each_group_is_right():
    # in every group the right candidate is the typed one, wherever it sits and however near it is
    groups, targets = [], []
    for n in range(30):
        right = n % 3
        groups.append([_row(near=(n * 7 + i) % 5 / 5, typed=float(i == right)) for i in range(3)])
        targets.append([float(i == right) for i in range(3)])
    fitted = fit_listwise(groups, targets, l2=0.1)
    model = reader.Reader(fitted.weights, fitted.mean, fitted.scale)
    assert model.weights["typed"] > 0
    found = [reader.Candidate(t, _row(0.9, float(t == "b"))) for t in ("a", "b", "c")]
    best, probability = model.best(found)
    assert best.text == "b" and 1 / 3 < probability <= 1


def test_best_is_a_softmax_over_the_candidates():
    model = reader.Reader({"x": 1.0}, {}, {})
    found = [reader.Candidate("a", {"x": 0.0}), reader.Candidate("b", {"x": 1.0})]
    best, probability = model.best(found)
    assert best.text == "b"
    assert probability == pytest.approx(1 / (1 + math.exp(-1)))
    assert model.best([]) is None


@pytest.mark.model
@pytest.mark.parametrize(
    "question, sentence, expected",
    [
        ("When did the canal open?", "After years of digging, the canal opened in March 1825.", "March 1825"),
        ("How much did the new wing cost?", "The new wing cost $4 million and took two years.", "$4 million"),
        ("Who designed the town hall?", "The town hall was designed by Maria Olsen.", "Maria Olsen"),
        ("What does the mill grind?", "Powered by the river, the old mill grinds barley for beer.", "barley"),
        ("Why was the road closed?", "The road was closed because of flooding.", ""),
    ],
)
def test_the_reader_picks_the_phrase_that_answers_from_the_real_parse(question, sentence, expected):
    nlp = load_nlp()
    text, probability = reader.load_reader().pick(analyse_question(question, nlp), nlp(sentence)[:])
    assert text == expected
    assert (probability > 0) == bool(expected)


@pytest.mark.model
def test_a_typed_question_reads_only_phrases_of_its_type_and_knows_the_question_words_role():
    nlp = load_nlp()
    q = analyse_question("Who rebuilt the old bridge?", nlp)
    assert (q.wh_role, q.wh_head) == ("nsubj", "rebuild")
    sentence = nlp("In 1921 the old bridge was rebuilt by Ada Brook, an engineer from Leeds.")[:]
    found = reader.candidates(q, sentence)
    assert "Ada Brook" in {c.text for c in found}
    assert all(any(c.features.get(f"label={label}") for label in q.labels) for c in found)


@pytest.mark.model
def test_tree_features_count_dependency_edges_and_find_the_question_words_clause():
    nlp = load_nlp()
    doc = nlp("The canal opened in March 1825. It closed later.")
    canal, opened, march = doc[1], doc[2], doc[4]
    assert reader._tree_distance(canal, opened) == 1
    assert reader._tree_distance(canal, march) == 3  # canal <- opened -> in -> March
    assert reader._tree_distance(canal, doc[7]) == 30  # another sentence: no common ancestor
    assert reader._clause(march).i == opened.i
