"""Write an EvalRun as REPORT.md, REPORT.json (every per-question result) and the trade-off curves.

Files are written atomically (temp file in the same folder, then os.replace), so a crash never
leaves a half-written report behind.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from qa.evaluation.curve import choose_threshold, draw_curves
from qa.evaluation.machine import git_commit, machine_info
from qa.evaluation.runner import EvalRun, RowResult
from qa.evaluation.tables import build_table, half_table, pct, table

log = logging.getLogger(__name__)

HOW_TO_READ = """\
- **Accuracy (answerable)**: the answer text contains one of the item's `any_of` strings after SQuAD
  normalisation (lower case; punctuation and a/an/the removed; whitespace collapsed), and all of its
  `must_contain` strings where it has them; an abstention is never correct.
- **Short EM / F1**: SQuAD exact match and token F1 of `answer.short_answer` against the gold
  answers (`answers` and `any_of`), or of the whole answer text when the answer layer gave no short
  answer (0 for abstentions); **short answer given**: share of answers given that had one.
- **Citation precision**: cited lines that are gold lines / cited lines, averaged over answers given
  to answerable questions that cite something. On a wrapped copy, a gold line counts as every line
  it was wrapped into.
- **Abstains on unanswerable** should be high, **false abstention** (answerable questions declined)
  low. **Median words** is over answers given. **p50 ms** is the pipeline's `timings_ms.total` per
  question; index builds and model loading are the separate build time. The first row of a corpus
  embeds its evidence sentences for the first time; later rows on the same index (ablations) reuse
  them, so their latency is lower for that reason alone.
- **Δ accuracy**: a wrapped row against the same configuration unwrapped; an ablation row (`no-X`:
  answer strategy X switched off) against the default row. Negative means the row does worse.
- **recall@5 / MRR** use `retriever.search(question, 10)`: share of gold lines inside one of the
  first 5 passages; mean 1/rank of the first passage holding a gold line. Answerable items only.
- **Trade-off curve**: for a threshold t, an answer whose support score is below t is counted as an
  abstention; the chosen t maximises accuracy over all questions (answerable correct + unanswerable
  abstained), each corpus weighted equally. Choose it on the dev half only.
- "n/a" marks a metric with no data; shares are given with their counts."""


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


def _row_json(r: RowResult) -> dict[str, Any]:
    return {
        "half": r.half,
        "corpus": r.corpus,
        "variant": r.variant,
        "row": r.label,
        "config": r.config.name,
        "overrides": r.config.settings_overrides,
        "settings": r.settings,
        "skipped": r.skipped,
        "build_ms": round(r.build_ms, 1),
        "summary": r.summary,
        "latency_ms": r.latency_ms,
    }


def thresholds(run: EvalRun) -> dict[str, dict[str, Any]]:
    """Per half: the chosen support threshold of each corpus's default row, and of all of them."""
    out: dict[str, dict[str, Any]] = {}
    for half in dict.fromkeys(r.half for r in run.rows):
        rows = [r for r in run.rows if r.half == half and r.config.name == "default" and not r.skipped]
        chosen = {r.variant: choose_threshold(r.results) for r in rows}
        chosen["all corpora"] = choose_threshold([q for r in rows for q in r.results])
        out[half] = {
            k: None if v is None else {"threshold": v[0], "accuracy": v[1]} for k, v in chosen.items()
        }
    return out


def summary_json(run: EvalRun, command: str = "") -> dict[str, Any]:
    """The run's aggregates without per-question results: what `qa eval --json` prints."""
    return {
        "date": run.started,
        "commit": run.commit or git_commit(),
        "command": command,
        "machine": machine_info(),
        "duration_s": round(run.duration_s, 1),
        "wrap": run.wrap,
        "corpora": [dataclasses.asdict(c) for c in run.corpora],
        "rows": [_row_json(r) for r in run.rows],
        "thresholds": thresholds(run),
    }


def _curve_section(half: str, info: dict[str, Any], png: str, rows: list[RowResult]) -> list[str]:
    chosen = info["thresholds"].get(half, {})
    floors = {r.settings.get("min_support") for r in rows if r.config.name == "default" and not r.skipped}
    floor = max((f for f in floors if f is not None), default=0.0)
    rows = [
        [name, "no support scores", ""] if v is None else [name, f"{v['threshold']:.2f}", pct(v["accuracy"])]
        for name, v in chosen.items()
    ]
    out = ["", f"### Answer/abstain trade-off ({half})", "", f"![trade-off curves]({png})", ""]
    if floor:
        out += [f"Recorded with min_support = {floor}: thresholds below it cannot be simulated.", ""]
    return out + table(["corpus", "best support threshold", "accuracy over all questions"], rows)


def render_markdown(run: EvalRun, info: dict[str, Any], curves: dict[str, str]) -> str:
    """The report text; `info` is `summary_json(run)`, `curves` maps a half to its PNG's name."""
    m = info["machine"]
    out = [
        "# Evaluation report",
        "",
        f"- **Date:** {run.started} (took {run.duration_s:.0f} s)",
        f"- **Commit:** {info['commit']}",
        f"- **Machine:** {m['platform']}, Python {m['python']}, {m['cpu_count']} CPUs ({m['cpu_model']})",
    ]
    if info.get("command"):
        out.append(f"- **Command:** `{info['command']}`")
    if run.wrap:
        out.append(f"- **Wrapped copies:** every .txt/.md line longer than {run.wrap} columns hard-wrapped")
    for half in dict.fromkeys(c.half for c in run.corpora):
        out += ["", f"## {half or 'Results'}" + (" half" if half else ""), ""]
        corpora = [c for c in run.corpora if c.half == half]
        out += table(
            ["corpus", "gold", "documents", "questions"],
            [[c.name, f"`{c.gold}`", f"`{c.docs}`", str(c.items)] for c in corpora],
        )
        rows = [r for r in run.rows if r.half == half]
        out += [""] + half_table(rows)
        if half in curves:
            out += _curve_section(half, info, curves[half], rows)
        out += ["", f"### Build time and latency ({half or 'all'})", ""] + build_table(rows)
    out += ["", "## How to read", "", HOW_TO_READ, ""]
    return "\n".join(out)


def write_report(
    run: EvalRun, out_dir: Path | str, stem: str = "REPORT", curve: bool = False, command: str = ""
) -> dict[str, Path]:
    """Write `<stem>.md` and `<stem>.json` (and with `curve`, `<stem>-curve-<half>.png` per half)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {ext: out_dir / f"{stem}.{ext}" for ext in ("md", "json")}
    info = summary_json(run, command)
    full = dict(info, results=[dataclasses.asdict(q) for r in run.rows for q in r.results])
    text = json.dumps(full, indent=1, ensure_ascii=False, default=str)
    _atomic_write(paths["json"], lambda p: p.write_text(text + "\n", encoding="utf-8"))
    curves: dict[str, str] = {}
    for half in dict.fromkeys(r.half for r in run.rows) if curve else ():
        rows = [r for r in run.rows if r.half == half and r.config.name == "default" and not r.skipped]
        path = out_dir / f"{stem}-curve-{half or 'all'}.png"
        title = f"Answer/abstain trade-off ({half or 'all'})"
        _atomic_write(
            path,
            lambda p, rows=rows, title=title: draw_curves({r.variant: r.results for r in rows}, p, title),
        )
        curves[half], paths[f"curve-{half or 'all'}"] = path.name, path
    md = render_markdown(run, info, curves)
    _atomic_write(paths["md"], lambda p: p.write_text(md, encoding="utf-8"))
    log.info("wrote %s", ", ".join(str(p) for p in paths.values()))
    return paths
