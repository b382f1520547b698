"""Write an EvalRun as REPORT.md, a JSON file with every result, and a PNG chart.

Files are written atomically (temp file in the same folder, then os.replace), so a crash never
leaves a half-written report behind.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import platform
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from qa.evaluation.gold import QUESTION_TYPES
from qa.evaluation.runner import ConfigResult, EvalRun

log = logging.getLogger(__name__)

# (summary key, column header, format) per table; "pct" is a 0..1 share shown as a percentage.
TABLES: dict[str, list[tuple[str, str, str]]] = {
    "Retrieval (search top 10)": [
        ("recall@1", "recall@1", "pct"),
        ("recall@3", "recall@3", "pct"),
        ("recall@5", "recall@5", "pct"),
        ("recall@10", "recall@10", "pct"),
        ("mrr", "MRR", "num"),
    ],
    "Answers": [
        ("accuracy", "accuracy (answerable)", "pct"),
        ("overall_accuracy", "accuracy (all)", "pct"),
        ("f1", "token F1", "num"),
        ("median_words", "median words", "one"),
        ("false_abstention", "false abstention", "pct"),
        ("abstention_unanswerable", "abstains on unanswerable", "pct"),
        ("errors", "errors", "int"),
    ],
    "Citations": [
        ("citation_precision", "precision", "pct"),
        ("citation_recall", "recall", "pct"),
        ("correct_with_gold_citation", "correct answers citing gold", "pct"),
        ("answerable_with_gold_citation", "answerable with gold citation", "pct"),
    ],
}

HOW_TO_READ = """\
- **Retrieval** uses `retriever.search(question, 10)` for every config, whatever its own `top_k`.
  recall@k: share of gold lines inside one of the first k passages; MRR: mean of 1/rank of the
  first passage holding any gold line (0 if none). Answerable questions only.
- **Accuracy (answerable)**: every `must_contain` string appears in the answer (case-insensitive,
  thousands separators ignored); an abstention is never correct. **Accuracy (all)** also counts
  an abstention on an unanswerable question as correct.
- **Token F1**: SQuAD-style overlap with the best gold answer (0 for abstentions).
  **Median words** is over answers that were not abstentions.
- **False abstention**: share of answerable questions the system declined; **abstains on
  unanswerable** should be high, false abstention low.
- **Citation precision/recall** are averaged over answers actually given to answerable questions:
  precision = cited lines that are gold lines / cited lines (answers citing nothing are left out);
  recall = gold lines cited / gold lines. **Correct answers citing gold**: of the correct answers,
  the share citing at least one gold line; **answerable with gold citation**: the same over all
  answerable questions, so it drops with both wrong answers and abstentions.
- **Latency** is per question as reported by the pipeline (`timings_ms`), p50 and p95, in ms;
  model loading is reported separately as build time. "n/a" marks a metric with no data."""


def git_commit() -> str:
    """Short hash of HEAD of the repository holding this package, or "unknown"."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() or "unknown"


def machine_info() -> dict[str, Any]:
    """Platform, Python, CPU count and CPU model (from /proc/cpuinfo where there is one)."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip().lower() in ("model name", "hardware", "cpu model") and value.strip():
                model = value.strip()
                break
    except OSError:
        pass
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "cpu_model": model or platform.processor() or "unknown",
    }


def _config_json(c: ConfigResult) -> dict[str, Any]:
    return {
        "name": c.config.name,
        "overrides": c.config.settings_overrides,
        "settings": c.settings,
        "skipped": c.skipped,
        "build_ms": round(c.build_ms, 1),
        "summary": c.summary,
        "latency_ms": c.latency_ms,
    }


def summary_json(run: EvalRun) -> dict[str, Any]:
    """The run's aggregates without per-question results: what `qa eval --json` prints."""
    return {
        "date": run.started,
        "commit": git_commit(),
        "machine": machine_info(),
        "gold": {"path": str(run.gold_path), "items": run.items},
        "duration_s": round(run.duration_s, 1),
        "configs": [_config_json(c) for c in run.configs],
    }


def _cell(value: float | None, kind: str) -> str:
    if value is None:
        return "n/a"
    if kind == "pct":
        return f"{100 * value:.1f}%"
    if kind == "int":
        return f"{value:.0f}"
    if kind == "one":
        return f"{value:.1f}"
    return f"{value:.3f}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def _type_table(ran: list[ConfigResult]) -> list[str]:
    """Share correct per question type (for unanswerable: share abstained)."""
    present = [t for t in QUESTION_TYPES if any(r.type == t for c in ran for r in c.results)]
    counts = {t: sum(1 for r in ran[0].results if r.type == t) for t in present}
    rows = []
    for c in ran:
        row = [c.config.name]
        for t in present:
            scored = [bool(r.metrics["correct"]) for r in c.results if r.type == t]
            row.append(_cell(sum(scored) / len(scored) if scored else None, "pct"))
        rows.append(row)
    return _table(["config"] + [f"{t} (n={counts[t]})" for t in present], rows)


def _latency_table(ran: list[ConfigResult]) -> list[str]:
    stages: list[str] = []
    for c in ran:
        stages += [s for s in c.latency_ms if s not in stages]
    header = ["config", "build"] + [f"{s} {p}" for s in stages for p in ("p50", "p95")]
    rows = [
        [c.config.name, f"{c.build_ms:.0f}"]
        + [_cell(c.latency_ms.get(s, {}).get(p), "int") for s in stages for p in ("p50", "p95")]
        for c in ran
    ]
    return _table(header, rows)


def render_markdown(run: EvalRun, info: dict[str, Any], chart_name: str) -> str:
    """The report text; `info` is `summary_json(run)` so commit and machine are looked up once."""
    ran = [c for c in run.configs if not c.skipped]
    machine = info["machine"]
    out = [
        "# Evaluation report",
        "",
        f"- **Date:** {run.started} (took {run.duration_s:.0f} s)",
        f"- **Commit:** {info['commit']}",
        (
            f"- **Machine:** {machine['platform']}, Python {machine['python']}, "
            f"{machine['cpu_count']} CPUs ({machine['cpu_model']})"
        ),
        f"- **Gold:** `{run.gold_path}`, {run.items} items asked",
    ]
    if ran:
        s = ran[0].summary
        out[-1] += f" ({s['answerable']:.0f} answerable, {s['unanswerable']:.0f} unanswerable)"
    out += ["", f"![comparison chart]({chart_name})", "", "## Configurations", ""]
    rows = []
    for c in run.configs:
        st = c.settings
        status = f"skipped: {c.skipped}" if c.skipped else "ran"
        generator = str(st.get("generator_model", ""))
        if generator != "none" and st.get("pipeline") == "verified":  # writes always, or when needed
            generator += f" ({st.get('generate', 'always')}, {st.get('generator_backend', 'auto')})"
        rows.append(
            [
                c.config.name,
                *(str(st.get(k, "")) for k in ("pipeline", "retrieval")),
                generator,
                str(st.get("top_k", "")),
                status,
            ]
        )
    out += _table(["config", "pipeline", "retrieval", "generator", "top_k", "status"], rows)
    if ran:
        for title, columns in TABLES.items():
            out += ["", f"## {title}", ""]
            rows = [[c.config.name] + [_cell(c.summary.get(k), fmt) for k, _, fmt in columns] for c in ran]
            out += _table(["config"] + [h for _, h, _ in columns], rows)
        out += ["", "## Latency (ms)", ""] + _latency_table(ran)
        out += [
            "",
            "## Correct by question type",
            "",
            "For unanswerable questions, correct means abstained.",
            "",
        ]
        out += _type_table(ran)
    else:
        out += ["", "No configuration ran; see the reasons above."]
    out += ["", "## How to read", "", HOW_TO_READ, ""]
    return "\n".join(out)


def _atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _draw_chart(run: EvalRun, path: Path) -> None:
    # Figure without pyplot: no global backend state, no figure kept alive after saving.
    import numpy as np
    from matplotlib.figure import Figure

    ran = [c for c in run.configs if not c.skipped]
    fig = Figure(figsize=(12, 4.8), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=[3, 1.4])
    groups = [
        ("accuracy", "accuracy"),
        ("citation_precision", "citation\nprecision"),
        ("abstention_unanswerable", "abstains on\nunanswerable"),
        ("recall@5", "recall@5"),
    ]
    x = np.arange(len(groups))
    width = 0.8 / max(len(ran), 1)
    for i, c in enumerate(ran):
        values = [np.nan if c.summary.get(k) is None else c.summary[k] for k, _ in groups]
        left.bar(x + (i - (len(ran) - 1) / 2) * width, values, width, label=c.config.name, color=f"C{i}")
    left.set_xticks(x, [label for _, label in groups])
    left.set_ylim(0, 1.05)
    left.set_ylabel("share")
    left.set_title("Quality (higher is better)")
    if ran:
        left.legend(fontsize="small", loc="upper left", bbox_to_anchor=(0, -0.1), ncols=3)
    names = [c.config.name for c in ran]
    p50 = [(c.latency_ms.get("total") or {}).get("p50") for c in ran]
    bars = right.barh(
        names, [np.nan if v is None else v for v in p50], color=[f"C{i}" for i in range(len(ran))]
    )
    right.bar_label(
        bars, labels=["n/a" if v is None else f"{v:.0f}" for v in p50], padding=2, fontsize="small"
    )
    right.invert_yaxis()
    right.margins(x=0.15)  # room for the value labels
    right.set_xlabel("ms")
    right.set_title("p50 total latency (lower is better)")
    if not ran:
        left.text(0.5, 0.5, "no configuration ran", ha="center", transform=left.transAxes)
    fig.savefig(path, format="png", dpi=110)


def write_report(run: EvalRun, out_dir: Path | str, stem: str = "REPORT") -> dict[str, Path]:
    """Write `<stem>.md`, `<stem>.json` and `<stem>.png` into `out_dir`; returns {"md", "json", "png"}."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {ext: out_dir / f"{stem}.{ext}" for ext in ("md", "json", "png")}
    info = summary_json(run)
    full = dict(info, results=[dataclasses.asdict(r) for c in run.configs for r in c.results])
    text = json.dumps(full, indent=1, ensure_ascii=False, default=str)
    _atomic_write(paths["json"], lambda p: p.write_text(text + "\n", encoding="utf-8"))
    _atomic_write(paths["png"], lambda p: _draw_chart(run, p))
    md = render_markdown(run, info, paths["png"].name)
    _atomic_write(paths["md"], lambda p: p.write_text(md, encoding="utf-8"))
    log.info("wrote %s", ", ".join(str(p) for p in paths.values()))
    return paths
