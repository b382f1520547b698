"""Run gold questions over corpora (and their wrapped copies) under configurations; score each answer.

One row = one corpus variant x one configuration. Only the public pipeline API is used:
`Pipeline(settings, retriever=..., generator=...)`, `pipeline.retriever.search(q, 10)` for the
retrieval metrics (whatever the pipeline's own top_k) and `pipeline.ask(q)` for answers. Rows whose
settings agree on retrieval (or generation) share one retriever (or generator), so ablation rows
cost only their questions. Each corpus's index is built or updated explicitly (the library never
builds unless asked); that and model loading happen before a row's first question and are reported
as its build time, never as question latency.
"""

from __future__ import annotations

import gc
import logging
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm

from qa.config import Settings
from qa.errors import InputError, QAError
from qa.evaluation.configs import EvalConfig
from qa.evaluation.gold import GoldItem, check_sources, load_gold
from qa.evaluation.machine import git_commit
from qa.evaluation.scoring import QuestionResult, latency_summary, score_question, summarize
from qa.evaluation.suite import CorpusSpec, Variant, index_dir_for, variants
from qa.evaluation.wrap import map_lines

log = logging.getLogger(__name__)

SEARCH_K = 10
RETRIEVER_SETTINGS = (
    "docs_dir",
    "index_dir",
    "cache_dir",
    "embedding_model",
    "query_runtime",
    "retrieval",
    "dense_weight",
    "fusion",
    "max_question_chars",
    "threads",
    "chunk_chars",
    "chunk_overlap",
    "index_type",
    "vector_store",
    "qdrant_url",
)
GENERATOR_SETTINGS = ("generator_model", "generator_dtype", "generator_backend", "cache_dir", "threads")
SHOWN_SETTINGS = ("pipeline", "generate", "retrieval", "generator_model", "top_k")
SHOWN_IF_PRESENT = ("disabled_strategies", "min_support")  # answer-layer settings, where they exist


@dataclass(frozen=True)
class RowResult:
    """All results of one corpus variant under one configuration; `skipped` says why it did not run."""

    half: str
    corpus: str  # the corpus's own name, e.g. "seeds"
    variant: str  # "seeds" or "seeds-wrapped80"
    config: EvalConfig
    settings: dict[str, Any]  # the effective values of the settings that define a row
    results: tuple[QuestionResult, ...] = ()
    summary: dict[str, float | None] = field(default_factory=dict)
    latency_ms: dict[str, dict[str, float | None]] = field(default_factory=dict)
    skipped: str = ""
    build_ms: float = 0.0  # index update and model loading, not counted in latency

    @property
    def label(self) -> str:
        """ "seeds", "seeds-wrapped80", "seeds no-byline", "seeds bm25" ..."""
        return self.variant if self.config.name == "default" else f"{self.variant} {self.config.name}"


@dataclass(frozen=True)
class CorpusInfo:
    half: str
    name: str
    gold: str
    docs: str
    items: int  # asked (after --limit)


@dataclass(frozen=True)
class EvalRun:
    started: str  # ISO 8601, local time
    duration_s: float
    corpora: tuple[CorpusInfo, ...]
    rows: tuple[RowResult, ...]
    wrap: int | None = None
    commit: str = ""  # HEAD when the run started (the code that answered)


PipelineFactory = Callable[..., Any]  # (settings, retriever=..., generator=...) -> pipeline


def building_pipeline(settings: Settings, retriever: Any = None, generator: Any = None) -> Any:
    """The default factory: qa.answer.pipeline.Pipeline over settings.index_dir, built or updated first
    (only new and changed files embedded) when missing or stale, with no time limit: `qa eval` asked."""
    from qa.answer.pipeline import Pipeline
    from qa.retrieval.retriever import Retriever

    if retriever is None:
        retriever = Retriever.from_settings(settings, build=True)
    return Pipeline(settings, retriever=retriever, generator=generator)


class _SharedParts:
    """The last retriever and generator built, reused by the next row whose settings agree."""

    def __init__(self, factory: PipelineFactory) -> None:
        self.factory = factory
        self.retriever: tuple[tuple, Any] = ((), None)
        self.generator: tuple[tuple, Any] = ((), None)
        self.evidence_cache: Any = None

    def pipeline(self, settings: Settings) -> Any:
        kwargs = {}
        same_retriever = self.retriever[1] is not None and self.retriever[0] == _key(
            settings, RETRIEVER_SETTINGS
        )
        if same_retriever:
            kwargs["retriever"] = self.retriever[1]
        if self.generator[1] is not None and self.generator[0] == _key(settings, GENERATOR_SETTINGS):
            kwargs["generator"] = self.generator[1]
        pipeline = self.factory(settings, **kwargs)
        if same_retriever and self.evidence_cache is not None and hasattr(pipeline, "_evidence_embedder"):
            # The pipeline's memory of embedded evidence sentences belongs with its retriever; without
            # it every ablation row would re-embed the corpus's sentences and run several times slower.
            pipeline._evidence_embedder = self.evidence_cache
        return pipeline

    def keep(self, settings: Settings, pipeline: Any) -> None:
        self.retriever = (_key(settings, RETRIEVER_SETTINGS), pipeline.retriever)
        self.evidence_cache = getattr(pipeline, "_evidence_embedder", None)
        generator = getattr(pipeline, "generator", None)
        self.generator = (_key(settings, GENERATOR_SETTINGS), generator)


def _key(settings: Settings, names: Sequence[str]) -> tuple:
    return tuple(getattr(settings, n, None) for n in names)


def _effective(settings: Settings) -> dict[str, Any]:
    out = {k: getattr(settings, k) for k in SHOWN_SETTINGS}
    out.update({k: getattr(settings, k) for k in SHOWN_IF_PRESENT if hasattr(settings, k)})
    return out


def _ask_one(
    pipeline: Any, item: GoldItem, gold: tuple[tuple, ...], variant: str, config: str
) -> QuestionResult:
    """Search (for retrieval metrics) and ask; InputError becomes a recorded per-question error."""
    spans: tuple[tuple[str, int, int], ...] = ()
    error, text, short, abstained, method, cited, timings, support = "", "", "", False, "", (), {}, None
    try:
        hits = pipeline.retriever.search(item.question, SEARCH_K)
        spans = tuple((h.chunk.file, h.chunk.first_line, h.chunk.last_line) for h in hits)
        start = time.perf_counter()
        answer = pipeline.ask(item.question)
        wall_ms = (time.perf_counter() - start) * 1000
        text, abstained, method = answer.text, bool(answer.abstained), answer.method
        short = getattr(answer, "short_answer", "") or ""
        support = getattr(answer, "support", None)
        cited = tuple((c.file, c.line) for c in answer.citations)
        timings = {k: float(v) for k, v in answer.timings_ms.items()}
        timings.setdefault("total", wall_ms)
    except InputError as exc:
        error = str(exc)
        log.warning("%s %s: question %s refused: %s", variant, config, item.id, exc)
    return QuestionResult(
        item_id=item.id,
        corpus=variant,
        config=config,
        type=item.type,
        answerable=item.answerable,
        question=item.question,
        answer=text,
        short_answer=short,
        abstained=abstained,
        method=method,
        support=None if support is None else float(support),
        citations=cited,
        gold_lines=tuple(line for group in gold for line in group),
        hits=spans,
        metrics=score_question(item, gold, spans, (text, short, abstained), cited),
        timings_ms=timings,
        error=error,
    )


def _row_settings(variant: Variant, config: EvalConfig, base: Settings, cache: Path) -> Settings:
    """The base settings with the row's overrides, on the variant's documents and index folder."""
    settings = base.replace(docs_dir=variant.docs, **config.settings_overrides)
    own = variant.corpus.index_dir if variant.line_map is None else None
    return settings.replace(index_dir=own or index_dir_for(cache, variant.name, variant.docs, settings))


def _run_row(
    variant: Variant, config: EvalConfig, items: Sequence[GoldItem], base: Settings, ctx: dict
) -> RowResult:
    row = {
        "half": variant.corpus.half,
        "corpus": variant.corpus.name,
        "variant": variant.name,
        "config": config,
    }
    if variant.unchanged:  # e.g. only PDFs, or text already wrapped: running it again tells nothing
        reason = (
            f"the same documents as {variant.corpus.name}: no .txt/.md line is over {variant.wrap} columns"
        )
        return RowResult(**row, settings={}, skipped=reason)
    try:
        settings = _row_settings(variant, config, base, ctx["cache"])
    except (QAError, TypeError) as exc:  # TypeError: an override names no Settings field
        return RowResult(**row, settings={}, skipped=f"bad settings: {exc}")
    effective = _effective(settings)
    label = variant.name if config.name == "default" else f"{variant.name} {config.name}"
    results: list[QuestionResult] = []
    pipeline = None
    start = time.perf_counter()
    try:
        pipeline = ctx["parts"].pipeline(settings)
        _ = pipeline.retriever  # loaded now (the default factory has built it), not counted as latency
        warm_up = getattr(pipeline, "warm_up", None)
        if callable(warm_up):  # load models now so loading is not counted as question latency
            warm_up()
        build_ms = (time.perf_counter() - start) * 1000
        bar = tqdm(
            items,
            desc=f"{variant.corpus.half or 'eval'} {label}",
            unit="q",
            file=sys.stderr,
            disable=not ctx["progress"],
        )
        for item in bar:
            gold = tuple(map_lines([line], variant.line_map or {}) for line in item.sources)
            results.append(_ask_one(pipeline, item, gold, variant.name, config.name))
        ctx["parts"].keep(settings, pipeline)  # after the questions: with what it has cached since
    except QAError as exc:
        # A model or index that cannot load is a property of the row, not of one question.
        log.warning("%s: skipped: %s", label, exc)
        return RowResult(
            **row, settings=effective, results=tuple(results), skipped=f"{type(exc).__name__}: {exc}"
        )
    finally:
        pipeline = None
        gc.collect()
    summary = summarize(results)
    _warn_if_files_never_match(label, items, results)
    return RowResult(
        **row,
        settings=effective,
        results=tuple(results),
        summary=summary,
        latency_ms=latency_summary(results),
        build_ms=build_ms,
    )


def _warn_about_sources(corpus: CorpusSpec, items: Sequence[GoldItem]) -> None:
    problems = check_sources(items, corpus.docs)
    for problem in problems[:5]:
        log.warning("%s: gold source problem: %s", corpus.gold, problem)
    if len(problems) > 5:
        log.warning("... and %d more gold source problems", len(problems) - 5)


def _warn_if_files_never_match(
    label: str, items: Sequence[GoldItem], results: Sequence[QuestionResult]
) -> None:
    gold_files = {f for it in items for f, _ in it.sources}
    hit_files = {h[0] for r in results for h in r.hits}
    if gold_files and hit_files and not gold_files & hit_files:
        # Almost always a path-style mismatch ("seeds/001_x.txt" vs "001_x.txt"), which would
        # silently zero every retrieval and citation metric.
        log.warning(
            "%s: no gold source file ever appears in retrieval results; gold files look like %r, "
            "retrieved files like %r: make gold 'file' relative to the docs folder",
            label,
            min(gold_files),
            min(hit_files),
        )


def spread(items: Sequence[GoldItem], limit: int | None) -> tuple[GoldItem, ...]:
    """`limit` items spread evenly over the file (all of them without a limit), in file order.

    >>> [i for i in spread(list(range(10)), 3)]
    [0, 3, 6]
    """
    if limit is None or limit >= len(items):
        return tuple(items)
    return tuple(items[i * len(items) // limit] for i in range(limit))


def run_eval(
    corpora: Sequence[CorpusSpec],
    configs: Sequence[EvalConfig],
    base_settings: Settings,
    *,
    wrap: int | None = None,
    ablations: Sequence[EvalConfig] = (),
    limit: int | None = None,
    cache: Path | str = Path(".qa-cache"),
    progress: bool = True,
    pipeline_factory: PipelineFactory | None = None,
) -> EvalRun:
    """Ask every corpus's gold questions under each config, on the corpus and its wrapped copy.

    Rows per corpus: each config and each ablation on the documents, then (with `wrap`) each
    config on the copy wrapped at `wrap` columns. A row whose settings or pipeline
    fail with a QAError (other than InputError on one question) is reported as skipped with the
    reason. `pipeline_factory` defaults to `building_pipeline`: `qa.answer.pipeline.Pipeline` over
    the corpus's index, built or updated first.
    """
    if limit is not None and limit < 1:
        raise InputError(f"--limit must be at least 1, not {limit}")
    factory = pipeline_factory or building_pipeline
    ctx = {"cache": Path(cache), "progress": progress, "parts": _SharedParts(factory)}
    started, commit = datetime.now().astimezone(), git_commit()
    clock = time.perf_counter()
    infos, rows = [], []
    for corpus in corpora:
        items = spread(load_gold(corpus.gold), limit)
        _warn_about_sources(corpus, items)
        infos.append(CorpusInfo(corpus.half, corpus.name, str(corpus.gold), str(corpus.docs), len(items)))
        plain, *wrapped = variants(corpus, wrap, ctx["cache"])
        # Ablations right after the plain rows, so they share its retriever; the report reorders.
        for variant, row_configs in [(plain, [*configs, *ablations])] + [(w, configs) for w in wrapped]:
            rows += [_run_row(variant, c, items, base_settings, ctx) for c in row_configs]
    return EvalRun(
        started=started.isoformat(timespec="seconds"),
        duration_s=time.perf_counter() - clock,
        corpora=tuple(infos),
        rows=tuple(rows),
        wrap=wrap,
        commit=commit,
    )
