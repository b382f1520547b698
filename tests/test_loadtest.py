"""The load test in small form: concurrent gradio_client sessions, no failures, no mixed-up answers."""

from __future__ import annotations

import json

import pytest

from evals.loadtest import gold_questions, main, passed, reference_answers, run_load, write_report
from tests.conftest import ROOT, running_app

GOLD = ROOT / "evals" / "gold.jsonl"


def test_four_clients_twelve_questions_all_answered_each_with_its_own_answer(make_pipeline, tmp_path):
    questions = gold_questions(GOLD)[:6] * 2
    with running_app(make_pipeline()) as url:
        reference = reference_answers(url, sorted(set(questions)))
        summary = run_load(url, questions, clients=4, reference=reference)
    assert summary["requests"] == 12 and summary["failed"] == 0, summary["errors"]
    assert summary["wrong_question"] == 0 and summary["differs_from_alone"] == 0
    assert summary["checked_against_alone"] == 12
    assert {r["client"] for r in summary["results"]} == {0, 1, 2, 3}  # the load really was spread
    assert 0 < summary["latency_s"]["p50"] <= summary["latency_s"]["p95"] <= summary["latency_s"]["max"]
    assert 0 < summary["answer_s"]["p50"] <= summary["latency_s"]["p50"]
    assert passed(summary)

    md, js = write_report(summary, {"generator": "none", "command": "--clients 4 --questions 12"}, tmp_path)
    assert "| failed requests | 0 |" in md.read_text() and "PASS" in md.read_text()
    assert len(json.loads(js.read_text())["results"]) == 12


def test_a_mixed_up_answer_is_caught(make_pipeline):
    """The check must be able to fail: answers compared with another question's reference."""
    questions = gold_questions(GOLD)[:2]
    with running_app(make_pipeline()) as url:
        reference = reference_answers(url, questions)
        swapped = {questions[0]: reference[questions[1]], questions[1]: reference[questions[0]]}
        summary = run_load(url, questions, clients=2, reference=swapped)
    assert summary["differs_from_alone"] == 2 and not passed(summary)


def test_a_server_that_is_down_counts_every_request_as_failed():
    from tests.conftest import free_port

    summary = run_load(f"http://127.0.0.1:{free_port()}/", ["Q1?", "Q2?", "Q3?"], clients=2)
    assert summary["failed"] == 3 and not passed(summary)


@pytest.mark.model
def test_the_script_starts_the_app_and_writes_its_report(tmp_path):
    """The documented command end to end, small: python app.py with the packaged embedder, no generator."""
    code = main(["--clients", "4", "--questions", "12", "--out", str(tmp_path), "--timeout", "600"])
    report = (tmp_path / "LOADTEST.md").read_text()
    assert code == 0, report
    assert "| failed requests | 0 |" in report and "**PASS**" in report


def test_the_command_against_a_running_server_writes_its_named_report(make_pipeline, tmp_path):
    with running_app(make_pipeline()) as url:
        code = main(
            ["--url", url, "--clients", "2", "--questions", "4", "--out", str(tmp_path), "--name", "SMALL"]
        )
    assert code == 0
    assert "**PASS**" in (tmp_path / "SMALL.md").read_text()
    assert json.loads((tmp_path / "SMALL.json").read_text())["requests"] == 4
