"""Section headings: found in manuals, Markdown and specifications, searched with the text under them."""

import pytest

from qa.answer.mismatch import unit_mismatch
from qa.answer.question import key_terms
from qa.ingest.analysis import parse_paragraphs
from qa.ingest.corpus import Document
from qa.ingest.html_text import html_to_text
from qa.ingest.sections import heading, heading_paragraphs, may_head, reads_as_clause, section_paths
from qa.nlp import load_nlp
from qa.retrieval.lexical import BM25
from tests.conftest import chunked

MAN_PAGE = """NAME
       tally - count the words of a file

OPTIONS
       --quiet
              Print nothing but the total, on one line, when the count is done.

       --limit
              Stop after this many words; without it the whole file is read through.

SIGNALS
       An interrupt prints the words counted so far before the program stops.
"""


@pytest.mark.parametrize(
    "line",
    [
        "# Getting started",
        "### Why is it slow?",
        "INSTALLATION",
        "3.2 Reading the index",
        "A.1 Licence",
        "--quiet",
        "-k, --keep-going",  # options, each one token: the comma lists them
        "copy(src, dst, n)",  # a signature: the commas are inside its brackets
        "'Q'",  # a quoted term is all word
    ],
)
def test_short_lines_that_name_a_section_are_headings(line):
    assert heading(line) is not None


@pytest.mark.parametrize(
    "line",
    [
        "The build finished.",  # a sentence
        "Madrid, Spain",  # a comma: a place line, a dateline
        "09:15, May 3, 2021",
        "apples, pears (ripe)",  # words listed, not options or symbols
        "- one item",  # a list item
        "(continued)",
        "int main() {",  # code
        "The options it reads are:",  # a sentence leading in to a list
        "Introduction . . . . . . . . . . 4",  # a contents line
        "A line of text that runs on for far too many words to be a heading",
    ],
)
def test_sentences_list_items_and_code_are_not_headings(line):
    assert heading(line) is None


def test_headings_nest_by_markdown_level_section_number_and_indentation():
    markdown = [
        ("# Guide", 0, True),
        ("## Setup", 0, True),
        ("Run it.", 0, True),
        ("# Notes", 0, True),
        ("Ok.", 0, True),
    ]
    assert section_paths(markdown) == [(), ("Guide",), ("Guide", "Setup"), (), ("Notes",)]
    numbered = [
        ("2 Usage", 0, True),
        ("2.1 Input", 0, True),
        ("Text.", 0, True),
        ("2.2 Output", 0, True),
        ("X.", 0, True),
    ]
    assert section_paths(numbered)[2] == ("2 Usage", "2.1 Input")
    assert section_paths(numbered)[4] == ("2 Usage", "2.2 Output")
    indented = [
        ("OPTIONS", 0, True),
        ("--quiet", 7, True),
        ("Print less.", 14, True),
        ("FILES", 0, True),
        ("x.", 7, True),
    ]
    assert section_paths(indented) == [(), ("OPTIONS",), ("OPTIONS", "--quiet"), (), ("FILES",)]


def test_a_line_repeated_on_every_page_is_a_running_header_not_a_heading():
    page = [("Chapter 2: Usage 1{}", 0, True), ("Body text of the page.", 0, False)]
    paragraphs = [(text.format(n), indent, one) for n in range(4) for text, indent, one in page]
    assert section_paths(paragraphs) == [()] * len(paragraphs)


def test_the_last_line_of_a_document_heads_nothing():
    assert section_paths([("Some text here.", 0, False), ("THE END", 0, True)]) == [(), ()]


def _man_page_chunks():
    """The chunks and sentence index of MAN_PAGE, cut small so each option is its own chunk."""
    return chunked([Document("tally.1", MAN_PAGE, "", "utf-8")], chunk_chars=120)


def _headings_in(file: str, text: str, language_model: str = "blank:en") -> list[str]:
    """The texts of the paragraphs of a document that heading_paragraphs() marks, in order."""
    parsed = parse_paragraphs(Document(file, text, "", "utf-8"), load_nlp(language_model))
    return [parsed[n].text for n in sorted(heading_paragraphs(parsed))]


def _parse(words: list[str], **annotations):
    """A spaCy Doc of one line with the given parse (pos, deps, heads, ents as IOB tags), built by
    hand so the rules are tested without a model."""
    from spacy.tokens import Doc
    from spacy.vocab import Vocab

    return Doc(Vocab(), words=words, spaces=[True] * (len(words) - 1) + [False], **annotations)


def test_chunks_start_at_headings_and_carry_the_headings_above_them():
    chunks, sentences = _man_page_chunks()
    by_text = {c.text.split("\n")[0].strip(): c for c in chunks}
    limit = next(c for c in chunks if "Stop after" in c.text)
    assert limit.text.lstrip().startswith("--limit")  # the option name starts its chunk...
    assert limit.heading == "OPTIONS"  # ...under the section it is in
    assert limit.search_text.startswith("OPTIONS\n")
    assert "SIGNALS" in by_text and not by_text["SIGNALS"].heading
    quiet = next(
        s for s in sentences.within("tally.1", 0, len(MAN_PAGE)) if s.text.startswith("Print nothing")
    )
    assert quiet.section == "OPTIONS / --quiet"


def test_a_question_naming_a_heading_finds_the_text_under_it():
    chunks, _ = _man_page_chunks()
    best = BM25(chunks).search("Which options stop early?", 1)[0].chunk
    assert "Stop after this many words" in best.text  # "options" is only in the heading above it


def test_headings_give_a_paragraph_its_names_but_not_its_years():
    asked = key_terms("What does the Quiet Mode print?")
    unit = "It prints nothing but the total."  # names nothing itself: its subject is above it
    assert unit_mismatch(asked, unit, unit) == {"quiet", "mode"}
    assert not unit_mismatch(asked, unit, unit, headings="OPTIONS / Quiet Mode")
    # a dateline over a whole article does not contradict the year a sentence under it is about
    dated = key_terms("What did the Quiet Mode print in 2023?")
    assert not unit_mismatch(dated, unit, unit, headings="Quiet Mode / Updated 2024-02-18")
    assert unit_mismatch(dated, unit, unit + " That was in 2024.", headings="Quiet Mode")


def test_a_run_of_short_lines_heads_nothing_and_is_not_cut_line_by_line():
    verse = "Roses by the gate\nRain on the roof\nA kettle singing\nThe cat asleep\n"
    paragraphs = [(line, 0, True) for line in verse.splitlines()]
    assert section_paths(paragraphs) == [()] * 4
    chunks, _ = chunked([Document("verse.txt", verse.replace("\n", "\n\n"), "", "utf-8")])
    assert len(chunks) < 4 and not any(c.heading for c in chunks)  # short paragraphs join as before


def test_an_html_heading_heads_the_paragraphs_of_its_section():
    page = (
        "<html><body><h1>Harbour guide</h1><p>What a visitor needs to know before the trip, from the"
        " timetable to where to leave the car, kept short.</p><h2>Ferries</h2><p>The first boat leaves at"
        " six and the last returns at nine, weather allowing, from the stone pier.</p><h2>Parking</h2>"
        "<p>Cars stay in the north lot, which fills by noon in summer, so come early or take the bus.</p>"
        "</body></html>"
    )
    chunks, sentences = chunked([Document("guide.html", html_to_text(page), "", "utf-8")])
    lot = next(s for s in sentences.within("guide.html", 0, 10_000) if s.text.startswith("Cars stay"))
    assert lot.section == "Parking"  # an <h2> is no deeper than the <h1> once the markup is gone
    assert all(c.text.count("Ferries") + c.text.count("Parking") <= 1 for c in chunks)  # a section per chunk


def test_a_caption_a_dateline_and_a_cut_off_line_read_as_clauses_not_headings():
    caption = _parse(
        ["Photo", "supplied", "by", "the", "family"],
        pos=["NOUN", "VERB", "ADP", "DET", "NOUN"],
        deps=["ROOT", "acl", "agent", "det", "pobj"],
        heads=[0, 0, 1, 4, 2],
    )
    dateline = _parse(["Harbour", "Gazette", "updated", "2021-03-04"], ents=["O", "O", "O", "B-DATE"])
    sentence = _parse(
        ["the", "ferry", "would", "leave"],
        pos=["DET", "NOUN", "AUX", "VERB"],
        deps=["det", "nsubj", "aux", "ROOT"],
        heads=[1, 3, 3, 3],
    )
    cut_off = _parse(["tides", "and"], pos=["NOUN", "CCONJ"])
    assert all(reads_as_clause(d) for d in (caption, dateline, sentence, cut_off))


def test_noun_phrases_gerunds_and_imperatives_still_name_sections():
    gerund = _parse(
        ["Installing", "the", "tools"],
        pos=["VERB", "DET", "NOUN"],
        deps=["ROOT", "det", "dobj"],
        heads=[0, 2, 0],
    )
    api = _parse(  # a function name the parser reads as "asn1 (subject) reads (verb) value"
        ["asn1", "read", "value"],
        pos=["PROPN", "VERB", "NOUN"],
        deps=["nsubj", "ROOT", "dobj"],
        heads=[1, 1, 1],
    )
    numbered = _parse(["2.3", "Return", "values"], ents=["B-CARDINAL", "O", "O"])
    unparsed = _parse(["Photo", "supplied", "by", "the", "family"])  # a blank pipeline: no signal
    assert not any(reads_as_clause(d) for d in (gerund, api, numbered, unparsed))


@pytest.mark.parametrize(
    "line", ["Home · Travel", "News | Sport", "$ make install", "#endif", "// open the port"]
)
def test_breadcrumbs_prompts_and_comments_may_not_head(line):
    assert heading(line) is not None and not may_head(line)


@pytest.mark.parametrize("line", ["Installation", "2.3 Return values", "AUTHOR", "## Setup", "-v --verbose"])
def test_ordinary_headings_may_head(line):
    assert may_head(line)


def test_furniture_heads_nothing_but_still_ends_a_run_of_short_lines():
    sample = [("Build it", 0, True), ("$ make all", 0, True), ("The binary lands in out/.", 0, False)]
    assert section_paths(sample, furniture=frozenset({1})) == [(), (), ()]  # "Build it" heads a prompt
    assert section_paths(sample[1:], furniture=frozenset({0})) == [(), ()]


def test_a_lead_in_is_not_a_heading_but_a_label_is():
    lead_in = _parse(["For", "example", ":"], pos=["ADP", "NOUN", "PUNCT"])
    label = _parse(["Options", ":"], pos=["NOUN", "PUNCT"])
    assert reads_as_clause(lead_in) and not reads_as_clause(label)


def test_a_markdown_file_is_headed_by_its_marked_lines_and_never_inside_code():
    text = (
        "# Tally\n\nCounts words.\n\nUsage\n=====\n\nRun it on a file:\n\n```sh\n$ tally notes.txt\n\n"
        "# a comment in the script\nexit 0\n```\n\nShort lines\n\nare not headings here.\n\n"
        "## Options\n\nNone yet.\n"
    )
    assert _headings_in("README.md", text) == ["# Tally", "Usage", "## Options"]


def test_a_lone_unmarked_heading_is_a_title_or_caption_but_two_are_sections():
    article = "Harbour Gazette Online\n\nThe ferry sailed at six.\n\nIt returned at nine.\n"
    assert _headings_in("article.txt", article) == []
    manual = "Installation\n\nCopy the file.\n\nUsage\n\nRun it.\n"
    assert _headings_in("manual.txt", manual) == ["Installation", "Usage"]
    assert _headings_in("notes.md", "# Notes\n\nOne section is still a section when marked.\n") == ["# Notes"]


@pytest.mark.model
def test_with_the_real_parser_furniture_heads_nothing_and_a_man_page_keeps_its_headings():
    article = (
        "Harbour Gazette Updated on 2021-03-04\n\n"
        "The new ferry entered service on Monday, the council said.\n\n"
        "Photo provided by the harbour office\n\nIts first crossing took forty minutes.\n\n"
        "Home · Travel\n\nTickets are sold at the pier.\n\n"
        "Timetable\n\nBoats leave every hour from seven.\n\nFares\n\nA single crossing costs two pounds.\n"
    )  # two real headings, so none of the furniture is dropped only for being a lone heading
    assert _headings_in("article.txt", article, "packaged:en_core_web_sm") == ["Timetable", "Fares"]
    assert _headings_in("tally.1", MAN_PAGE, "packaged:en_core_web_sm") == [
        "NAME",
        "OPTIONS",
        "--quiet",
        "--limit",
        "SIGNALS",
    ]
