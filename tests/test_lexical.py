"""Tokenizing for keyword search, and BM25 ranking."""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.records import Chunk
from qa.retrieval.lexical import BM25, STOPWORDS, stem, tokenize
from tests.conftest import chunked, read_docs


def chunk(n: int, text: str) -> Chunk:
    return Chunk(f"t.txt#{n}", "t.txt", n + 1, n + 1, 0, len(text), text)


# --- tokenize ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("Jiangxi's 2020 funds: 16,687 and 80%", ["jiangxi", "2020", "fund", "16687", "80%"]),
        ("1,234,567 people", ["1234567", "peopl"]),
        ("2.816 million", ["2.816", "million"]),
        ("3,300.5 yuan", ["3300.5", "yuan"]),
        ("about 95% and 99.5%", ["95%", "99.5%"]),
        ("What was the amount of the fund?", ["amount", "fund"]),
        ("The provinces' policies recovered funding", ["provinc", "policy", "recover", "fund"]),
        ("churches classes wishes", ["church", "class", "wish"]),
        ("a b c x", []),
        ("江西省 医保", ["江西省", "医保"]),
        ("Fort Beauséjour fell", ["fort", "beausejour", "fell"]),
        ("Москва́ ﬁles", ["москва", "file"]),
    ],
)
def test_tokenize_examples(text, tokens):
    assert tokenize(text) == tokens


@pytest.mark.parametrize(
    ("word", "stemmed"), [("bus", "bus"), ("gas", "gas"), ("red", "red"), ("sing", "sing")]
)
def test_stem_leaves_short_words_alone(word, stemmed):
    assert stem(word) == stemmed


@settings(max_examples=100, deadline=None, database=None)
@given(st.integers(min_value=1_000, max_value=10**12))
def test_thousands_separators_do_not_change_a_number(n):
    assert tokenize(f"{n:,}") == tokenize(str(n)) == [str(n)]


@settings(max_examples=100, deadline=None, database=None)
@given(st.text(max_size=120))
def test_tokens_are_lower_case_content_words_or_numbers(text):
    for token in tokenize(text):
        assert token == token.lower()
        assert token not in STOPWORDS
        assert token[0].isdigit() or len(token) > 1
        assert not re.search(r",\d{3}\b", token)  # no thousands separator survives


# --- BM25 --------------------------------------------------------------------------------------------


CHUNKS = [
    chunk(0, "Medical insurance covers residents in the province."),
    chunk(1, "Medical insurance funds were recovered from hospitals."),
    chunk(2, "Hainan completed the subsidy upgrade for medical insurance."),
    chunk(3, "The province improved medical insurance for residents and employees."),
]


def test_the_chunk_with_the_rare_term_ranks_first():
    hits = BM25(CHUNKS).search("Hainan medical insurance", 4)
    assert hits[0].chunk == CHUNKS[2]
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert all(a.score >= b.score for a, b in pairwise(hits))


def test_rare_terms_weigh_more_than_common_ones():
    bm25 = BM25(CHUNKS)
    assert bm25.idf["hainan"] > bm25.idf["resident"] > bm25.idf["medical"] > 0


@pytest.mark.parametrize("query", ["zanzibar", "of the and", "?", "Qinghai 1999"])
def test_search_without_known_terms_returns_nothing(query):
    assert BM25(CHUNKS).search(query, 5) == []


def test_search_returns_at_most_k_hits():
    bm25 = BM25(CHUNKS)
    assert len(bm25.search("medical insurance", 2)) == 2
    assert len(bm25.search("medical insurance", 10)) == 4
    assert bm25.search("medical insurance", 0) == []


def test_bm25_over_no_chunks_finds_nothing():
    assert BM25([]).search("anything", 5) == []


def test_a_question_typed_without_accents_finds_the_accented_name():
    chunks = [chunk(0, "The garrison of Fort Beauséjour surrendered."), chunk(1, "The fort was rebuilt.")]
    assert BM25(chunks).search("Who took Fort Beausejour?", 2)[0].chunk.text.startswith("The garrison")


def test_thousands_separators_match_across_query_and_text():
    chunks = [chunk(0, "It handled 16,687 institutions."), chunk(1, "It handled many institutions.")]
    assert BM25(chunks).search("16687 institutions", 1)[0].chunk == chunks[0]


def test_bm25_finds_the_jiangxi_amount_in_the_seed_articles(docs_copy: Path):
    chunks, _ = chunked(read_docs(docs_copy))
    top = BM25(chunks).search("723 million yuan", 1)[0].chunk
    assert (top.file, top.first_line) == ("001_5c3b6ceae2eb49f9.txt", 1)


def test_a_long_text_is_tokenized_once_and_each_caller_gets_its_own_list():
    from qa.retrieval import lexical

    line = " ".join(f"Hainan ledger item {n} costs" for n in range(1000))  # a huge single line
    first = lexical.tokenize(line)
    first.append("mutated by a caller")
    hits = lexical.tokenize.cache_info().hits
    second = lexical.tokenize(line)
    assert lexical.tokenize.cache_info().hits == hits + 1
    assert second == first[:-1] and "mutated by a caller" not in second


def test_a_misspelt_word_the_corpus_never_uses_finds_the_right_spelling():
    chunks = [
        chunk(0, "Colonel Okonkwo surveyed the northern ridge in the spring."),
        chunk(1, "The harbour froze early that winter."),
    ]
    bm25 = BM25(chunks)
    assert bm25.respellings("okonkow") == ["okonkwo"]  # two neighbouring letters swapped
    assert [h.chunk.id for h in bm25.search("Where was Okonkow posted?", 2)] == ["t.txt#0"]


def test_short_or_known_words_are_not_respelt():
    bm25 = BM25([chunk(0, "The ridge and the bridge were surveyed.")])
    assert bm25.respellings("ridg") == []  # under MIN_RESPELT_CHARS
    assert bm25.search("Who sold the fridge?", 2) == []  # "fridge" starts unlike "bridge": no respelling
