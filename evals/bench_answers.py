"""Per-question speed of pipeline rows side by side, index build speed, and retrieval parts.

Rows are Settings overrides. Questions are interleaved (question 1 on every row, then question 2 …)
so drift in the load of a shared machine hits every row alike. Rows with the same generator share
one loaded model. Only the public API is used: Pipeline, Retriever, build_index.
"""

from __future__ import annotations

import importlib.util
import logging
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qa.answer.pipeline import Pipeline
from qa.config import Settings
from qa.errors import QAError
from qa.evaluation.gold import load_gold
from qa.evaluation.metrics import rounded_rank
from qa.index.indexer import build_index
from qa.retrieval.embedding import SentenceTransformerEmbedder
from qa.retrieval.retriever import Retriever

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Row:
    """One configuration: a name, the Settings it changes, and a module it needs (if any)."""

    name: str
    overrides: dict[str, Any] = field(default_factory=dict)
    needs: str = ""  # e.g. "llama_cpp": the row is skipped with a reason when it cannot be imported


BASELINE = "baseline-plain"


def default_rows() -> list[Row]:
    """The plain baseline first (ratios are against it), the product, the generator writing every
    answer (transformers, llama-cpp), and extractive."""
    # auto picks llama-cpp where it is installed; the transformers rows say so explicitly
    torch = {"generator_backend": "transformers"}
    llama = {"generator_backend": "llama-cpp"}
    return [
        Row(BASELINE, {"pipeline": "plain", "retrieval": "dense", "top_k": 3, **torch}),
        Row("verified", {"pipeline": "verified", **torch}),  # the default: generates only when needed
        Row("verified-always", {"pipeline": "verified", "generate": "always", **torch}),
        Row("extractive", {"pipeline": "verified", "generator_model": "none"}),
        Row(
            "verified-always-llama-cpp", {"pipeline": "verified", "generate": "always", **llama}, "llama_cpp"
        ),
    ]


def row_settings(row: Row, base: Settings) -> Settings:
    """The row's Settings; QAError names what is missing (a setting or a module) when it cannot run."""
    if row.needs and importlib.util.find_spec(row.needs) is None:
        raise QAError(f"{row.needs} is not importable (pip install the optional extra)")
    try:
        return base.replace(**row.overrides)
    except TypeError as e:  # an override names a field this version of Settings does not have
        unknown = sorted(set(row.overrides) - set(Settings.__dataclass_fields__))
        raise QAError(f"settings have no {', '.join(unknown) or 'such field'} here ({e})") from e


class TokenCounter:
    """Counts generated tokens with the generator model's own tokenizer (same for its GGUF)."""

    def __init__(self) -> None:
        self._tokenizers: dict[str, Any] = {}

    def count(self, settings: Settings, text: str) -> int | None:
        if not text or settings.generator_model == "none":
            return None
        key = settings.generator_model
        if key not in self._tokenizers:
            try:
                from transformers import AutoTokenizer

                from qa.generation.models import generator_path

                path = generator_path(key, settings.cache_dir)
                self._tokenizers[key] = AutoTokenizer.from_pretrained(path, trust_remote_code=False)
            except Exception as e:  # no tokenizer: tokens/s is reported as unknown, not guessed
                log.warning("no tokenizer for %s: %s", key, e)
                self._tokenizers[key] = None
        tokenizer = self._tokenizers[key]
        return len(tokenizer.encode(text, add_special_tokens=False)) if tokenizer else None


def time_question(pipeline: Pipeline, question: str) -> dict[str, Any]:
    """Wall-clock timings of one streamed answer, as the chat sees them (ms from the question)."""
    start = time.perf_counter()
    first = last = None
    pieces = []
    answer = None
    for event in pipeline.stream(question):
        now = time.perf_counter()
        if event.kind == "token":
            first = first if first is not None else now
            last = now
            pieces.append(event.text)
        elif event.answer is not None:
            answer = event.answer
    total = time.perf_counter() - start
    return {
        "total_ms": total * 1000,
        "first_token_ms": (first - start) * 1000 if first is not None else None,
        # what the chat shows first: a streamed token, or the whole answer when nothing was generated
        "first_text_ms": (first - start if first is not None else total) * 1000,
        "decode_s": (last - first) if first is not None else None,
        "reply": "".join(pieces),
        "retrieve_ms": answer.timings_ms.get("retrieve") if answer else None,
        "method": answer.method if answer else "",
    }


def summarize(samples: list[dict[str, Any]]) -> dict[str, float | None]:
    """p50/p95 of the stages; tokens/s over answers the generator wrote (decode after the first token)."""
    out: dict[str, float | None] = {"questions": len(samples)}
    for key in ("retrieve_ms", "first_token_ms", "first_text_ms", "total_ms"):
        values = [s[key] for s in samples if s.get(key) is not None]
        out[f"{key[:-3]}_p50_ms"] = rounded_rank(values, 0.5)
        out[f"{key[:-3]}_p95_ms"] = rounded_rank(values, 0.95)
    rates = [
        (s["tokens"] - 1) / s["decode_s"]
        for s in samples
        if s.get("tokens") and s["tokens"] > 1 and s["decode_s"]
    ]
    out["decode_tokens_per_s_p50"] = statistics.median(rates) if rates else None
    out["generated_share"] = sum(1 for s in samples if s.get("first_token_ms") is not None) / max(
        1, len(samples)
    )
    return out


def run_rows(
    rows: list[Row], base: Settings, gold: Path, limit: int | None, progress=print
) -> dict[str, dict[str, Any]]:
    """{row name: {"settings", "summary", "samples"} or {"skipped": reason}}.

    Rows are interleaved per question.
    """
    questions = [item.question for item in load_gold(gold)[:limit]]
    embedder = SentenceTransformerEmbedder.from_settings(base)  # questions embedded as the product does
    generators: dict[tuple, Any] = {}  # rows with the same generator settings share one model
    pipelines: dict[str, tuple[Settings, Pipeline]] = {}
    results: dict[str, dict[str, Any]] = {}
    for row in rows:
        try:
            settings = row_settings(row, base)
            key = tuple(
                getattr(settings, f, None)
                for f in (
                    "generator_model",
                    "generator_backend",
                    "generator_dtype",
                    "threads",
                    "max_new_tokens",
                )
            )
            retriever = Retriever.from_settings(settings, embedder=embedder, build=True, progress=False)
            pipeline = Pipeline(settings, retriever=retriever, generator=generators.get(key))
            pipeline.warm_up()
            generators[key] = pipeline.generator
            pipeline.ask(questions[0])  # first-call costs (kernel selection, caches) are start-up
        except QAError as e:
            progress(f"answers: {row.name} skipped: {e}")
            results[row.name] = {"skipped": str(e)}
            continue
        pipelines[row.name] = (settings, pipeline)
        results[row.name] = {"settings": {k: str(v) for k, v in row.overrides.items()}, "samples": []}
    counter = TokenCounter()
    for i, question in enumerate(questions, 1):
        progress(f"answers: question {i}/{len(questions)}")
        for name, (settings, pipeline) in pipelines.items():
            try:
                sample = time_question(pipeline, question)
            except QAError as e:  # a refused question is recorded, the run goes on
                sample = {"error": str(e)}
            sample["tokens"] = counter.count(settings, sample.get("reply", "")) if "reply" in sample else None
            results[name]["samples"].append(sample)
    for name in pipelines:
        results[name]["summary"] = summarize([s for s in results[name]["samples"] if "error" not in s])
    return results


def index_build(base: Settings, repeats: int = 3) -> dict[str, Any]:
    """Build the index of the docs folder into a temp folder; embedder loaded beforehand."""
    embedder = SentenceTransformerEmbedder(base.embedding_model)
    embedder.warm_up()
    runs = []
    with tempfile.TemporaryDirectory(prefix="qa-bench-index-") as tmp:
        for i in range(repeats):
            report = build_index(base.replace(index_dir=Path(tmp) / f"i{i}"), embedder, progress=False)
            runs.append(report.seconds)
    seconds = statistics.median(runs)
    return {
        "files": report.files,
        "chunks": report.chunks,
        "seconds_median": seconds,
        "chunks_per_s": report.chunks / seconds if seconds else None,
        "runs_s": runs,
    }


def retrieval_parts(base: Settings, gold: Path, limit: int | None) -> dict[str, Any]:
    """p50 of each part of retrieval on the docs folder: query embedding, FAISS, BM25, hybrid; and,
    side by side, the query embedded by the other runtime (torch beside ONNX)."""
    questions = [item.question for item in load_gold(gold)[:limit]]
    retriever = Retriever.from_settings(base.replace(retrieval="hybrid"), build=True, progress=False)
    retriever.search(questions[0], base.top_k)
    other = "torch" if base.query_runtime == "onnx" else "onnx"
    other_embedder = SentenceTransformerEmbedder.from_settings(base.replace(query_runtime=other))
    other_embedder.embed([questions[0]])
    parts: dict[str, list[float]] = {
        "embed_query": [],
        f"embed_query_{other}": [],
        "faiss": [],
        "bm25": [],
        "hybrid_search": [],
    }
    for q in questions:
        t = time.perf_counter()
        vector = retriever.embedder.embed([q])[0]
        parts["embed_query"].append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        other_embedder.embed([q])
        parts[f"embed_query_{other}"].append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        retriever.store.search(vector, 30)
        parts["faiss"].append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        retriever.bm25.search(q, 30)
        parts["bm25"].append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        retriever.search(q, base.top_k)
        parts["hybrid_search"].append((time.perf_counter() - t) * 1000)
    out = {f"{k}_p50_ms": rounded_rank(v, 0.5) for k, v in parts.items()}
    out.update({f"{k}_p95_ms": rounded_rank(v, 0.95) for k, v in parts.items()})
    out["chunks"] = len(retriever.chunks)
    out["query_runtime"] = retriever.embedder.runtime_in_use
    out["index_type"] = retriever.store.manifest.index_type
    return out
