"""The per-corpus tables of REPORT.md: shares as percentages with their counts, rows side by side.

Rows of one half, per corpus: each configuration on the documents, the same on the hard-wrapped
copy (with the accuracy difference to the unwrapped row), then one row per answer strategy switched
off (with the accuracy difference to the default row).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from qa.evaluation.runner import RowResult

Cell = Callable[[RowResult], str]


def pct(share: float | None, count: float | None = None, total: float | None = None) -> str:
    """A share as a percentage, with the counts behind it when given.

    >>> pct(0.5, 3, 6), pct(None), pct(0.123)
    ('50.0% (3/6)', 'n/a', '12.3%')
    """
    if share is None:
        return "n/a"
    text = f"{100 * share:.1f}%"
    return text if count is None or total is None else f"{text} ({count:.0f}/{total:.0f})"


def _num(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _counted(key: str, total: str) -> Cell:
    return lambda r: pct(r.summary.get(key), r.summary.get(f"{key}_n"), r.summary.get(total))


def _p50(r: RowResult) -> str:
    value = (r.latency_ms.get("total") or {}).get("p50")
    return "n/a" if value is None else f"{value:.0f}"


COLUMNS: list[tuple[str, Cell]] = [
    ("accuracy (answerable)", _counted("accuracy", "answerable")),
    ("short EM", _counted("exact_match", "answerable")),
    ("short F1", lambda r: _num(r.summary.get("f1"))),
    ("short answer given", _counted("short_given", "answered")),
    ("citation precision", lambda r: pct(r.summary.get("citation_precision"))),
    ("abstains on unanswerable", _counted("abstention_unanswerable", "unanswerable")),
    ("false abstention", _counted("false_abstention", "answerable")),
    ("median words", lambda r: _num(r.summary.get("median_words"), 1)),
    ("p50 ms", _p50),
    ("recall@5", lambda r: pct(r.summary.get("recall@5"))),
    ("MRR", lambda r: _num(r.summary.get("mrr"))),
]


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def ordered(rows: Sequence[RowResult]) -> list[tuple[RowResult, RowResult | None]]:
    """Rows of one corpus in report order, each with the row its difference is taken against."""
    plain = [r for r in rows if r.variant == r.corpus and not r.config.ablation]
    wrapped = [r for r in rows if r.variant != r.corpus]
    ablated = [r for r in rows if r.config.ablation]
    by_config = {r.config.name: r for r in plain}
    default = by_config.get("default") or (plain[0] if plain else None)
    out: list[tuple[RowResult, RowResult | None]] = [(r, None) for r in plain]
    out += [(r, by_config.get(r.config.name)) for r in wrapped]
    return out + [(r, default) for r in ablated]


def _delta(row: RowResult, against: RowResult | None) -> str:
    if against is None:
        return ""
    a, b = row.summary.get("accuracy"), against.summary.get("accuracy")
    return "n/a" if a is None or b is None else f"{100 * (a - b):+.1f} pts"


def half_table(rows: Sequence[RowResult]) -> list[str]:
    """The side-by-side table of one half, corpus by corpus; skipped rows say why."""
    out = []
    for corpus in dict.fromkeys(r.corpus for r in rows):
        for row, against in ordered([r for r in rows if r.corpus == corpus]):
            if row.skipped:
                out.append([row.label, f"skipped: {row.skipped}"] + [""] * len(COLUMNS))
            else:
                cells = [c(row) for _, c in COLUMNS]
                out.append([row.label, cells[0], _delta(row, against), *cells[1:]])
    header = ["row", COLUMNS[0][0], "Δ accuracy", *(h for h, _ in COLUMNS[1:])]
    return table(header, out)


def build_table(rows: Sequence[RowResult]) -> list[str]:
    """Build time (index update + model loading, not in latency) and latency p50/p95 per row."""
    out = []
    for r in rows:
        if r.skipped:
            continue
        total = r.latency_ms.get("total") or {}
        out.append(
            [r.label, f"{r.build_ms / 1000:.1f}", _num(total.get("p50"), 0), _num(total.get("p95"), 0)]
        )
    return table(["row", "build s", "total p50 ms", "total p95 ms"], out)
