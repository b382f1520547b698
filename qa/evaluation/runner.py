"""Run the gold set through pipeline configurations side by side and score every answer.

Only the public pipeline API is used: `Pipeline(settings)`, `pipeline.retriever.search(q, k)` for
retrieval metrics (always k=10, whatever the pipeline's own top_k) and `pipeline.ask(q)` for answers.
"""

from __future__ import annotations

import gc
import logging
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm

from qa.config import DEFAULT_GENERATOR, Settings
from qa.errors import InputError, QAError
from qa.evaluation.gold import GoldItem, check_sources, load_gold

from . import metrics as m

log = logging.getLogger(__name__)

RECALL_KS = (1, 3, 5, 10)
SEARCH_K = max(RECALL_KS)
MAIN_STAGES = ("retrieve", "generate", "total")  # listed first in latency tables; others follow


@dataclass(frozen=True)
class EvalConfig:
    """One row of the comparison: a name and the Settings fields it changes."""

    name: str
    settings_overrides: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class QuestionResult:
    """What one configuration did with one gold question, and how it scored."""

    item_id: str
    config: str
    type: str
    answerable: bool
    question: str
    answer: str
    abstained: bool
    method: str
    citations: tuple[tuple[str, int], ...]  # (file, line)
    hits: tuple[tuple[str, int, int], ...]  # (file, first_line, last_line) of search(question, 10)
    metrics: dict[str, float | bool | None]
    timings_ms: dict[str, float]
    error: str = ""  # an InputError message if the pipeline refused this question


@dataclass(frozen=True)
class ConfigResult:
    """All results of one configuration plus their aggregate; `skipped` says why it did not run."""

    config: EvalConfig
    settings: dict[str, Any]  # the effective values of the settings that define a row
    results: tuple[QuestionResult, ...] = ()
    summary: dict[str, float | None] = field(default_factory=dict)
    latency_ms: dict[str, dict[str, float | None]] = field(default_factory=dict)  # stage -> p50/p95
    skipped: str = ""
    build_ms: float = 0.0  # building and warming up the pipeline, not counted in latency


@dataclass(frozen=True)
class EvalRun:
    gold_path: Path
    items: int  # gold items asked (after --limit)
    started: str  # ISO 8601, local time
    duration_s: float
    configs: tuple[ConfigResult, ...]


def default_configs() -> list[EvalConfig]:
    """The side-by-side rows: the plain baseline, generator variants, then retrieval variants.

    Retrieval variants answer extractively, so their rows differ only by retrieval and
    a full run stays within an hour on 2 cores (a 0.5B generator takes seconds a question).
    """
    verified = {"pipeline": "verified", "generator_model": DEFAULT_GENERATOR, "retrieval": "hybrid"}
    always = {**verified, "generate": "always"}  # the generator writes every answer, verified after
    extractive = {"pipeline": "verified", "generator_model": "none"}
    return [
        EvalConfig(
            "baseline-plain",
            {"pipeline": "plain", "retrieval": "dense", "top_k": 3, "generator_model": DEFAULT_GENERATOR},
        ),
        EvalConfig("verified-hybrid", verified),
        EvalConfig("verified-hybrid-always", {**always, "generator_backend": "transformers"}),
        EvalConfig("verified-hybrid-always-llama-cpp", {**always, "generator_backend": "llama-cpp"}),
        EvalConfig(
            "verified-hybrid-always-smollm2", {**always, "generator_model": "packaged:smollm2-135m-instruct"}
        ),
        EvalConfig("verified-hybrid-extractive", {**extractive, "retrieval": "hybrid"}),
        EvalConfig("verified-dense-extractive", {**extractive, "retrieval": "dense"}),
        EvalConfig("verified-bm25-extractive", {**extractive, "retrieval": "bm25"}),
    ]


def select_configs(
    names: Sequence[str] | None, configs: Sequence[EvalConfig] | None = None
) -> list[EvalConfig]:
    """The configs with these names, in the order given; all of `configs` if `names` is empty."""
    configs = list(configs) if configs is not None else default_configs()
    if not names:
        return configs
    by_name = {c.name: c for c in configs}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise InputError(f"unknown eval config {', '.join(unknown)}; choose from {', '.join(by_name)}")
    return [by_name[n] for n in dict.fromkeys(names)]


def score_question(
    item: GoldItem,
    spans: Sequence[tuple[str, int, int]],
    text: str,
    abstained: bool,
    cited: Sequence[tuple[str, int]],
) -> dict[str, float | bool | None]:
    """Per-question metrics; None marks a metric that is undefined for this item."""
    gold = item.sources
    scores: dict[str, float | bool | None] = {f"recall@{k}": m.recall_at_k(spans, gold, k) for k in RECALL_KS}
    scores["rr"] = m.reciprocal_rank(spans, gold)
    if item.answerable:
        scores["correct"] = m.answer_correct(text, abstained, item.must_contain)
        scores["f1"] = 0.0 if abstained else m.token_f1(text, item.answers)
    else:
        scores["correct"] = abstained  # the only right answer to an unanswerable question
        scores["f1"] = None
    scores["words"] = m.answer_words(text)
    scores["cite_precision"] = m.citation_precision(cited, gold) if item.answerable else None
    scores["cite_recall"] = m.citation_recall(cited, gold)
    scores["gold_cited"] = m.has_gold_citation(cited, gold)
    scores["abstention_correct"] = m.abstention_correct(abstained, item.answerable)
    return scores


def summarize(results: Sequence[QuestionResult]) -> dict[str, float | None]:
    """Aggregate per-question metrics; see REPORT.md's "how to read" for each definition."""
    ans = [r for r in results if r.answerable]
    una = [r for r in results if not r.answerable]
    answered = [r for r in ans if not (r.abstained or r.error)]  # citations judged on answers given
    correct = [r for r in ans if r.metrics["correct"]]
    words = [r.metrics["words"] for r in results if not (r.abstained or r.error)]
    out: dict[str, float | None] = {
        "n": len(results),
        "answerable": len(ans),
        "unanswerable": len(una),
        "errors": sum(1 for r in results if r.error),
    }
    for k in RECALL_KS:
        out[f"recall@{k}"] = m.mean_defined(r.metrics[f"recall@{k}"] for r in ans)
    out["mrr"] = m.mean_defined(r.metrics["rr"] for r in ans)
    out["accuracy"] = m.mean_defined(r.metrics["correct"] for r in ans)
    out["overall_accuracy"] = m.mean_defined(r.metrics["correct"] for r in results)
    out["f1"] = m.mean_defined(r.metrics["f1"] for r in ans)
    out["median_words"] = float(statistics.median(words)) if words else None
    out["citation_precision"] = m.mean_defined(r.metrics["cite_precision"] for r in answered)
    out["citation_recall"] = m.mean_defined(r.metrics["cite_recall"] for r in answered)
    out["correct_with_gold_citation"] = m.mean_defined(r.metrics["gold_cited"] for r in correct)
    out["answerable_with_gold_citation"] = m.mean_defined(r.metrics["gold_cited"] for r in ans)
    out["abstention_unanswerable"] = m.mean_defined(r.abstained for r in una)
    out["false_abstention"] = m.mean_defined(r.abstained for r in ans)
    return out


def latency_summary(results: Sequence[QuestionResult]) -> dict[str, dict[str, float | None]]:
    """p50/p95 per timing stage, main stages first; questions that errored are left out."""
    stages = [s for s in MAIN_STAGES if any(s in r.timings_ms for r in results)]
    stages += sorted({s for r in results for s in r.timings_ms} - set(stages))
    ok = [r for r in results if not r.error]
    return {s: m.p50_p95(r.timings_ms[s] for r in ok if s in r.timings_ms) for s in stages}


def _effective(settings: Settings) -> dict[str, Any]:
    keys = (
        "pipeline",
        "generate",
        "retrieval",
        "generator_model",
        "generator_backend",
        "embedding_model",
        "top_k",
    )
    return {k: getattr(settings, k) for k in keys}


def _ask_one(pipeline: Any, item: GoldItem, config: str) -> QuestionResult:
    """Search (for retrieval metrics) and ask; InputError becomes a recorded per-question error."""
    spans: tuple[tuple[str, int, int], ...] = ()
    error, text, abstained, method, cited, timings = "", "", False, "", (), {}
    try:
        hits = pipeline.retriever.search(item.question, SEARCH_K)
        spans = tuple((h.chunk.file, h.chunk.first_line, h.chunk.last_line) for h in hits)
        start = time.perf_counter()
        answer = pipeline.ask(item.question)
        wall_ms = (time.perf_counter() - start) * 1000
        text, abstained, method = answer.text, bool(answer.abstained), answer.method
        cited = tuple((c.file, c.line) for c in answer.citations)
        timings = {k: float(v) for k, v in answer.timings_ms.items()}
        timings.setdefault("total", wall_ms)
    except InputError as exc:
        error = str(exc)
        log.warning("%s: question %s refused: %s", config, item.id, exc)
    return QuestionResult(
        item_id=item.id,
        config=config,
        type=item.type,
        answerable=item.answerable,
        question=item.question,
        answer=text,
        abstained=abstained,
        method=method,
        citations=cited,
        hits=spans,
        metrics=score_question(item, spans, text, abstained, cited),
        timings_ms=timings,
        error=error,
    )


def _run_config(
    config: EvalConfig, items: Sequence[GoldItem], base: Settings, factory: Callable, progress: bool
) -> ConfigResult:
    results: list[QuestionResult] = []
    try:
        settings = base.replace(**config.settings_overrides)
    except (QAError, TypeError) as exc:  # TypeError: an override names no Settings field
        return ConfigResult(config, {}, skipped=f"bad settings: {exc}")
    effective = _effective(settings)
    start = time.perf_counter()
    try:
        pipeline = factory(settings)
        warm_up = getattr(pipeline, "warm_up", None)
        if callable(warm_up):  # load models now so loading is not counted as question latency
            warm_up()
        _ = pipeline.retriever  # a lazy pipeline builds (and may fail to find) its index here
        build_ms = (time.perf_counter() - start) * 1000
        bar = tqdm(items, desc=config.name, unit="q", file=sys.stderr, disable=not progress, leave=True)
        for item in bar:
            results.append(_ask_one(pipeline, item, config.name))
    except QAError as exc:
        # A model or index that cannot load is a property of the config, not of one question.
        log.warning("%s: skipped: %s", config.name, exc)
        return ConfigResult(config, effective, tuple(results), skipped=f"{type(exc).__name__}: {exc}")
    finally:
        pipeline = None  # drop the models before building the next config
        gc.collect()
    summary = summarize(results)
    log.info("%s: %d questions, summary %s", config.name, len(results), summary)
    return ConfigResult(config, effective, tuple(results), summary, latency_summary(results), "", build_ms)


def _warn_about_sources(items: Sequence[GoldItem], base: Settings) -> None:
    if not Path(base.docs_dir).is_dir():
        return
    problems = check_sources(items, Path(base.docs_dir))
    for problem in problems[:5]:
        log.warning("gold source problem: %s", problem)
    if len(problems) > 5:
        log.warning("... and %d more gold source problems", len(problems) - 5)


def _warn_if_files_never_match(items: Sequence[GoldItem], configs: Sequence[ConfigResult]) -> None:
    gold_files = {f for it in items for f, _ in it.sources}
    hit_files = {h[0] for c in configs for r in c.results for h in r.hits}
    if gold_files and hit_files and not gold_files & hit_files:
        # Almost always a path-style mismatch (e.g. "seeds/001_x.txt" vs "001_x.txt"), which
        # would silently zero every retrieval and citation metric.
        log.warning(
            "no gold source file ever appears in retrieval results; gold files look like %r, "
            "retrieved files like %r: make gold 'file' relative to the docs folder",
            min(gold_files),
            min(hit_files),
        )


def run_eval(
    gold_path: Path | str,
    configs: Sequence[EvalConfig],
    base_settings: Settings,
    limit: int | None = None,
    progress: bool = True,
    pipeline_factory: Callable[[Settings], Any] | None = None,
) -> EvalRun:
    """Ask every gold question (the first `limit` if given) under each config and score it.

    One pipeline is built per config and reused for all its questions. A config whose settings
    or pipeline fail with a QAError (other than InputError on one question) is reported as
    skipped with the reason. `pipeline_factory` defaults to `qa.answer.pipeline.Pipeline`, imported
    only when needed so this module stays light to import.
    """
    if limit is not None and limit < 1:
        raise InputError(f"--limit must be at least 1, not {limit}")
    if pipeline_factory is None:
        from qa.answer.pipeline import Pipeline

        pipeline_factory = Pipeline
    items = load_gold(gold_path)[:limit]
    _warn_about_sources(items, base_settings)
    started = datetime.now().astimezone()
    clock = time.perf_counter()
    done = [_run_config(c, items, base_settings, pipeline_factory, progress) for c in configs]
    _warn_if_files_never_match(items, done)
    return EvalRun(
        gold_path=Path(gold_path),
        items=len(items),
        started=started.isoformat(timespec="seconds"),
        duration_s=time.perf_counter() - clock,
        configs=tuple(done),
    )
