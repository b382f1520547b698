"""The name a section heading gives as the short answer, on a tiny made-up manual of a work queue."""

import dataclasses

import pytest

from qa.answer.evidence import Evidence
from qa.answer.named import Name, answer_name, asks_name, is_name
from qa.answer.question import QuestionAnalysis, analyse_question
from tests.conftest import fake_pipeline, fake_settings_for

# (file, line) -> stripped text, as Pipeline.line_text gives it
MANUAL = {
    ("wq.txt", 1): "4 Queue functions",
    ("wq.txt", 2): "wq_flush",
    ("wq.txt", 3): "Empties the queue and frees every item.",
    ("wq.txt", 4): "It never blocks.",
    ("wq.txt", 6): "ENVIRONMENT",
    ("wq.txt", 7): "WQ_DEBUG",
    ("wq.txt", 8): "When set, every call logs what it does.",
    ("wq.txt", 10): "OPTIONS",
    ("wq.txt", 11): "Every option can also be set in the file wq.conf.",
}
# the same section as a TeX-made PDF reads: the heading's underscore was a drawn rule
PDF = {
    ("wq.pdf", 1): "4.2 Queue functions",
    ("wq.pdf", 2): "wq flush",
    ("wq.pdf", 3): "[Function]void wq_flush (wq queue *q)",
    ("wq.pdf", 4): "Empties the queue and frees every item.",
}


def _unit(file, line, text, section):
    return Evidence(file, line, 0, len(text), text, 0.5, 0.5, 1, section=section)


def _q(text, kind="thing", focus="function"):
    return QuestionAnalysis(text, kind, (), frozenset(), focus)


FLUSH = _unit("wq.txt", 3, "Empties the queue and frees every item.", "4 Queue functions / wq_flush")


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("wq_flush", True),
        ("wqFlush", True),
        ("--no-wait", True),
        ("-s", True),
        ("utf8", False),  # digits among letters are common in prose: "Th1", "B12"
        ("co-NP", False),
        ("(wq_flush)", True),
        ("Queue", False),
        ("ENVIRONMENT", False),  # in capitals, but not nested under another heading
        ("-", False),
        ("_", False),
        ("2.1", False),
    ],
)
def test_is_name(word, expected):
    assert is_name(word) is expected


def test_capitals_name_a_variable_only_nested_and_never_written_as_a_word():
    assert is_name("WQ_HOME", nested=False)
    assert is_name("WQHOME", nested=True)
    assert not is_name("FILES", nested=True, ordinary=frozenset({"files"}))


def test_the_heading_names_what_the_sentence_below_it_describes():
    q = _q("Which function empties the queue?")
    assert answer_name(q, FLUSH, MANUAL) == Name("wq_flush", 2)


def test_a_variable_in_capitals_nested_under_its_section():
    unit = _unit("wq.txt", 8, MANUAL["wq.txt", 8], "ENVIRONMENT / WQ_DEBUG")
    assert (
        answer_name(_q("Which variable turns on logging?", focus="variable"), unit, MANUAL).text == "WQ_DEBUG"
    )


def test_a_top_level_section_name_is_no_answer():
    unit = _unit("wq.txt", 11, "Every option can also be set in the file.", "OPTIONS")
    assert answer_name(_q("Which file holds the options?", focus="file"), unit, MANUAL) is None


def test_a_pdf_heading_split_at_its_underscores_is_read_as_its_section_writes_it():
    unit = _unit("wq.pdf", 4, PDF["wq.pdf", 4], "4.2 Queue functions / wq flush")
    # cited on the line that writes the name, not on the heading that lost its underscore
    assert answer_name(_q("Which function empties the queue?"), unit, PDF) == Name("wq_flush", 3)


def test_plain_words_in_a_heading_are_no_name():
    unit = _unit("wq.pdf", 4, PDF["wq.pdf", 4], "4.2 Queue functions")
    assert answer_name(_q("Which function empties the queue?"), unit, PDF) is None


@pytest.mark.parametrize(
    "question",
    [
        _q("When was the queue emptied?", kind="date", focus=""),  # asks no name
        _q("What empties the queue?", focus=""),  # no "what X" noun
        _q("Which queue does wq_flush empty?", focus="queue"),  # names the heading itself
    ],
)
def test_no_heading_answer_unless_a_name_is_asked_and_the_question_does_not_give_it(question):
    assert answer_name(question, FLUSH, MANUAL) is None


def test_a_name_the_sentence_writes_itself_answers_before_the_heading():
    text = "Empties the queue, as 'wq_drain' does, but keeps the wq_flush hooks."
    unit = _unit("wq.txt", 3, text, "4 Queue functions / wq_flush")
    lines = {**MANUAL, ("wq.txt", 3): text}
    q = _q("Which function empties the queue like wq_flush?")
    assert answer_name(q, unit, lines) == Name("wq_drain", 3)  # the question's own name is no answer


def test_a_sentence_with_several_new_names_leaves_the_choice_to_the_reader():
    text = "Empties the queue unless WQ_KEEP or WQ_HOLD is set."
    unit = _unit("wq.txt", 3, text, "4 Queue functions / wq_flush")
    assert answer_name(_q("Which function empties the queue?"), unit, {**MANUAL, ("wq.txt", 3): text}) is None


@pytest.mark.model
def test_the_question_analysis_gives_the_noun_that_asks_for_a_name():
    from qa.nlp import load_nlp

    q = analyse_question("Which function empties the queue?", load_nlp())
    assert (q.answer_kind, q.focus) == ("thing", "function")
    assert answer_name(q, FLUSH, MANUAL) == Name("wq_flush", 2)


MARKDOWN_MANUAL = """# Work queue manual

## Queue functions

### wq_flush

Empties the queue and frees every item. It never blocks.

### wq_push

Adds one item at the tail of the queue.
"""


def test_the_pipeline_leads_with_the_heading_cites_it_and_the_switch_turns_it_off(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "wq.md").write_text(MARKDOWN_MANUAL)
    settings = dataclasses.replace(fake_settings_for(tmp_path, docs), generate="when-needed")
    question = "Which function empties the queue?"
    answer = fake_pipeline(settings).ask(question)
    assert answer.short_answer == "wq_flush"
    assert answer.text.startswith("wq_flush. Empties the queue")
    assert [(c.line, c.text) for c in answer.citations] == [
        (5, "### wq_flush"),
        (7, MARKDOWN_MANUAL.splitlines()[6]),
    ]
    off = dataclasses.replace(settings, disabled_strategies="named", index_dir=tmp_path / "index2")
    answer = fake_pipeline(off).ask(question)
    assert answer.short_answer != "wq_flush"
    assert [c.line for c in answer.citations] == [7]


def test_a_figure_beside_the_name_leaves_the_choice_to_the_reader():
    text = "Since version 2.4 wq_flush empties the queue."
    unit = _unit("wq.txt", 3, text, "4 Queue functions / wq_flush")
    assert answer_name(_q("Which release empties the queue?", focus="release"), unit, MANUAL) is None


@pytest.mark.model
def test_what_is_the_x_asks_a_value_unless_it_asks_the_name():
    from qa.nlp import load_nlp

    nlp = load_nlp()
    assert not asks_name(analyse_question("What is the largest queue size wq allows?", nlp))
    assert asks_name(analyse_question("What is the name of the function that empties the queue?", nlp))
    assert asks_name(analyse_question("Which flag keeps the items?", nlp))
    assert not asks_name(analyse_question("Which year was the queue added?", nlp))
