"""The short phrase that answers: pure candidate choice on small fakes, and the real parse."""

import pytest

from qa.answer.evidence import Evidence
from qa.answer.question import QuestionAnalysis, analyse_question
from qa.answer.short_answer import Phrase, pick, short_answer
from qa.answer.support import TYPE_MISS, support
from qa.nlp import load_nlp


def _q(kind, labels, terms, text="Q?"):
    return QuestionAnalysis(text, kind, labels, frozenset(terms))


def test_pick_prefers_the_wanted_label_nearest_the_question_words():
    text = "In 1850 the mill closed, and in 1902 the new mill opened."
    q = _q("date", ("DATE",), {"open"})
    phrases = [Phrase(3, 7, "DATE"), Phrase(32, 36, "DATE")]
    assert pick(q, text, phrases, [], [text.index("opened")]) == "1902"


def test_pick_skips_a_phrase_that_only_repeats_the_question():
    text = "The Rhine flows through Basel."
    q = _q("place", ("GPE", "LOC"), {"rhine", "flow"}, "Where does the Rhine flow?")
    phrases = [Phrase(4, 9, "LOC"), Phrase(24, 29, "GPE")]
    assert pick(q, text, phrases, [], [4, 10]) == "Basel"


def test_pick_gives_nothing_without_a_candidate_of_the_wanted_type():
    q = _q("count", ("CARDINAL",), {"ship"})
    assert pick(q, "The ships sailed at dawn.", [Phrase(20, 24, "TIME")], [], [4]) == ""


def test_noun_phrases_answer_a_what_question_and_lose_their_article():
    text = "The engine burns coal to boil the water."
    q = _q("thing", (), {"engine", "burn"})
    chunks = [Phrase(0, 10), Phrase(17, 21), Phrase(30, 39)]
    assert pick(q, text, [], chunks, [4, 11]) == "coal"


def test_support_is_the_best_answering_score_clipped_and_less_without_the_wanted_type():
    units = [Evidence("f", 1, 0, 5, "a", 0.4, 0.5, 1), Evidence("f", 2, 0, 5, "b", 1.3, 0.9, 2)]
    assert support(units, None, "") == 1.0
    assert support([], None, "") == 0.0
    typed = _q("date", ("DATE",), {"x"})
    assert support(units[:1], typed, "") == pytest.approx(0.4 * TYPE_MISS)
    assert support(units[:1], typed, "1902") == pytest.approx(0.4)


@pytest.mark.model
@pytest.mark.parametrize(
    "question, sentence, expected",
    [
        ("When did the canal open?", "After years of digging, the canal opened in March 1825.", "March 1825"),
        ("How much did the new wing cost?", "The new wing cost $4 million and took two years.", "$4 million"),
        (
            "Who designed the town hall?",
            "The town hall was designed by Maria Olsen in a plain style.",
            "Maria Olsen",
        ),
        ("Why was the road closed?", "The road was closed because of flooding.", ""),
    ],
)
def test_short_answer_from_the_real_parse(question, sentence, expected):
    nlp = load_nlp()
    assert short_answer(analyse_question(question, nlp), sentence, nlp) == expected
