"""`qa eval` on the command line: one gold file, or a suite, with a fake pipeline."""

from __future__ import annotations

import json

import pytest

import qa.answer.pipeline
from qa.app.cli import main
from tests.test_evaluation import DOCS, GOLD, FakePipeline


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.setattr(qa.answer.pipeline, "Pipeline", FakePipeline)
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in DOCS.items():
        (docs / name).write_text(text, encoding="utf-8")
    for half in ("dev", "test"):
        (tmp_path / f"town.{half}.jsonl").write_text("\n".join(json.dumps(g) for g in GOLD), encoding="utf-8")
    corpus = {"name": "town", "docs": "docs", "gold": {"dev": "town.dev.jsonl", "test": "town.test.jsonl"}}
    (tmp_path / "suite.json").write_text(json.dumps({"wrap": 40, "curve": True, "corpora": [corpus]}))
    return tmp_path


def _flags(tmp_path):
    return [
        "--out",
        str(tmp_path / "out"),
        "--eval-cache",
        str(tmp_path / "cache"),
        "--generator",
        "fake:good",
    ]


def test_suite_both_halves_with_wrap_and_curve_from_the_suite(project, capsys):
    code = main(["eval", "--suite", str(project / "suite.json"), "--half", "both", *_flags(project)])
    out = capsys.readouterr().out
    assert code == 0 and "dev:" in out and "test:" in out and "| town-wrapped40 |" in out
    assert "best support threshold, all corpora: 0.45 (75.0%)" in out
    md = (project / "out" / "REPORT.md").read_text(encoding="utf-8")
    assert "## dev half" in md and "## test half" in md
    assert (project / "out" / "REPORT-curve-test.png").is_file()


def test_one_gold_file_over_docs_as_json_without_wrap(project, capsys):
    args = ["eval", "--gold", str(project / "town.dev.jsonl"), "--docs", str(project / "docs"), "--json"]
    code = main([*args, "--limit", "2", *_flags(project)])
    info = json.loads(capsys.readouterr().out)
    assert code == 0 and [r["row"] for r in info["rows"]] == ["town"]
    assert info["corpora"][0]["items"] == 2 and info["wrap"] is None


def test_options_override_the_suite_and_bad_input_is_one_line(project, capsys):
    code = main(["eval", "--suite", str(project / "suite.json"), "--wrap", "0", "--json", *_flags(project)])
    assert code == 0 and [r["row"] for r in json.loads(capsys.readouterr().out)["rows"]] == ["town"]
    assert main(["eval", "--suite", str(project / "nope.json"), *_flags(project)]) == 1
    assert capsys.readouterr().err.startswith("error: suite file not found")
