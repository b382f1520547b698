"""Checking answers against cited lines, abstaining on near-misses, and extractive answers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.answer.evidence import Evidence, select_evidence
from qa.answer.extractive import extract_answer
from qa.answer.verify import abstain_reason, answering_units, numbers, split_claims, supports, verify_answer
from qa.records import Hit
from qa.retrieval.lexical import BM25, tokenize
from tests.conftest import SEEDS, chunked, read_docs

JIANGXI_FILE = "001_5c3b6ceae2eb49f9.txt"
JIANGXI = (
    "In 2020, the province handled 16,687 illegal medical institutions and recovered 723 million yuan "
    "in medical insurance funds."
)
FUJIAN = "Fujian raised the per capita subsidy standard to 640 yuan per person in 2023."
LINES = {("a.txt", 1): JIANGXI, ("b.txt", 3): FUJIAN}


def ev(file: str, line: int, score: float, coverage: float = 0.9, rank: int = 1) -> Evidence:
    text = LINES[(file, line)]
    return Evidence(file, line, 0, len(text), text, score, coverage, rank)


# --- split_claims and numbers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "claims"),
    [
        ("It rose to 5 yuan [2]. It fell [1, 3].", [("It rose to 5 yuan.", [2]), ("It fell.", [1, 3])]),
        ("It rose [1][2].", [("It rose.", [1, 2])]),
        ("No citation here.", [("No citation here.", [])]),
        (
            "It cost 2.5 million yuan [1]. 2021 was worse [2]!",
            [("It cost 2.5 million yuan.", [1]), ("2021 was worse!", [2])],
        ),
        ("  ", []),
        ("[1]", []),
    ],
)
def test_split_claims(answer, claims):
    assert split_claims(answer) == claims


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("16,687 institutions, 80% and 2.816 million", {"16687", "80", "2.816"}),
        ("In 2020.", {"2020"}),
        ("no numbers", set()),
        ("1,234,567 and 1234567", {"1234567"}),
    ],
)
def test_numbers(text, expected):
    assert numbers(text) == expected


# --- supports ----------------------------------------------------------------------------------------


def test_a_claim_restating_its_line_is_supported():
    assert supports(
        "In 2020, Jiangxi recovered 723 million yuan.", "In 2020, Jiangxi recovered 723 million yuan."
    )
    assert supports("The province recovered 723 million yuan in 2020.", JIANGXI)
    assert supports("It handled 16687 institutions.", JIANGXI)  # thousands separators do not matter


def test_a_number_absent_from_the_line_is_not_supported():
    assert not supports("The province recovered 724 million yuan in 2020.", JIANGXI)
    assert not supports("The province recovered 723 million yuan in 2021.", JIANGXI)


def test_a_name_absent_from_the_line_is_not_supported():
    assert not supports("In 2020, Fujian recovered 723 million yuan.", JIANGXI)


def test_a_claim_about_something_else_is_not_supported():
    assert not supports("Hospitals opened new clinics for children.", JIANGXI)


def test_a_wrong_name_as_the_first_word_is_not_supported():
    assert not supports("Fujian recovered 723 million yuan in 2020.", JIANGXI)


# --- verify_answer -----------------------------------------------------------------------------------


def test_verify_answer_reattributes_a_wrong_citation_and_drops_an_unsupported_claim():
    evidence = [ev("a.txt", 1, 0.9), ev("b.txt", 3, 0.85, rank=2)]
    answer = "The province recovered 723 million yuan in 2020 [2]. Hebei built 99 new hospitals [1]."
    claims = verify_answer(answer, evidence, LINES)
    assert [c.text for c in claims] == ["The province recovered 723 million yuan in 2020."]
    assert claims[0].sources == (evidence[0],)


def test_verify_answer_keeps_correct_citations():
    evidence = [ev("a.txt", 1, 0.9), ev("b.txt", 3, 0.88, rank=2)]
    answer = "Fujian raised the subsidy standard to 640 yuan in 2023 [2]. It recovered 723 million yuan [1]."
    claims = verify_answer(answer, evidence, LINES)
    assert [c.sources for c in claims] == [(evidence[1],), (evidence[0],)]


def test_verify_answer_ignores_citations_out_of_range():
    evidence = [ev("a.txt", 1, 0.9)]
    claims = verify_answer("It recovered 723 million yuan [7].", evidence, LINES)
    assert [c.sources for c in claims] == [(evidence[0],)]


def test_verify_answer_drops_a_claim_backed_only_by_much_weaker_evidence():
    evidence = [ev("a.txt", 1, 0.9), ev("b.txt", 3, 0.3, rank=2)]
    assert verify_answer("Fujian raised the subsidy standard to 640 yuan in 2023 [2].", evidence, LINES) == []


def test_verify_answer_without_evidence_keeps_nothing():
    assert verify_answer("It recovered 723 million yuan [1].", [], LINES) == []


# --- answering_units and abstain_reason: the pipeline abstains when no unit answers, with the reason ----


def abstains(question: str, evidence: list[Evidence], lines: dict) -> str:
    """The pipeline's decision: "" when some unit may answer, else the reason it gives."""
    if answering_units(question, evidence, lines):
        return ""
    return abstain_reason(question, evidence, lines)


def test_abstains_without_evidence():
    assert answering_units("What happened?", [], {}) == []
    assert abstain_reason("What happened?", [], {}) == "nothing relevant was found"


def test_abstains_when_the_year_does_not_match():
    evidence = [ev("a.txt", 1, 0.9)]
    assert "2030" in abstains("How many institutions did the province handle in 2030?", evidence, LINES)
    assert (
        answering_units("How many institutions did the province handle in 2020?", evidence, LINES) == evidence
    )


def test_abstains_when_a_number_is_not_on_the_line():
    evidence = [ev("a.txt", 1, 0.9)]
    assert "999" in abstains("Did the province recover 999 million yuan in 2020?", evidence, LINES)


def test_abstains_when_coverage_is_low():
    evidence = [ev("a.txt", 1, 0.9, coverage=0.1)]
    assert abstains("How many institutions did the province handle in 2020?", evidence, LINES) != ""


@pytest.fixture(scope="module")
def seeds():
    """Chunks, idf and line texts of the seed articles (read only)."""
    docs = read_docs(SEEDS)
    chunks, sentences = chunked(docs)
    lines = {(d.file, n): t.strip() for d in docs for n, t in enumerate(d.text.split("\n"), 1) if t.strip()}
    return chunks, BM25(chunks), lines, sentences


def _subsidy_evidence(seeds, question: str) -> tuple[list[Evidence], dict]:
    """Clauses of seed 003 line 15: one subsidy standard per province, cut at semicolons."""
    chunks, bm25, lines, sentences = seeds
    hits = [
        Hit(c, 1.0, r)
        for r, c in enumerate(
            (c for c in chunks if c.file.startswith("003") and c.first_line <= 15 <= c.last_line), 1
        )
    ]
    return select_evidence(question, hits, None, bm25.idf, lines, sentences, n=4), lines


def test_abstains_for_a_province_absent_from_a_clause_list(seeds):
    question = "What is Jiangsu's subsidy standard for urban and rural residents?"
    evidence, lines = _subsidy_evidence(seeds, question)
    assert len(evidence) > 1 and all("Jiangsu" not in e.text for e in evidence)
    assert "jiangsu" in abstains(question, evidence, lines)


def test_answers_for_a_province_named_in_the_clause_list(seeds):
    question = "What is Jilin's subsidy standard for urban and rural residents?"
    evidence, lines = _subsidy_evidence(seeds, question)
    assert abstains(question, evidence, lines) == ""
    assert "640 yuan" in evidence[0].text and "Jilin" in evidence[0].text


def test_abstains_for_a_year_the_seed_article_does_not_have(seeds):
    chunks, bm25, lines, sentences = seeds
    question = "How much did Jiangxi recover in medical insurance funds in 2030?"
    evidence = select_evidence(question, bm25.search(question, 5), None, bm25.idf, lines, sentences)
    assert "2030" in abstains(question, evidence, lines)
    question = question.replace("2030", "2020")
    evidence = select_evidence(question, bm25.search(question, 5), None, bm25.idf, lines, sentences)
    assert abstains(question, evidence, lines) == ""
    assert (evidence[0].file, evidence[0].line) == (JIANGXI_FILE, 1)


def test_abstains_for_hebei_subsidy_standard_on_the_seed_articles(seeds):
    chunks, bm25, lines, sentences = seeds
    question = "What is Hebei's subsidy standard for urban and rural residents?"
    evidence = select_evidence(question, bm25.search(question, 5), None, bm25.idf, lines, sentences)
    assert not any("Hebei" in lines[(e.file, e.line)] for e in evidence)
    assert abstains(question, evidence, lines) != ""


# --- extract_answer ----------------------------------------------------------------------------------


def test_extract_answer_returns_short_evidence_whole():
    best = Evidence("f", 1, 0, 0, FUJIAN, 1, 1, 1)
    assert extract_answer("What did Fujian raise?", best, max_words=35) == FUJIAN


@settings(max_examples=60, deadline=None, database=None)
@given(st.integers(min_value=9, max_value=30))  # the clause with the amount is 9 words long
def test_extract_answer_stays_within_max_words_and_keeps_the_number(max_words):
    best = Evidence("f", 1, 0, 0, JIANGXI, 1, 1, 1)
    answer = extract_answer("How much did the province recover in medical insurance funds?", best, max_words)
    assert answer and len(answer.split()) <= max_words
    assert "723" in answer
    assert answer in JIANGXI


def test_extract_answer_on_the_seed_line_keeps_the_amount(seeds):
    _, _, lines, _ = seeds
    best = Evidence(JIANGXI_FILE, 1, 0, 0, lines[(JIANGXI_FILE, 1)], 1, 1, 1)
    answer = extract_answer(
        "How much did Jiangxi recover in medical insurance funds in 2020?", best, max_words=12
    )
    assert len(answer.split()) <= 12
    assert "723 million yuan" in answer


# --- question kinds and near-misses ---------------------------------------------------------------------


def test_a_percentage_question_is_not_answered_by_a_sentence_without_one():
    from qa.answer.verify import answering_units

    text = "In 2022, the national residents' medical insurance participation data has declined."
    e = Evidence("a.txt", 1, 0, len(text), text, 0.9, 0.9, 1)
    question = "By what percentage did national residents' medical insurance participation decline in 2022?"
    assert answering_units(question, [e], {("a.txt", 1): text}) == []
    assert answering_units("Did participation decline in 2022?", [e], {("a.txt", 1): text}) == [e]


def test_the_day_of_a_dateline_is_no_answer_to_how_many():
    from qa.answer.verify import answering_units

    text = "China News Service, Beijing, March 6: the residents' individual payment standard was raised."
    e = Evidence("a.txt", 1, 0, len(text), text, 0.9, 0.9, 1)
    assert (
        answering_units("What was the individual payment standard in 2022?", [e], {("a.txt", 1): text}) == []
    )


def test_a_name_may_come_from_the_document_when_its_line_names_nobody():
    from qa.answer.verify import answering_units

    quote = "On the basis of provincial coordination, we can gradually move towards national coordination."
    e = Evidence("a.txt", 5, 0, len(quote), quote, 0.9, 0.9, 1)
    question = "What level of coordination does Long Guoying say insurance should move towards?"
    lines = {("a.txt", 5): quote}
    assert answering_units(question, [e], lines) == []
    documents = {"a.txt": frozenset({"long", "guoy", "coordin"})}
    assert answering_units(question, [e], lines, documents=documents) == [e]
    # but not a name the document lacks
    assert (
        answering_units(question.replace("Long Guoying", "Wang Hong"), [e], lines, documents=documents) == []
    )


def test_an_acronym_matches_the_initials_of_the_name_it_shortens():
    from qa.answer.verify import answering_units

    text = "In March 2020, the Central Committee of the Communist Party of China issued the Opinions."
    e = Evidence("a.txt", 1, 0, len(text), text, 0.9, 0.9, 1)
    lines = {("a.txt", 1): text}
    assert answering_units("When did the CPC Central Committee issue the Opinions?", [e], lines) == [e]
    assert answering_units("When did the NHS Central Committee issue the Opinions?", [e], lines) == []


def test_how_many_prefers_the_unit_that_counts_the_asked_noun():
    from qa.answer.verify import answering_units

    texts = [
        "Many provinces focus on the three medicines in 2024.",
        "14 provinces plan coordination in 2024.",
    ]
    evs = [Evidence("a.txt", i, 0, len(t), t, 0.9 - i / 10, 0.9, 1) for i, t in enumerate(texts)]
    lines = {("a.txt", i): t for i, t in enumerate(texts)}
    found = answering_units("How many provinces plan coordination in 2024?", evs, lines)
    assert found[0].text.startswith("14 provinces")


def test_a_clause_about_the_opposite_of_the_asked_thing_does_not_answer():
    from qa.answer.mismatch import question_terms, unit_mismatch

    terms = question_terms("What was Shanxi's settlement rate for outpatient treatment?", frozenset())
    inpatient = "The settlement rate of inpatient treatment in Shanxi reached 87%"
    assert unit_mismatch(terms, inpatient, inpatient) == {"outpatient"}
    outpatient = "The settlement rate of outpatient treatment in Shanxi reached 80%"
    assert unit_mismatch(terms, outpatient, outpatient) == set()


def test_a_short_clause_holding_the_asked_figure_completes_the_span():
    text = (
        "The Notice on Basic Medical Security for Urban and Rural Residents in 2023 sets the financing "
        "standard for medical insurance for residents in 2023 at 1020 yuan, of which the per capita "
        "financial subsidy standard for medical insurance for residents will be increased by 30 yuan to 640 "
        "yuan per person per year, and the individual payment standard will be raised simultaneously, "
        "up to 380 yuan per person per year."
    )
    unit = Evidence("f", 1, 0, len(text), text, 1.0, 1.0, 1)
    answer = extract_answer("How much do individuals pay per year for residents' medical insurance?", unit)
    assert answer.endswith("up to 380 yuan per person per year.")


def test_a_span_that_only_repeats_the_question_is_not_an_answer():
    text = (
        "Li Linkang, vice president of the Chinese Hospital Association, said in his speech that the "
        "five years of the plan were years in which the reform of medical insurance was promoted the most"
    )
    unit = Evidence("f", 5, 0, len(text), text, 1.0, 1.0, 1)
    idf = {"li": 4.0, "linkang": 4.0}
    assert "vice president" in extract_answer("What position does Li Linkang hold?", unit, 10, idf)


def test_a_unit_saying_it_takes_its_subject_from_the_line_before():
    from qa.answer.mismatch import question_terms, unit_mismatch

    terms = question_terms("When were Jiangxi's Implementation Opinions officially issued?", frozenset())
    unit = "On January 21, 2021, it will be officially issued in the name of the Jiangxi Government."
    before = 'The committee approved the "Implementation Opinions" of Jiangxi.'
    assert unit_mismatch(terms, unit, unit) == {"implementation", "opinion"}
    assert unit_mismatch(terms, unit, unit, previous=before) == set()
    unrelated = 'The committee approved the "Opinions on Fujian".'
    assert unit_mismatch(terms, unit, unit, previous=unrelated) == {"implementation"}


@pytest.mark.parametrize(
    "unit",
    [
        "From this, he put forward three suggestions: one is to communicate information",
        'The conference set up the "Medical Security: Full Coverage" parallel forum with 200 experts.',
    ],
)
def test_a_unit_about_he_or_the_conference_takes_its_names_from_the_line_before(unit):
    from qa.answer.mismatch import question_terms, unit_mismatch

    terms = question_terms("What did Wang Zhenyao say at the Healthy China Forum?", frozenset())
    before = "Wang Zhenyao spoke at the 13th Healthy China Forum in Beijing."
    assert unit_mismatch(terms, unit, unit, previous=before) == set()
    assert unit_mismatch(terms, unit, unit, previous="Li Chun reported from Beijing.")


def test_a_quoted_list_stays_whole_in_the_answer():
    text = (
        'In 2024, many provinces plan to focus on promoting "provincial overall planning of basic medical '
        "insurance, expansion and quality improvement of volume procurement, promotion of coordinated "
        'development of the three medical services, and establishment of long-term care insurance". '
        "The ability to resist risks will be further improved in each province"
    )
    unit = Evidence("f", 23, 0, len(text), text, 1.0, 1.0, 1)
    question = "What are the main 2024 priorities that many provinces plan to focus on?"
    answer = extract_answer(question, unit, 20)
    assert "provincial overall planning" in answer and "long-term care" in answer


def test_a_clause_that_only_repeats_the_question_leads_in_to_the_answer_after_it():
    text = (
        "In terms of the review of work in 2023, many provinces focused on direct settlement, "
        "and the core idea is to emphasize and solve the urgent problems "
        "such as reducing the burden of patients"
    )
    unit = Evidence("f", 7, 0, len(text), text, 1.0, 1.0, 1)
    question = "What core idea did many provinces emphasize when reviewing their 2023 work?"
    idf = {"core": 3.0, "idea": 3.0, "emphasiz": 3.0}
    assert extract_answer(question, unit, 20, idf).endswith("reducing the burden of patients")


def test_quoted_speech_takes_its_speaker_from_the_rest_of_the_line():
    from qa.answer.mismatch import question_terms, unit_mismatch

    terms = question_terms("According to Long Guoying, what happened to enrollment in 2022?", frozenset())
    unit = 'China News Service, Beijing, March 6 (Lu Mengmeng) "Relevant data show that in 2022 it declined.'
    line = unit + ' During the two sessions, Long Guoying said so."'
    assert unit_mismatch(terms, unit, line) == set()
    plain = "China News Service, Beijing, March 6 (Lu Mengmeng) Relevant data show that in 2022 it declined."
    assert unit_mismatch(terms, plain, plain + " Long Guoying said so.") == {"long", "guoy"}  # stemmed


def test_a_clause_cut_from_a_long_sentence_takes_its_subject_from_the_line():
    from qa.answer.mismatch import question_terms, unit_mismatch

    question = "Which clauses may be exempted under Jiangxi's Implementation Opinions?"
    terms = question_terms(question, frozenset())
    unit = "combine the exploration of Jiangxi in the epidemic, including exemption of clauses such as limits"
    line = 'The "Implementation Opinions" require that it improve the system; ' + unit
    assert unit_mismatch(terms, unit, line) == set()
    sentence = "Jiangxi combines the exploration in the epidemic, including exemption of clauses"
    assert unit_mismatch(terms, sentence, 'The "Implementation Opinions" say so; ' + sentence)


def test_an_abstention_names_no_stray_token():
    from qa.answer.verify import abstain_reason

    e = Evidence("a.txt", 1, 0, 30, "The harbour opened in 1902.", 0.5, 0.5, 1)
    lines = {("a.txt", 1): e.text}
    assert "1990" in abstain_reason("When did the harbour open in 1990?", [e], lines)
    stray = abstain_reason("<b>alert(7)</b> harbour?", [e], lines)
    assert stray == "they do not cover it"  # not "nothing in them matches 7"


def test_a_when_question_is_answered_by_a_date_entity_of_the_unit_parse():
    from types import SimpleNamespace

    from qa.answer.verify import answering_units

    text = "The first recorded eclipse there was seen in 763 BC by the court astronomers."
    e = Evidence("a.txt", 1, 0, len(text), text, 0.9, 0.9, 1)
    lines = {("a.txt", 1): text}
    question = "When was the first recorded eclipse seen by court astronomers?"
    assert answering_units(question, [e], lines) == []  # no four-digit year or month in its words
    parse = SimpleNamespace(ents=[SimpleNamespace(text="763 BC", label_="DATE")])
    assert answering_units(question, [e], lines, parse=lambda unit: parse) == [e]
    no_date = SimpleNamespace(ents=[SimpleNamespace(text="court", label_="ORG")])
    assert answering_units(question, [e], lines, parse=lambda unit: no_date) == []


def test_a_misspelt_question_word_the_corpus_never_uses_does_not_refuse_alone():
    text = "With her botanical insight, Mira Holt named the orchids of the valley."
    e = Evidence("a.txt", 1, 0, len(text), text, 0.5, 0.0, 1)
    idf = {t: 2.0 for t in tokenize(text + " geological training")}  # the corpus's words
    assert answering_units("Who had botanicl insite?", [e], {("a.txt", 1): text}, vocabulary=idf) == [e]
    assert answering_units("Who had geological training?", [e], {("a.txt", 1): text}, vocabulary=idf) == []


def test_the_negated_question_abstains_saying_so():
    text = "The harbour was rebuilt in 1990."
    e = Evidence("a.txt", 1, 0, len(text), text, 0.9, 0.9, 1)
    lines = {("a.txt", 1): text}
    assert answering_units("When was the harbour not rebuilt?", [e], lines) == []
    assert (
        abstain_reason("When was the harbour not rebuilt?", [e], lines) == "none of them says what is not so"
    )
