"""WordNet antonyms: the shipped pairs, their checksum, and a sentence saying the opposite of an asked word"""

import pytest

from evals.build_antonyms import read_pairs
from qa.answer import antonyms
from qa.answer.mismatch import question_terms, unit_mismatch
from qa.errors import ModelError


def test_the_shipped_pairs_load_and_hold_common_opposites():
    table = antonyms.opposites()
    assert "outsid" in table["insid"]
    assert "fall" in table["rise"]
    assert "mother" in table["father"]


@pytest.fixture
def pairs_file(tmp_path, monkeypatch):
    """The path the pairs are read from, moved into tmp_path, with the loaded table forgotten before
    and after the test."""
    path = tmp_path / "antonyms.json"
    monkeypatch.setattr(antonyms, "PAIRS", path)
    antonyms.opposites.cache_clear()
    yield path
    antonyms.opposites.cache_clear()


def test_a_changed_pairs_file_fails_its_checksum(pairs_file):
    pairs_file.write_text('{"pairs": [["hot", "cold"]]}\n')
    with pytest.raises(ModelError, match="checksum"):
        antonyms.opposites()


def test_a_missing_pairs_file_says_how_to_restore_it(pairs_file):
    with pytest.raises(ModelError, match="is missing: reinstall qa or run python -m evals"):
        antonyms.opposites()


def test_an_antonym_the_question_holds_itself_is_no_opposite():
    found = antonyms.opposed({"rise", "fall", "price"})
    assert "fall" not in found.get("rise", ()) and "rise" not in found.get("fall", ())
    assert "fall" in antonyms.opposed({"rise", "price"})["rise"]


def test_a_sentence_saying_the_opposite_of_an_asked_word_does_not_answer():
    asked = question_terms("Which battle inside the fort did the garrison lose?", frozenset())
    said = "The garrison lost the battle outside the fort."
    assert unit_mismatch(asked, said, said) == {"insid"}
    plain = question_terms("Which battle inside the fort did the garrison lose?", frozenset(), antonyms=False)
    assert unit_mismatch(plain, said, said) == set()


def test_for_a_negated_question_the_antonym_says_the_negation():
    asked = question_terms("Which gate was not open at night?", frozenset())
    said = "The north gate was closed at night."
    assert unit_mismatch(asked, said, said) == set()


def test_the_builder_reads_antonym_pointers_of_wordnet_data_files(tmp_path):
    licence = "  1 Licence line one.  \n  2 Licence line two.  \n"
    adj = (
        "00000001 00 a 01 hot 0 001 ! 00000002 a 0101 | high in temperature\n"
        "00000002 00 a 01 cold 0 001 ! 00000001 a 0101 | low in temperature\n"
        "00000003 00 s 01 in_the_lead 0 001 ! 00000001 a 0101 | a phrase, not a word\n"
    )
    (tmp_path / "data.adj").write_text(licence + adj)
    for part in ("adv", "verb", "noun"):
        (tmp_path / f"data.{part}").write_text(licence)
    pairs, text = read_pairs(tmp_path)
    assert pairs == [("cold", "hot")]
    assert text == "Licence line one.\nLicence line two."
