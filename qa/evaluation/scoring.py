"""Score one answer against its gold item, and aggregate a row of scored answers.

Every definition here is spelled out in REPORT.md's "How to read" (`report.HOW_TO_READ`).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from qa.evaluation import metrics as m
from qa.evaluation.gold import GoldItem

RECALL_KS = (1, 3, 5, 10)
MAIN_STAGES = ("retrieve", "generate", "total")  # listed first in latency tables; others follow

Line = tuple[str, int]  # (file, line)
Span = tuple[str, int, int]  # (file, first_line, last_line)


@dataclass(frozen=True)
class QuestionResult:
    """What one configuration did with one gold question on one corpus, and how it scored."""

    item_id: str
    corpus: str  # the variant's name: "seeds" or "seeds-wrapped80"
    config: str
    type: str
    answerable: bool
    question: str
    answer: str
    short_answer: str
    abstained: bool
    method: str
    support: float | None  # the answer layer's support score, None when it gives none
    citations: tuple[Line, ...]
    gold_lines: tuple[Line, ...]  # the item's sources, mapped onto a wrapped copy where there is one
    hits: tuple[Span, ...]  # of search(question, 10)
    metrics: dict[str, float | bool | None]
    timings_ms: dict[str, float] = field(default_factory=dict)
    error: str = ""  # an InputError message if the pipeline refused this question


def _retrieval(spans: Sequence[Span], groups: Sequence[tuple[Line, ...]]) -> dict[str, float | None]:
    """recall@k and reciprocal rank, where a gold line is found when any line it became is.

    >>> _retrieval([("a", 3, 4)], [(("a", 1), ("a", 2)), (("a", 4), ("a", 5))])["recall@1"]
    0.5
    """
    if not groups:
        return {**{f"recall@{k}": None for k in RECALL_KS}, "rr": None}

    def found(span: Span, group: tuple[Line, ...]) -> bool:
        return any(span[0] == f and span[1] <= n <= span[2] for f, n in group)

    out: dict[str, float | None] = {}
    for k in RECALL_KS:
        out[f"recall@{k}"] = sum(any(found(s, g) for s in spans[:k]) for g in groups) / len(groups)
    ranks = [i for i, s in enumerate(spans, start=1) if any(found(s, g) for g in groups)]
    out["rr"] = 1 / ranks[0] if ranks else 0.0
    return out


def score_question(
    item: GoldItem,
    gold: Sequence[tuple[Line, ...]],
    spans: Sequence[Span],
    answer: tuple[str, str, bool],
    cited: Sequence[Line],
) -> dict[str, float | bool | None]:
    """Per-question metrics; None marks a metric that is undefined for this item.

    `gold` holds, per gold line of the item, the lines it is in this corpus variant (itself, or
    the lines it was wrapped into); `answer` is (text, short_answer, abstained). The short answer
    is scored when there is one, else the whole text.
    """
    text, short, abstained = answer
    scores: dict[str, float | bool | None] = dict(_retrieval(spans, gold))
    gold_lines = [line for group in gold for line in group]
    scores["words"] = m.answer_words(text)
    scores["short_given"] = bool(short) and not abstained
    if item.answerable:
        wanted = item.any_of + item.answers
        prediction = short or text
        scores["correct"] = not abstained and item.is_correct(text)
        scores["em"] = False if abstained else m.exact_match(prediction, wanted)
        scores["f1"] = 0.0 if abstained else m.token_f1(prediction, wanted)
        scores["cite_precision"] = None if abstained else m.citation_precision(cited, gold_lines)
        scores["cite_recall"] = None if abstained else m.citation_recall(cited, gold_lines)
    else:
        scores["correct"] = abstained  # the only right answer to an unanswerable question
        scores["em"] = scores["f1"] = scores["cite_precision"] = scores["cite_recall"] = None
    return scores


def _share(results: Sequence[QuestionResult], test) -> tuple[float | None, int]:
    hits = sum(1 for r in results if test(r))
    return (hits / len(results) if results else None), hits


def summarize(results: Sequence[QuestionResult]) -> dict[str, float | None]:
    """Aggregate one row; shares come with the count behind them (`<key>_n`)."""
    ans = [r for r in results if r.answerable]
    una = [r for r in results if not r.answerable]
    given = [r for r in results if not (r.abstained or r.error)]
    out: dict[str, float | None] = {
        "n": len(results),
        "answerable": len(ans),
        "unanswerable": len(una),
        "answered": len(given),
        "errors": sum(1 for r in results if r.error),
    }
    for k in RECALL_KS:
        out[f"recall@{k}"] = m.mean_defined(r.metrics[f"recall@{k}"] for r in ans)
    out["mrr"] = m.mean_defined(r.metrics["rr"] for r in ans)
    shares = {
        "accuracy": (ans, lambda r: r.metrics["correct"]),
        "overall_accuracy": (results, lambda r: r.metrics["correct"]),
        "exact_match": (ans, lambda r: r.metrics["em"]),
        "false_abstention": (ans, lambda r: r.abstained),
        "abstention_unanswerable": (una, lambda r: r.abstained),
        "short_given": (given, lambda r: r.metrics["short_given"]),
    }
    for key, (group, test) in shares.items():
        out[key], out[f"{key}_n"] = _share(group, test)
    out["f1"] = m.mean_defined(r.metrics["f1"] for r in ans)
    out["citation_precision"] = m.mean_defined(r.metrics["cite_precision"] for r in ans)
    out["citation_recall"] = m.mean_defined(r.metrics["cite_recall"] for r in ans)
    words = [r.metrics["words"] for r in given]
    out["median_words"] = float(statistics.median(words)) if words else None
    out["support_recorded"] = sum(1 for r in results if r.support is not None)
    return out


def latency_summary(results: Sequence[QuestionResult]) -> dict[str, dict[str, float | None]]:
    """p50/p95 per timing stage, main stages first; questions that errored are left out."""
    stages = [s for s in MAIN_STAGES if any(s in r.timings_ms for r in results)]
    stages += sorted({s for r in results for s in r.timings_ms} - set(stages))
    ok = [r for r in results if not r.error]
    return {s: m.p50_p95(r.timings_ms[s] for r in ok if s in r.timings_ms) for s in stages}
