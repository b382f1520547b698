"""Suite files, per-corpus index folders, and the suite the project ships."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.config import Settings
from qa.errors import InputError
from qa.evaluation.gold import load_gold
from qa.evaluation.suite import index_dir_for, load_suite, variants

ROOT = Path(__file__).resolve().parents[1]


def _suite(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "evals" / "suite.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_paths_are_relative_to_the_suite_file_and_halves_come_in_order(tmp_path):
    corpora = [
        {"name": "news", "docs": "../news", "gold": {"dev": "g/news.dev.jsonl", "test": "g/news.test.jsonl"}},
        {
            "name": "wiki",
            "docs": "/data/wiki",
            "gold": {"dev": "g/wiki.dev.jsonl", "test": "g/wiki.test.jsonl"},
        },
    ]
    path = _suite(tmp_path, {"wrap": 72, "ablate": "all", "corpora": corpora})
    specs, options = load_suite(path, ("dev", "test"))
    assert [(s.half, s.name) for s in specs] == [
        ("dev", "news"),
        ("dev", "wiki"),
        ("test", "news"),
        ("test", "wiki"),
    ]
    assert specs[0].docs == tmp_path / "evals" / "../news" and specs[1].docs == Path("/data/wiki")
    assert specs[2].gold == tmp_path / "evals" / "g" / "news.test.jsonl"
    assert (options.wrap, options.ablate, options.curve) == (72, "all", False)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "expected"),
        ({"corpora": []}, "expected"),
        ({"corpora": [{"name": "x", "gold": {"dev": "a"}}]}, "needs"),
        ({"corpora": [{"name": "x", "docs": "d", "gold": {"test": "a"}}]}, 'no "dev" gold'),
        ({"wrap": 3, "corpora": [{"name": "x", "docs": "d", "gold": {"dev": "a"}}]}, "wrap"),
    ],
)
def test_bad_suites_say_what_is_wrong(tmp_path, data, message):
    with pytest.raises(InputError, match=message):
        load_suite(_suite(tmp_path, data), ("dev",))


def test_missing_or_broken_suite_file(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_suite(tmp_path / "nope.json", ("dev",))
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(InputError, match="cannot read"):
        load_suite(tmp_path / "bad.json", ("dev",))


def test_index_folder_depends_on_docs_and_index_settings_only(tmp_path):
    base = Settings()
    a = index_dir_for(tmp_path, "news", tmp_path / "news", base)
    assert a.parent == tmp_path / "eval-index" and a.name.startswith("news-")
    assert a == index_dir_for(tmp_path, "news", tmp_path / "news", base.replace(retrieval="bm25", top_k=3))
    assert a != index_dir_for(tmp_path, "news", tmp_path / "other", base)
    assert a != index_dir_for(tmp_path, "news", tmp_path / "news", base.replace(chunk_chars=300))


def test_variants_need_an_existing_folder(tmp_path):
    from qa.evaluation.suite import CorpusSpec

    spec = CorpusSpec("x", tmp_path / "g.jsonl", tmp_path / "missing")
    with pytest.raises(InputError, match="documents folder not found"):
        variants(spec, 80, tmp_path / "cache")
    (tmp_path / "docs").mkdir()
    spec = CorpusSpec("x", tmp_path / "g.jsonl", tmp_path / "docs")
    plain, wrapped = variants(spec, 80, tmp_path / "cache")
    assert (plain.name, plain.line_map, wrapped.name) == ("x", None, "x-wrapped80")
    assert wrapped.docs.is_dir() and wrapped.docs.is_relative_to(tmp_path / "cache" / "eval-wrapped")


def test_the_shipped_suite_loads_and_its_gold_files_parse():
    specs, options = load_suite(ROOT / "evals" / "suite.json", ("dev", "test"))
    assert {s.name for s in specs} >= {"seeds", "squad", "manuals", "pdfs"} and options.wrap == 80
    for spec in specs:
        items = load_gold(spec.gold)
        assert items and any(not i.answerable for i in items) and any(i.answerable for i in items)
        if spec.name != "squad":  # squad's articles live outside the repository
            assert spec.docs.is_dir()
