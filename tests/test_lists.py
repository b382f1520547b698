"""A question asking for several things gets the whole list its short answer is an item of."""

from dataclasses import replace

import pytest
import spacy
from spacy.tokens import Doc

from qa.answer.lists import MAX_LIST_TOKENS, counted_list, whole_list
from qa.answer.question import QuestionAnalysis, analyse_question

ONE = QuestionAnalysis("Which lake do they feed?", "thing", (), frozenset(), "lake")
SEVERAL = replace(ONE, text="Which rivers feed the lake?", focus="river", several=True)


def parsed(words: str, heads: list[int], deps: str):
    return Doc(spacy.blank("en").vocab, words=words.split(), heads=heads, deps=deps.split())[:]


# "Rhine , Aare and Reuss feed the lake ." with the three rivers coordinated
RIVERS = parsed(
    "Rhine , Aare and Reuss feed the lake .",
    [5, 0, 0, 2, 2, 5, 7, 5, 5],
    "nsubj punct conj cc conj ROOT det dobj punct",
)


def test_an_item_of_a_coordination_grows_to_the_whole_list():
    assert whole_list(SEVERAL, RIVERS, "Aare") == "Rhine , Aare and Reuss"
    assert whole_list(SEVERAL, RIVERS, "Rhine") == "Rhine , Aare and Reuss"


def test_a_question_asking_for_one_thing_keeps_the_pick():
    assert whole_list(ONE, RIVERS, "Aare") == "Aare"


def test_a_pick_outside_any_coordination_or_not_in_the_sentence_is_kept():
    assert whole_list(SEVERAL, RIVERS, "lake") == "lake"
    assert whole_list(SEVERAL, RIVERS, "Danube") == "Danube"
    assert whole_list(SEVERAL, RIVERS, "") == ""


def test_a_run_longer_than_a_list_is_kept_as_the_pick():
    n = MAX_LIST_TOKENS + 2
    words = " ".join(f"w{i}" for i in range(n)) + " end"
    heads = [n] + list(range(n - 1)) + [n]  # each word a conjunct of the one before it
    deps = " ".join(["nsubj"] + ["conj"] * (n - 1) + ["ROOT"])
    assert whole_list(SEVERAL, parsed(words, heads, deps), "w3") == "w3"


@pytest.mark.model
@pytest.mark.parametrize(
    ("question", "several"),
    [
        ("Which rivers feed the lake?", True),
        ("What were the two main causes of the flood?", True),
        ("Which river feeds the lake?", False),
        ("Who built the dam?", False),
    ],
)
def test_a_plural_what_or_which_noun_asks_for_several(question, several):
    from qa.nlp import load_nlp

    assert analyse_question(question, load_nlp()).several is several


@pytest.mark.model
def test_the_real_parse_gives_the_whole_list():
    from qa.nlp import load_nlp

    nlp = load_nlp()
    asks = analyse_question("Which crops do farmers in the valley grow?", nlp)
    sentence = nlp("Farmers in the valley grow wheat, barley and oats.")[:]
    assert whole_list(asks, sentence, "barley") == "wheat, barley and oats"


# "Oslo and Bergen run ferries and buses ." with the ports and the vehicles coordinated
PORTS = Doc(
    spacy.blank("en").vocab,
    words="Oslo and Bergen run ferries and buses .".split(),
    heads=[3, 0, 0, 3, 3, 4, 4, 3],
    deps="nsubj cc conj ROOT dobj cc conj punct".split(),
    pos="PROPN CCONJ PROPN VERB NOUN CCONJ NOUN PUNCT".split(),
    ents=["B-GPE", "O", "B-GPE", "O", "O", "O", "O", "O"],
)[:]
TWO_PORTS = QuestionAnalysis(
    "Which two ports run ferries?", "place", ("GPE",), frozenset({"run"}), "port", count=2
)


def test_a_counted_question_takes_the_coordination_of_that_many_things_of_its_kind():
    assert counted_list(TWO_PORTS, PORTS) == "Oslo and Bergen"
    assert counted_list(replace(TWO_PORTS, terms=frozenset({"oslo"})), PORTS) == ""  # the question's own
    # any two nouns would do for a question wanting no kind of entity: "ferries and buses" is no answer
    two_things = replace(TWO_PORTS, text="What two things run ferries?", labels=(), focus="thing")
    assert counted_list(two_things, PORTS) == "Oslo and Bergen"
    assert counted_list(replace(two_things, terms=frozenset({"oslo"})), PORTS) == ""


def test_no_counted_list_without_a_count_or_a_list_of_that_size():
    assert counted_list(replace(TWO_PORTS, count=0), PORTS) == ""
    assert counted_list(replace(TWO_PORTS, count=3), PORTS) == ""
    verbs = Doc(
        spacy.blank("en").vocab,
        words="They built and sold ships .".split(),
        heads=[1, 1, 1, 1, 1, 1],
        deps="nsubj ROOT cc conj dobj punct".split(),
        pos="PRON VERB CCONJ VERB NOUN PUNCT".split(),
        ents=["O", "B-GPE", "O", "B-GPE", "O", "O"],  # a tagger's slip does not make verbs places
    )[:]
    assert counted_list(TWO_PORTS, verbs) == ""  # actions, not things


@pytest.mark.model
@pytest.mark.parametrize(
    ("question", "count"),
    [
        ("Which two rivers feed the lake?", 2),
        ("What 3 reasons did the mayor give?", 3),
        ("Which rivers feed the lake?", 0),
        ("How many rivers feed the lake?", 0),
    ],
)
def test_the_number_a_question_gives_its_noun_is_its_count(question, count):
    from qa.nlp import load_nlp

    assert analyse_question(question, load_nlp()).count == count
