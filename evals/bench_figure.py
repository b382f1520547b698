"""BENCH.png from one benchmark run's result dict: vector search latency by index size, and the
per-question answer times by row."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def figure(result: dict[str, Any], path: Path) -> bool:
    """Draw the figure into path; False (and nothing written) without matplotlib or anything to draw."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    scaling, answers = result.get("scaling", []), result.get("answers", {})
    names = [n for n, r in answers.items() if "summary" in r]
    panels = int(bool(scaling)) + int(bool(names))
    if not panels:
        return False
    fig, axes = plt.subplots(1, panels, figsize=(6 * panels, 4.5), squeeze=False)
    axes = list(axes[0])
    if scaling:
        ax = axes.pop(0)
        for kind in dict.fromkeys(r["index_type"] for r in scaling):
            rs = [r for r in scaling if r["index_type"] == kind]
            ax.plot([r["n"] for r in rs], [r["query_p50_ms_1thread"] for r in rs], marker="o", label=kind)
        ax.axhline(20, color="grey", linestyle=":", label="20 ms target")
        ax.set(xscale="log", yscale="log", xlabel="vectors (384-dim)", ylabel="query p50 ms, 1 thread")
        ax.set_title("Vector search")
        ax.legend()
    if names:
        ax = axes.pop(0)
        ttft = [(answers[n]["summary"].get("first_text_p50_ms") or 0) / 1000 for n in names]
        total = [(answers[n]["summary"]["total_p50_ms"] or 0) / 1000 for n in names]
        ys = range(len(names))
        ax.barh([y + 0.2 for y in ys], total, height=0.4, label="total answer p50")
        ax.barh([y - 0.2 for y in ys], ttft, height=0.4, label="first answer text p50")
        ax.set_yticks(list(ys), names)
        ax.set(xlabel="seconds", title="Per question")
        ax.invert_yaxis()
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True
