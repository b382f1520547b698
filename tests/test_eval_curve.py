"""The answer/abstain trade-off from recorded support scores, and the threshold chosen on it."""

from __future__ import annotations

import pytest

from qa.evaluation.curve import choose_threshold, curve, draw_curves, point
from qa.evaluation.scoring import QuestionResult


def _q(
    corpus: str, answerable: bool, correct: bool, support: float | None, abstained=False
) -> QuestionResult:
    return QuestionResult(
        "id",
        corpus,
        "default",
        "t",
        answerable,
        "?",
        "text",
        "",
        abstained,
        "",
        support,
        (),
        (),
        (),
        {"correct": correct if answerable else abstained},
    )


def test_low_support_answers_become_abstentions():
    results = [
        _q("a", True, True, 0.8),
        _q("a", True, False, 0.4),
        _q("a", False, False, 0.5),
        _q("a", False, True, None, abstained=True),
    ]
    assert point(results, 0.0).accuracy == pytest.approx(2 / 4)
    p = point(results, 0.6)  # the unanswerable answer (0.5) is now held back; the correct one stays
    assert (p.answered_correct, p.abstained_unanswerable, p.accuracy) == (0.5, 1.0, 0.75)
    assert point(results, 0.9).answered_correct == 0.0  # everything abstains
    assert [p.threshold for p in curve(results, (0.0, 0.5, 1.0))] == [0.0, 0.5, 1.0]


def test_choose_threshold_takes_the_middle_of_the_best_and_weights_corpora_equally():
    results = [_q("a", True, True, 0.8), _q("a", False, False, 0.5)]
    assert choose_threshold(results) == (0.65, 1.0)  # 0.51 .. 0.80 all score 1.0
    big = [_q("b", True, True, 0.3) for _ in range(50)]  # wants t <= 0.30
    t, accuracy = choose_threshold(results + big)
    assert t == pytest.approx(0.15) and accuracy == pytest.approx(0.75)  # (0.5 + 1.0) / 2
    assert choose_threshold([_q("a", True, True, None)]) is None


def test_draw_curves_writes_a_png_even_without_scores(tmp_path):
    path = tmp_path / "curve.png"
    draw_curves(
        {"a": [_q("a", True, True, 0.8), _q("a", False, False, 0.5)], "b": [_q("b", True, True, None)]},
        path,
        "dev",
    )
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
