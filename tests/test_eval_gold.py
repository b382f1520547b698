"""Reading gold files: alternatives (any_of), must_contain, unanswerable items and their context."""

from __future__ import annotations

import json
import logging

import pytest

from qa.errors import InputError
from qa.evaluation.gold import check_sources, load_gold, parse_gold

ANY_OF = {
    "id": "a1",
    "question": "Which river runs through the valley?",
    "answers": ["the Avon"],
    "any_of": ["Avon", "River Avon"],
    "sources": [{"file": "v.txt", "lines": [4, 5]}],
    "type": "place",
}
MUST = {
    "id": "m1",
    "question": "Which two mills were rebuilt?",
    "answers": ["the north and south mills"],
    "must_contain": ["north", "south"],
    "sources": [{"file": "v.txt", "lines": [9]}],
    "type": "list",
    "difficulty": "hard",
}
NONE = {
    "id": "u1",
    "question": "What colour is the mill door?",
    "answers": [],
    "any_of": [],
    "sources": [{"file": "v.txt", "lines": [9]}],
    "type": "unanswerable",
}


def test_items_of_both_styles_and_unanswerable_context():
    a, m, u = parse_gold([json.dumps(x) for x in (ANY_OF, MUST, NONE)], "g")
    assert (
        a.any_of == ("Avon", "River Avon")
        and a.must_contain == ()
        and a.sources == (("v.txt", 4), ("v.txt", 5))
    )
    assert m.must_contain == ("north", "south") and m.difficulty == "hard" and a.difficulty == ""
    assert not u.answerable and u.sources == () and u.context == (("v.txt", 9),)


def test_is_correct_any_of_normalised_and_must_contain_all():
    a, m = parse_gold([json.dumps(ANY_OF), json.dumps(MUST)], "g")
    assert a.is_correct("It is the river avon.") and not a.is_correct("The Severn.")
    assert m.is_correct("Both the North and the South mill.") and not m.is_correct("Only the north one.")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"any_of": []}, "any_of"),
        ({"any_of": "Avon"}, "any_of"),
        ({"answers": []}, "answers"),
        ({"sources": [{"file": "v.txt", "lines": [0]}]}, "line numbers"),
        ({"sources": [{"lines": [3]}]}, "file"),
        ({"sources": []}, "sources"),
        ({"question": "  "}, "question"),
        ({"type": ""}, "type"),
        ({"derived": "yes"}, "derived"),
        ({"type": "unanswerable"}, "unanswerable"),
    ],
)
def test_bad_items_name_the_line(change, message):
    with pytest.raises(InputError, match=rf"g\.jsonl:3: .*{message}"):
        parse_gold([json.dumps(MUST), "", json.dumps({**ANY_OF, **change})], "g.jsonl")


def test_bad_json_missing_fields_duplicates_and_files(tmp_path):
    with pytest.raises(InputError, match=r"g:2: not valid JSON"):
        parse_gold([json.dumps(ANY_OF), "{oops"], "g")
    with pytest.raises(InputError, match=r"g:1: missing field\(s\) sources"):
        parse_gold([json.dumps({k: v for k, v in ANY_OF.items() if k != "sources"})], "g")
    with pytest.raises(InputError, match=r"g:2: duplicate id 'a1' \(first used on line 1\)"):
        parse_gold([json.dumps(ANY_OF), json.dumps(ANY_OF)], "g")
    with pytest.raises(InputError, match="not found"):
        load_gold(tmp_path / "nope.jsonl")
    (tmp_path / "empty.jsonl").write_text("\n", encoding="utf-8")
    with pytest.raises(InputError, match="no items"):
        load_gold(tmp_path / "empty.jsonl")


def test_warns_when_no_answer_holds_must_contain(caplog):
    with caplog.at_level(logging.WARNING, logger="qa.evaluation.gold"):
        parse_gold([json.dumps({**MUST, "must_contain": ["east"]})], "g")
    assert "g:1" in caplog.text


def test_check_sources_reports_missing_files_and_lines_of_text_files_only(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "v.txt").write_text("\n".join(f"line {n}" for n in range(1, 8)), encoding="utf-8")
    pdf = {**ANY_OF, "id": "p1", "sources": [{"file": "r.pdf", "lines": [400]}]}
    gone = {**ANY_OF, "id": "g1", "sources": [{"file": "gone.md", "lines": [1]}]}
    items = parse_gold([json.dumps(x) for x in (ANY_OF, MUST, pdf, gone)], "g")
    assert check_sources(items, docs) == [
        "m1: v.txt has 7 lines, gold cites line 9",
        f"g1: source file gone.md not found in {docs}",
    ]
