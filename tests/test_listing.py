"""List answers: the names of the clauses of one line that answer "which provinces …"."""

from __future__ import annotations

from qa.answer.evidence import Evidence
from qa.answer.listing import asked_count, list_answer, name_list, names_in

LINE = [
    "Six provinces mentioned financial subsidies for residents' medical insurance.",
    "The subsidy standard for urban and rural residents in Jilin has been increased to 640 yuan per person",
    "The per capita financial subsidy standard in Fujian has been increased to no less than 640 yuan",
    "The per capita financial subsidy standard for medical insurance in Henan has been steadily improved",
    "The medical insurance subsidy for urban and rural residents in Ningxia was increased to 640 yuan.",
    "Seven provinces have established long-term care insurance systems.",
    "Tianjin promotes the pilot of long-term care insurance",
    "Jilin and Hainan promote the establishment of long-term care insurance systems",
    "Jiangsu expands the population covered by long-term care insurance",
]
ORDINARY = frozenset("the per medical direct".split())


def units(texts: list[str]) -> list[Evidence]:
    return [Evidence("003.txt", 15, i * 200, i * 200 + len(t), t, 0.0, 0.0, 1) for i, t in enumerate(texts)]


def names(question: str, texts: list[str] = LINE) -> list[str]:
    return [n for n, _ in name_list(question, units(texts), {}, frozenset({"china"}), ORDINARY)]


def test_numbers_in_the_question_pick_the_clauses():
    assert names("Which provinces raised the subsidy for residents to 640 yuan?") == [
        "Jilin",
        "Fujian",
        "Ningxia",
    ]


def test_an_asked_count_stops_the_list():
    assert names("Which two provinces promote the establishment of long-term care insurance systems?") == [
        "Jilin",
        "Hainan",
    ]


def test_a_matching_header_brings_its_whole_enumeration():
    found = names("Which provinces mentioned financial subsidies for residents' medical insurance?")
    assert found == ["Jilin", "Fujian", "Henan", "Ningxia"]  # up to the next header, not beyond


def test_names_of_one_long_sentence_are_not_a_list():
    sentence = [
        "Xinhua News Agency, Beijing, July 29 (Reporter Peng Yunjia) The State Health Insurance Bureau and "
        "the Ministry of Finance released the Notice"
    ]
    assert names("Which agencies released the Notice?", sentence) == []


def test_questions_that_are_not_lists_get_none():
    assert names("What was the subsidy in Jilin?") == []


def test_names_keep_of_and_drop_sentence_openers_and_months():
    text = "Direct settlement in March by the Ministry of Finance; methodsShanghai and Jilin"
    assert names_in(text, ORDINARY) == ["Ministry of Finance", "Shanghai", "Jilin"]


def test_counts_and_wording():
    assert asked_count("Which four provinces mentioned it?") == 4
    assert asked_count("Which 3 cities?") == 3
    assert list_answer(["Jilin", "Hainan"]) == "Jilin and Hainan."


def test_a_numbered_enumeration_cut_at_semicolons_is_joined_again():
    from qa.answer.listing import with_enumeration

    line = [
        "From this, he put forward three suggestions: one is to communicate information",
        "second, to establish a mechanism",
        "third, to demonstrate",
        "Social forces have great potential",
    ]
    found = units(line)
    joined = with_enumeration(found[0], found)
    assert joined.text == "; ".join(line[:3])
    assert (joined.start, joined.end) == (found[0].start, found[2].end)
    assert with_enumeration(found[3], found) == found[3]  # nothing numbered to carry on
    assert with_enumeration(found[1], found) == found[1]  # "second," opens nothing


def test_a_header_glued_to_its_first_clause_still_introduces_the_clauses_after_it():
    line = [
        "Five provinces mentioned deepening the reform of payment methodsShanghai, Chongqing, and Sichuan "
        "plan to deepen the reform of payment methods",
        "Jiangxi plans to complete the three-year action plan for the reform of medical insurance payment",
        "Guangdong plans to deepen the reform of payment according to the value of disease groups",
        "Four provinces mentioned the dynamic adjustment of medical services**Fujian plans to improve it",
    ]
    asked = "Which provinces mentioned deepening the reform of medical insurance payment methods?"
    assert names(asked, line) == ["Shanghai", "Chongqing", "Sichuan", "Jiangxi", "Guangdong"]
