"""The answer/abstain trade-off, from the support scores an evaluation recorded.

For a threshold t, an answer whose support is below t is assumed to become an abstention (an
abstention stays one; an answer without a support score stays as it was). Then

    answered_correct(t)      = answerable questions answered AND correct at t / answerable questions
    abstained_unanswerable(t) = unanswerable questions abstained at t / unanswerable questions
    accuracy(t)              = (answerable correct + unanswerable abstained) at t / all questions

`choose_threshold` picks the t that maximises accuracy(t), averaged over corpora so that each
corpus counts once whatever its size. This is the criterion the report states; tune on dev only.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from qa.evaluation.scoring import QuestionResult

THRESHOLDS = tuple(i / 100 for i in range(101))  # 0.00, 0.01, ..., 1.00


@dataclass(frozen=True)
class CurvePoint:
    threshold: float
    answered_correct: float | None  # share of answerable questions answered and correct
    abstained_unanswerable: float | None  # share of unanswerable questions abstained
    accuracy: float | None  # share of all questions handled right


def _abstains(r: QuestionResult, t: float) -> bool:
    return r.abstained or bool(r.error) or (r.support is not None and r.support < t)


def point(results: Sequence[QuestionResult], t: float) -> CurvePoint:
    """The trade-off at one threshold.

    >>> from qa.evaluation.scoring import QuestionResult as Q
    >>> def q(ok, support, answerable=True):
    ...     return Q("i", "c", "d", "t", answerable, "?", "a", "", False, "", support, (), (), (),
    ...              {"correct": ok})
    >>> p = point([q(True, 0.9), q(False, 0.2), q(False, 0.3, answerable=False)], 0.5)
    >>> p.answered_correct, p.abstained_unanswerable, round(p.accuracy, 3)
    (0.5, 1.0, 0.667)
    """
    ans = [r for r in results if r.answerable]
    una = [r for r in results if not r.answerable]
    good = sum(1 for r in ans if r.metrics["correct"] and not _abstains(r, t))
    held = sum(1 for r in una if _abstains(r, t))
    return CurvePoint(
        threshold=t,
        answered_correct=good / len(ans) if ans else None,
        abstained_unanswerable=held / len(una) if una else None,
        accuracy=(good + held) / len(results) if results else None,
    )


def curve(results: Sequence[QuestionResult], thresholds: Sequence[float] = THRESHOLDS) -> list[CurvePoint]:
    """One point per threshold, lowest first."""
    return [point(results, t) for t in thresholds]


def choose_threshold(
    results: Sequence[QuestionResult], thresholds: Sequence[float] = THRESHOLDS
) -> tuple[float, float] | None:
    """(threshold, accuracy) maximising accuracy over all questions, averaged over corpora.

    Results of several corpora (`QuestionResult.corpus`) each count once. Among thresholds that
    tie, the middle one is taken (the middle of the flat top is the least fragile choice). None
    when no result has a support score, since then every threshold gives the same answers.
    """
    if not any(r.support is not None for r in results):
        return None
    groups: dict[str, list[QuestionResult]] = {}
    for r in results:
        groups.setdefault(r.corpus, []).append(r)
    scores = [(t, statistics.fmean(point(g, t).accuracy for g in groups.values())) for t in thresholds]
    best = max(s for _, s in scores)
    tied = [(t, s) for t, s in scores if s >= best - 1e-12]
    return tied[(len(tied) - 1) // 2]


def draw_curves(by_corpus: dict[str, Sequence[QuestionResult]], path: Path, title: str) -> None:
    """Plot answered-and-correct against abstained-on-unanswerable, one line per corpus, the chosen
    threshold of each marked; corpora without support scores are listed as such."""
    from matplotlib.figure import Figure  # no pyplot: no global backend state

    fig = Figure(figsize=(9, 5.5), layout="constrained")
    ax = fig.subplots()
    missing = []
    for i, (name, results) in enumerate(by_corpus.items()):
        chosen = choose_threshold(results)
        if chosen is None:
            missing.append(name)
            continue
        points = [
            p
            for p in curve(results)
            if p.answered_correct is not None and p.abstained_unanswerable is not None
        ]
        xs = [p.abstained_unanswerable for p in points]
        ax.plot(xs, [p.answered_correct for p in points], color=f"C{i}", label=name, marker=".", markersize=3)
        best = point(results, chosen[0])
        if best.abstained_unanswerable is not None:
            ax.plot(
                best.abstained_unanswerable,
                best.answered_correct,
                "o",
                color=f"C{i}",
                markersize=9,
                markerfacecolor="none",
            )
            ax.annotate(
                f"t={chosen[0]:.2f}",
                (best.abstained_unanswerable, best.answered_correct),
                fontsize="small",
                xytext=(4, 4),
                textcoords="offset points",
            )
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("unanswerable questions abstained (share)")
    ax.set_ylabel("answerable questions answered and correct (share)")
    ax.set_title(title)
    if missing:
        ax.text(
            0.02, 0.02, "no support scores: " + ", ".join(missing), transform=ax.transAxes, fontsize="small"
        )
    if len(missing) < len(by_corpus):
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1))  # beside, not over, the lines
    fig.savefig(path, format="png", dpi=110)
