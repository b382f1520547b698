"""Validation of the gold evaluation set (evals/gold.jsonl) against the seed corpus.

Only stdlib + pytest; no project imports.
"""

import json
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "evals" / "gold.jsonl"
SEEDS = ROOT / "seeds"

REQUIRED_KEYS = {"id", "question", "answers", "must_contain", "sources", "type", "difficulty"}
OPTIONAL_KEYS = {"derived"}
TYPES = {"factoid", "numeric", "list", "multi-hop", "paraphrase", "unanswerable"}
DIFFICULTIES = {"easy", "medium", "hard"}

MIN_ITEMS = 60
MIN_MULTI_HOP = 8
MIN_LIST = 8
MIN_UNANSWERABLE = 12


def _load_raw_lines():
    return [line for line in GOLD.read_text(encoding="utf-8").split("\n") if line.strip()]


def _load_items():
    items = []
    for raw in _load_raw_lines():
        try:
            items.append(json.loads(raw))
        except json.JSONDecodeError:
            items.append(None)
    return items


def _file_lines(name):
    """Lines of a seed file, numbered 1-based as `cat -n` counts them.

    A trailing newline terminates the last line; it does not start a new one.
    """
    text = (SEEDS / name).read_text(encoding="utf-8")
    if text.endswith("\n"):
        text = text[:-1]
    return text.split("\n")


RAW_LINES = _load_raw_lines()
ITEMS = _load_items()


def _item_id(item):
    if isinstance(item, dict):
        return str(item.get("id", "?"))
    return "unparsable"


def test_gold_file_exists_and_nonempty():
    assert GOLD.is_file(), f"missing {GOLD}"
    assert RAW_LINES, "gold.jsonl is empty"


@pytest.mark.parametrize("raw", RAW_LINES, ids=[f"line{i + 1}" for i in range(len(RAW_LINES))])
def test_line_is_json_object(raw):
    obj = json.loads(raw)
    assert isinstance(obj, dict)


def test_ids_unique():
    ids = [_item_id(it) for it in ITEMS]
    dupes = [k for k, v in Counter(ids).items() if v > 1]
    assert not dupes, f"duplicate ids: {dupes}"


@pytest.mark.parametrize("item", ITEMS, ids=[_item_id(it) for it in ITEMS])
def test_item_schema(item):
    assert isinstance(item, dict), "line did not parse as a JSON object"
    keys = set(item)
    missing = REQUIRED_KEYS - keys
    extra = keys - REQUIRED_KEYS - OPTIONAL_KEYS
    assert not missing, f"missing keys: {missing}"
    assert not extra, f"unexpected keys: {extra}"

    assert isinstance(item["id"], str) and item["id"].strip()
    assert isinstance(item["question"], str) and item["question"].strip()
    assert item["type"] in TYPES, item["type"]
    assert item["difficulty"] in DIFFICULTIES, item["difficulty"]
    if "derived" in item:
        assert isinstance(item["derived"], bool)

    for key in ("answers", "must_contain"):
        assert isinstance(item[key], list), key
        for s in item[key]:
            assert isinstance(s, str) and s.strip(), f"{key} has empty/non-string entry"
    if item["type"] != "unanswerable":
        assert 1 <= len(item["must_contain"]) <= 3, "must_contain must hold 1-3 strings"

    assert isinstance(item["sources"], list)
    for src in item["sources"]:
        assert isinstance(src, dict) and set(src) == {"file", "lines"}, src
        assert isinstance(src["file"], str) and src["file"]
        assert isinstance(src["lines"], list) and src["lines"], src
        for n in src["lines"]:
            assert isinstance(n, int) and not isinstance(n, bool), n


@pytest.mark.parametrize("item", ITEMS, ids=[_item_id(it) for it in ITEMS])
def test_answerability_consistency(item):
    assert isinstance(item, dict)
    if item["type"] == "unanswerable":
        assert item["answers"] == []
        assert item["must_contain"] == []
        assert item["sources"] == []
        assert not item.get("derived", False)
    else:
        assert item["answers"], "answerable item needs answers"
        assert item["must_contain"], "answerable item needs must_contain"
        assert item["sources"], "answerable item needs sources"


@pytest.mark.parametrize("item", ITEMS, ids=[_item_id(it) for it in ITEMS])
def test_sources_resolve(item):
    assert isinstance(item, dict)
    cited = []
    for src in item["sources"]:
        path = SEEDS / src["file"]
        assert path.is_file(), f"missing seed file {path}"
        lines = _file_lines(src["file"])
        for n in src["lines"]:
            assert 1 <= n <= len(lines), f"{src['file']} has no line {n} (has {len(lines)})"
            assert lines[n - 1].strip(), f"{src['file']} line {n} is blank"
            cited.append(lines[n - 1])
    if item["type"] == "unanswerable" or item.get("derived", False):
        return
    blob = "\n".join(cited).lower()
    for s in item["must_contain"]:
        assert s.lower() in blob, f"must_contain {s!r} not found in cited lines"


def test_counts():
    items = [it for it in ITEMS if isinstance(it, dict)]
    types = Counter(it.get("type") for it in items)
    assert len(items) >= MIN_ITEMS, f"only {len(items)} items"
    assert types["multi-hop"] >= MIN_MULTI_HOP, types
    assert types["list"] >= MIN_LIST, types
    assert types["unanswerable"] >= MIN_UNANSWERABLE, types


def test_all_seed_files_cited():
    seed_files = {p.name for p in SEEDS.glob("*.txt")}
    assert len(seed_files) == 5, seed_files
    cited = {
        src.get("file")
        for it in ITEMS
        if isinstance(it, dict)
        for src in it.get("sources", [])
        if isinstance(src, dict)
    }
    assert seed_files <= cited, f"not cited: {sorted(seed_files - cited)}"


def test_required_anchor_questions():
    by_q = {it["question"]: it for it in ITEMS if isinstance(it, dict)}
    q2020 = by_q.get("What was Jiangxi's 2020 recovered fund amount?")
    assert q2020 is not None
    assert "723 million" in q2020["must_contain"]
    assert {"file": "001_5c3b6ceae2eb49f9.txt", "lines": [1]} in q2020["sources"]
    q2030 = by_q.get("What was Jiangxi's 2030 recovered fund amount?")
    assert q2030 is not None and q2030["type"] == "unanswerable"
