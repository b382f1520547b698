"""Pure scoring functions for the evaluation: retrieval, answers, citations, latency.

Shapes used throughout (plain tuples, so the functions need nothing from the pipeline):

    gold  = [("001_x.txt", 12), ...]          # (file, line) pairs, 1-based lines
    spans = [("001_x.txt", 10, 14), ...]      # (file, first_line, last_line) per hit, best first
    cited = [("001_x.txt", 12), ...]          # (file, line) pairs an answer cites

Functions return None when a metric is undefined for an item (e.g. recall of an item with no
gold lines, precision of an answer that cites nothing); aggregate with `mean_defined`, which
skips None, so undefined items never count as zeros.
"""

from __future__ import annotations

import math
import re
import string
from collections import Counter
from collections.abc import Iterable, Sequence

Line = tuple[str, int]  # (file, line)
Span = tuple[str, int, int]  # (file, first_line, last_line), inclusive

# A comma or thin/no-break space between digit groups: "16,687", "1 234 567".
_THOUSANDS = re.compile(r"(?<=\d)[,\u00a0\u2009\u202f](?=\d{3}(?!\d))")
_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = str.maketrans("", "", string.punctuation)


def _covers(span: Span, line: Line) -> bool:
    return span[0] == line[0] and span[1] <= line[1] <= span[2]


def recall_at_k(spans: Sequence[Span], gold: Iterable[Line], k: int) -> float | None:
    """Fraction of gold lines that lie inside one of the first `k` spans of the same file.

    >>> recall_at_k([("a.txt", 1, 3), ("b.txt", 5, 9)], [("a.txt", 2), ("b.txt", 7)], 1)
    0.5
    >>> recall_at_k([("a.txt", 1, 3), ("b.txt", 5, 9)], [("a.txt", 2), ("b.txt", 7)], 2)
    1.0

    None when there are no gold lines (unanswerable items).
    """
    wanted = set(gold)
    if not wanted:
        return None
    top = spans[:k]
    found = sum(1 for line in wanted if any(_covers(s, line) for s in top))
    return found / len(wanted)


def reciprocal_rank(spans: Sequence[Span], gold: Iterable[Line]) -> float | None:
    """1 / rank of the first span holding any gold line; 0.0 if none does.

    >>> reciprocal_rank([("a.txt", 1, 3), ("b.txt", 5, 9)], [("b.txt", 7)])
    0.5
    >>> reciprocal_rank([("a.txt", 1, 3)], [("a.txt", 4)])
    0.0

    None when there are no gold lines.
    """
    wanted = set(gold)
    if not wanted:
        return None
    for rank, span in enumerate(spans, start=1):
        if any(_covers(span, line) for line in wanted):
            return 1.0 / rank
    return 0.0


def normalize_for_match(text: str) -> str:
    """Casefold, drop thousands separators and collapse whitespace.

    >>> normalize_for_match("It has 16,687  Residents")
    'it has 16687 residents'

    Decimal commas ("3,5") and short groups ("1,2,3") are left alone: only a separator followed
    by exactly three digits counts as a thousands separator.
    """
    return " ".join(_THOUSANDS.sub("", text).casefold().split())


def contains_all(text: str, must_contain: Iterable[str]) -> bool:
    """True if every string occurs in `text`, ignoring case and thousands separators.

    >>> contains_all("The population was 16,687 in 2010.", ["16687", "2010"])
    True
    >>> contains_all("About sixteen thousand.", ["16687"])
    False

    Plain substring test: "100" is found inside "2100"; gold strings should be specific enough.
    An empty `must_contain` is trivially satisfied.
    """
    haystack = normalize_for_match(text)
    return all(normalize_for_match(needle) in haystack for needle in must_contain)


def answer_correct(text: str, abstained: bool, must_contain: Iterable[str]) -> bool:
    """Accuracy of one answer to an answerable item: never correct when the system abstained.

    >>> answer_correct("16,687 people", False, ["16687"])
    True
    >>> answer_correct("I don't know; maybe 16687", True, ["16687"])
    False
    """
    return not abstained and contains_all(text, must_contain)


def abstention_correct(abstained: bool, answerable: bool) -> bool:
    """An abstention is right exactly when the item is unanswerable.

    >>> abstention_correct(True, answerable=False), abstention_correct(True, answerable=True)
    (True, False)
    """
    return abstained != answerable


def squad_normalize(text: str) -> str:
    """SQuAD normalisation: lower-case, drop punctuation and articles, collapse whitespace.

    >>> squad_normalize("The  Eiffel Tower, in Paris!")
    'eiffel tower in paris'
    """
    text = text.lower().translate(_PUNCT)
    return " ".join(_ARTICLES.sub(" ", text).split())


def contains_any(text: str, any_of: Iterable[str]) -> bool:
    """True if `text` contains one of `any_of` after SQuAD normalisation (plain substring test).

    >>> contains_any("It was built by Gustave Eiffel in 1889.", ["1889", "1887"])
    True
    >>> contains_any("The EIFFEL  tower!", ["an Eiffel Tower"])
    True
    >>> contains_any("Eiffel-Tower", ["eiffel tower"])  # the hyphen goes, and the space with it
    False

    As in the corpora's definition, "100" is found inside "2100", and an alternative that normalises
    to "" (e.g. ".") matches any answer.
    """
    haystack = squad_normalize(text)
    return any(squad_normalize(a) in haystack for a in any_of)


def exact_match(prediction: str, answers: Iterable[str]) -> bool | None:
    """SQuAD exact match: the normalised prediction equals one normalised answer; None without answers.

    >>> exact_match("The Eiffel Tower.", ["eiffel tower", "Paris"])
    True
    """
    wanted = {squad_normalize(a) for a in answers}
    return None if not wanted else squad_normalize(prediction) in wanted


def token_f1(prediction: str, answers: Iterable[str]) -> float | None:
    """Best SQuAD token F1 of `prediction` against any of `answers`.

    >>> token_f1("the tower in Paris", ["Eiffel Tower", "Paris"])
    0.5

    ("tower in paris" vs "eiffel tower": P=1/3, R=1/2, F1=0.4; vs "paris": P=1/3, R=1, F1=0.5.)

    None when there are no answers. Two empty token lists score 1.0, one empty list 0.0.
    """
    best: float | None = None
    pred = squad_normalize(prediction).split()
    for answer in answers:
        gold = squad_normalize(answer).split()
        if not pred or not gold:
            score = float(pred == gold)
        else:
            common = sum((Counter(pred) & Counter(gold)).values())
            if common == 0:
                score = 0.0
            else:
                precision, recall = common / len(pred), common / len(gold)
                score = 2 * precision * recall / (precision + recall)
        best = score if best is None else max(best, score)
    return best


def answer_words(text: str) -> int:
    """Length of an answer in whitespace-separated words.

    >>> answer_words("  It was built in 1889. ")
    5
    """
    return len(text.split())


def citation_precision(cited: Iterable[Line], gold: Iterable[Line]) -> float | None:
    """Share of distinct cited (file, line) pairs that are gold lines; None if nothing is cited.

    >>> citation_precision([("a.txt", 2), ("a.txt", 3)], [("a.txt", 2)])
    0.5
    >>> citation_precision([], [("a.txt", 2)]) is None
    True
    """
    cited_set = set(cited)
    if not cited_set:
        return None
    return len(cited_set & set(gold)) / len(cited_set)


def citation_recall(cited: Iterable[Line], gold: Iterable[Line]) -> float | None:
    """Share of gold lines that are cited; None if there are no gold lines.

    >>> citation_recall([("a.txt", 2)], [("a.txt", 2), ("b.txt", 9)])
    0.5
    """
    gold_set = set(gold)
    if not gold_set:
        return None
    return len(gold_set & set(cited)) / len(gold_set)


def has_gold_citation(cited: Iterable[Line], gold: Iterable[Line]) -> bool:
    """True if at least one cited line is a gold line.

    >>> has_gold_citation([("a.txt", 9), ("a.txt", 2)], [("a.txt", 2)])
    True
    """
    return bool(set(cited) & set(gold))


def mean_defined(values: Iterable[float | bool | None]) -> float | None:
    """Mean of the values that are not None (bools count as 0/1); None if there are none.

    >>> mean_defined([1.0, None, 0.0, True])
    0.6666666666666666
    """
    kept = [float(v) for v in values if v is not None]
    return sum(kept) / len(kept) if kept else None


def percentile(values: Iterable[float], q: float) -> float | None:
    """The q-th percentile (0-100) with linear interpolation, as numpy's default does.

    >>> percentile([10, 20, 30, 40], 50)
    25.0
    >>> percentile([10, 20, 30, 40], 95)
    38.5

    None for no values. NaN values are dropped first.
    """
    data = sorted(float(v) for v in values if not math.isnan(v))
    if not data:
        return None
    if not 0 <= q <= 100:
        raise ValueError(f"percentile q must be within 0..100, not {q}")
    pos = (len(data) - 1) * q / 100
    low = math.floor(pos)
    high = min(low + 1, len(data) - 1)
    return data[low] + (data[high] - data[low]) * (pos - low)


def p50_p95(values: Iterable[float]) -> dict[str, float | None]:
    """Median and 95th percentile in one dict.

    >>> p50_p95([1, 2, 3, 4, 5])
    {'p50': 3.0, 'p95': 4.8}
    """
    data = list(values)
    return {"p50": percentile(data, 50), "p95": percentile(data, 95)}


# Two rank percentiles the benchmarks report (evals/): each picks one of the values, no interpolation.
# They differ from `percentile` and from each other on small samples; each benchmark keeps its own so
# that its numbers stay comparable with the reports it wrote before.


def nearest_rank(values: Iterable[float], share: float) -> float:
    """The value at rank round(share * n + 1/2) (1-based, clamped to 1..n) of the sorted values, as
    evals/loadtest.py reports p95. Needs at least one value.

    >>> nearest_rank([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95)
    10
    """
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


def rounded_rank(values: Iterable[float], share: float) -> float | None:
    """The value at index round(share * (n - 1)) of the sorted values (None for none), as the speed
    benchmark (evals/bench_answers.py) reports p50 and p95.

    >>> rounded_rank([3.0, 1.0, 2.0], 0.95)
    3.0
    >>> rounded_rank([], 0.5) is None
    True
    """
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]
