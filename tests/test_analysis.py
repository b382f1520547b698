"""Paragraphs rebuilt from physical lines, and the stored parse mapped back to those lines."""

from __future__ import annotations

import textwrap

import pytest

from qa.ingest.analysis import (
    MAX_JOINED_CHARS,
    SentenceIndex,
    joined_sentences,
    pack,
    paragraphs,
    parse_paragraphs,
    reading_text,
    unpack,
    wrap_width,
)
from qa.ingest.corpus import Document
from qa.ingest.html_text import html_to_text
from qa.nlp import load_nlp

PROSE = (
    "The harbour board met on Tuesday to discuss the silting of the eastern channel. After a long "
    "debate the members agreed to hire a dredger for the summer months. The cost will be shared "
    "with the fishing cooperative, which has complained about the shallows for years."
)


def doc_of(text: str, name: str = "d.txt") -> Document:
    return Document(name, text, "", "utf-8")


def spans(text: str) -> list[tuple[int, int]]:
    return [(p.first_line, p.last_line) for p in paragraphs(doc_of(text))]


def test_hard_wrapped_text_is_one_paragraph_per_blank_line_block():
    wrapped = textwrap.fill(PROSE, 72)
    text = f"Harbour news\n\n{wrapped}\n\n{textwrap.fill(PROSE, 72)}\n"
    n = wrapped.count("\n") + 1
    assert spans(text) == [(1, 1), (3, 2 + n), (4 + n, 3 + 2 * n)]


def test_a_wrapped_line_opening_with_a_number_and_a_dot_goes_on_the_sentence():
    text = (
        "The gauge on the eastern pier reads the depth of the water at high tide, which\n"
        "on the first morning of the month, after the long storm of the night, was just\n"
        "12. m and the harbour master closed the channel to the larger boats that day.\n"
        "1. Check the gauge every morning before the first boat leaves the harbour.\n"
        "2. Write the depth in the log kept in the office beside the harbour gate.\n"
    )
    assert spans(text) == [(1, 3), (4, 4), (5, 5)]


def test_one_paragraph_per_long_line_stays_one_per_line():
    text = "\n".join([PROSE, PROSE.upper(), PROSE]) + "\n"
    assert spans(text) == [(1, 1), (2, 2), (3, 3)]


def test_list_items_and_short_lines_end_a_paragraph():
    wrapped = textwrap.fill(PROSE, 60)
    items = "- first item of the list\n- second item of the list\n1. a numbered item"
    n = wrapped.count("\n") + 1
    assert spans(f"{wrapped}\n{items}") == [(1, n), (n + 1, n + 1), (n + 2, n + 2), (n + 3, n + 3)]


def test_pdf_layout_lines_join_into_paragraphs():
    # pypdf lays a page out as lines of about the page's width, a paragraph ending in a short line
    first = textwrap.fill(PROSE + " The board adjourned.", 88)
    assert len(first.split("\n")[-1]) < 40
    page = first + "\n" + textwrap.fill(PROSE.replace("harbour", "river"), 88)
    n = first.count("\n") + 1
    assert spans(page) == [(1, n), (n + 1, page.count("\n") + 1)]


def test_html_blocks_are_lines_and_each_long_block_its_own_paragraph():
    html = f"<html><body><h1>Board</h1><p>{PROSE}</p><ul><li>one</li><li>two</li></ul></body></html>"
    text = html_to_text(html)
    assert spans(text) == [(1, 1), (2, 2), (3, 3), (4, 4)]


def test_wrap_width_ignores_lines_too_long_to_be_wrapped():
    assert wrap_width(["x" * 70] * 9 + ["y" * 500]) == 70
    assert wrap_width(["z" * 500]) == 0


def test_a_huge_line_is_cut_into_bounded_paragraphs():
    line = " ".join(["word"] * 20_000)
    found = paragraphs(doc_of(f"Title\n\n{line}\n"))
    assert found[0].first_line == 1 and all(p.first_line == p.last_line == 3 for p in found[1:])
    assert all(p.end - p.start <= 20_000 for p in found)


@pytest.fixture(scope="module")
def nlp():
    return load_nlp("blank:en")


def test_a_sentence_over_a_line_break_is_whole_and_maps_to_both_lines(nlp):
    text = "Notes\n\nThe dredger arrived late in June, and the work on the channel\n"
    text += "began at once. It ended in May.\n"
    doc = doc_of(text)
    index = SentenceIndex(parse_paragraphs(doc, nlp))
    found = index.within("d.txt", 0, len(text))
    assert [(s.first_line, s.last_line) for s in found] == [(1, 1), (3, 4), (4, 4)]
    whole = found[1]
    assert whole.text == "The dredger arrived late in June, and the work on the channel began at once."
    assert doc.text[whole.start : whole.end].replace("\n", " ") == whole.text


def test_a_word_hyphenated_across_a_line_break_is_read_whole(nlp):
    text = (
        "    The keepers of the lighthouse log every ship that passes, and the log is re-\n"
        "    tained for a year after the ship has left the harbour for open sea. Ex-\n"
        "    panded entries name the cargo and the port that the ship is bound for.\n"
    )
    doc = doc_of(text, "log.txt")
    index = SentenceIndex(unpack(pack(parse_paragraphs(doc, nlp)), nlp.vocab))
    first, second = index.within("log.txt", 0, len(text))
    assert " ".join(first.text.split()).endswith(
        "the log is retained for a year after the ship has left the harbour for open sea."
    )
    assert (first.first_line, first.last_line) == (1, 2)
    # the next sentence starts with a broken word: at its first half, on the line that holds it
    assert text[second.start :].startswith("Ex-\n") and (second.first_line, second.last_line) == (2, 3)
    assert " ".join(second.text.split()).startswith("Expanded entries name the cargo")
    span = index.span("log.txt", second.start, second.end)
    assert span is not None and span[0].text == "Expanded"


def test_reading_text_keeps_a_hyphen_the_document_writes_and_keeps_the_length():
    assert reading_text("a well-\nknown fact", ({"well-known"}, set())) == ("a  well-known fact", {3: 2})
    words = ({"the-two"}, {"french", "speaking", "in", "to", "into"})
    assert (
        reading_text("a French-\nspeaking town, in-\nto it", words)[0] == "a  French-speaking town,   into it"
    )
    shaped = "an X-\nray, COVID-\n19 and state-\nof-the-art tools"
    assert reading_text(shaped)[0] == "an  X-ray,  COVID-19 and  state-of-the-art tools"
    text = "its co-\n  operation, and CO-\nOPERATIVE"
    read, moved = reading_text(text, ({"co-operation"}, {"cooperation"}))  # both spellings: a break
    assert read == "its     cooperation, and CO- OPERATIVE" and len(read) == len(text) and moved == {8: 4}


def test_the_parse_round_trips_through_docbin_bytes(nlp):
    doc = doc_of("First sentence here. Second one.\n\nA new paragraph.\n", "r.txt")
    parsed = parse_paragraphs(doc, nlp)
    again = unpack(pack(parsed), nlp.vocab)
    assert [d.text for d in again] == [d.text for d in parsed]
    assert [{**d.user_data, "breaks": list(d.user_data["breaks"])} for d in again] == [
        d.user_data for d in parsed
    ]
    index = SentenceIndex(again)
    assert [s.text for s in index.within("r.txt", 0, 100)] == [
        "First sentence here.",
        "Second one.",
        "A new paragraph.",
    ]
    span = index.span("r.txt", 21, 32)
    assert span is not None and span.text == "Second one."


def test_the_paragraphs_before_a_paragraph_nearest_first(nlp):
    text = "Harbour notes\n\nThe pier is old. It leans.\n\nThe ferry is late.\n\nThe tide is high.\n"
    index = SentenceIndex(parse_paragraphs(doc_of(text), nlp))
    paragraphs = list(dict.fromkeys(s.span.doc for s in index.within("d.txt", 0, len(text))))
    last = paragraphs[-1]
    assert [d.text for d in index.paragraphs_before(last, 2)] == [
        "The ferry is late.",
        "The pier is old. It leans.",
    ]
    assert [d.text for d in index.paragraphs_before(last, 9)][-1] == "Harbour notes"
    assert index.paragraphs_before(paragraphs[0], 3) == []  # the first paragraph has none
    assert index.paragraphs_before(nlp("Not a stored paragraph."), 3) == []


def _parsed(words: list[str], starts: set[int]):
    """A blank-pipeline Doc whose sentences start at the token indices `starts`, as a parser may cut."""
    import spacy

    doc = spacy.blank("en")(" ".join(words))
    for token in doc:
        token.is_sent_start = token.i in starts
    return doc


def test_a_sentence_cut_before_its_closing_mark_joins_the_next():
    words = "The mill was sold . Its owners kept the dam The new mill opened in May .".split()
    doc = _parsed(words, {0, 5, 9})
    assert [s.text for s in joined_sentences(doc)] == [
        "The mill was sold .",
        "Its owners kept the dam The new mill opened in May .",
    ]


def test_a_bracketed_aside_or_a_bullet_ends_or_joins_as_it_should():
    aside = _parsed("Lisbon , May 2 ( Reporter Ana Sousa ) The port reopened .".split(), {0, 9})
    assert [s.text for s in joined_sentences(aside)] == [
        "Lisbon , May 2 ( Reporter Ana Sousa )",
        "The port reopened .",
    ]
    bullet = _parsed("• A plain list item follows its bullet .".split(), {0, 1})
    assert [s.text for s in joined_sentences(bullet)] == ["• A plain list item follows its bullet ."]


def test_unpunctuated_runs_join_only_up_to_a_bound():
    words = ["x = 1"] * 200  # code: no sentence closes; joined pieces stay under MAX_JOINED_CHARS
    doc = _parsed(" ".join(words).split(), set(range(0, 600, 3)))
    pieces = joined_sentences(doc)
    assert len(pieces) > 1
    assert all(len(p.text) <= MAX_JOINED_CHARS for p in pieces)
    assert "".join(p.text.replace(" ", "") for p in pieces) == doc.text.replace(" ", "")
