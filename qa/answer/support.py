"""How well the evidence supports answering a question: one score in [0, 1] that abstention cuts.

The score blends what the best answering sentence shares with the question, by word (idf-weighted
coverage of its terms) and by meaning (embedding similarity): the evidence score of
qa/answer/evidence.py, clipped to [0, 1]. A question that wants a phrase of a given type (a date
for "when", an amount for "how much") whose answer holds none is less supported: TYPE_MISS scales
it. The threshold, Settings.min_support, is chosen on the dev halves of the gold sets from the
answer/abstain trade-off curve (`qa eval --curve`), not on any one question.
"""

from __future__ import annotations

from qa.answer.evidence import Evidence
from qa.answer.question import QuestionAnalysis

TYPE_MISS = 0.85  # support kept when a typed question's answer has no phrase of that type


def support(answering: list[Evidence], analysis: QuestionAnalysis | None, short_answer: str) -> float:
    """Support for answering from `answering` (best first); 0.0 when nothing may answer.

    >>> e = Evidence("f", 1, 0, 9, "It opened in 1990.", 0.6, 0.8, 1)
    >>> support([e], None, "")
    0.6
    """
    if not answering:
        return 0.0
    best = min(1.0, max(0.0, max(e.score for e in answering)))
    if analysis is not None and analysis.labels and not short_answer:
        best *= TYPE_MISS
    return best
