"""How fast one query is embedded, and hybrid retrieval end to end, before and after the direct path.

    python -m evals.bench_query_embedding                  # writes evals/QUERY-EMBEDDING.md and .json
    python -m evals.bench_query_embedding --repeats 1 --out /tmp/qe

Every variant embeds every gold question, side by side: one question on every variant (in a
rotating order), then the next, --repeats times over the gold set, because the CPU is shared
and single times are noisy. Wall and CPU milliseconds are both kept: CPU time is what one query
costs a core, which a busy machine inflates less than wall time. Each variant's vectors are
compared with encode()'s (cosine), and the hybrid search before and after must return the same
chunks in the same order.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import tempfile
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from qa.config import Settings
from qa.embedding import SentenceTransformerEmbedder, one_torch_thread
from qa.gold import load_gold
from qa.models import embedding_path
from qa.retrieval import Retriever

from .bench import commit, machine
from .bench_answers import _p

HERE = Path(__file__).resolve().parent
Embed = Callable[[list[str]], np.ndarray]  # texts -> (len(texts), dim) float32, rows normalised


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", default=str(HERE / "gold.jsonl"))
    ap.add_argument("--docs", default=str(HERE.parent / "seeds"))
    ap.add_argument("--repeats", type=int, default=3, help="passes over the gold questions")
    ap.add_argument("--out", default=str(HERE / "QUERY-EMBEDDING"), help="writes OUT.md and OUT.json")
    return ap.parse_args(argv)


def mean_pooled(model, transformer=None) -> Embed:
    """The transformer called by hand: tokenizer, forward, mean over real tokens, L2 norm.

    transformer replaces the model's own (e.g. a quantised copy)."""
    import torch

    tokenizer, limit = model[0].tokenizer, model.max_seq_length
    transformer = transformer or model[0].auto_model

    def embed(texts: list[str]) -> np.ndarray:
        enc = tokenizer(texts, padding=True, truncation=True, max_length=limit, return_tensors="pt")
        with torch.inference_mode():
            tokens = transformer(**enc).last_hidden_state
            mask = enc["attention_mask"].unsqueeze(-1).to(tokens.dtype)
            vectors = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(vectors, dim=-1).numpy()

    return embed


def int8_transformer(model, per_channel: bool):
    """A copy of the model's transformer whose Linear layers are dynamically quantised to int8."""
    import torch

    with warnings.catch_warnings():  # torch.ao.quantization is deprecated; measured, not shipped
        warnings.simplefilter("ignore")
        config = torch.ao.quantization.per_channel_dynamic_qconfig if per_channel else None
        layers = {torch.nn.Linear: config} if config else {torch.nn.Linear}
        return torch.ao.quantization.quantize_dynamic(
            copy.deepcopy(model[0].auto_model), layers, dtype=torch.qint8
        )


def on_one_thread(embed: Embed) -> Embed:
    def run(texts: list[str]) -> np.ndarray:
        with one_torch_thread():
            return embed(texts)

    return run


def variants(
    name: str,
) -> tuple[dict[str, Embed], dict[str, Embed], SentenceTransformerEmbedder, SentenceTransformerEmbedder]:
    """Variants for one query and for 8 at once (each text 8 times: the size of a question's new
    evidence sentences), and the embedders before (encode() always) and after (direct path).

    The variants other than before/after run on a second copy of the model, loaded the same way."""
    from sentence_transformers import SentenceTransformer

    before = SentenceTransformerEmbedder(name, direct_max_texts=0)
    after = SentenceTransformerEmbedder(name)
    model = SentenceTransformer(embedding_path(name), device="cpu", trust_remote_code=False).eval()
    by_hand = mean_pooled(model)
    rows = {
        "encode(), 2 threads (before)": before.embed,
        "encode(), 1 thread": on_one_thread(before.embed),
        "modules directly, 2 threads": modules_directly(model),
        "modules directly, 1 thread (chosen)": after.embed,
        "transformer by hand, 1 thread": on_one_thread(by_hand),
        "int8 per tensor, 1 thread": on_one_thread(mean_pooled(model, int8_transformer(model, False))),
        "int8 per channel, 1 thread": on_one_thread(mean_pooled(model, int8_transformer(model, True))),
    }
    batches = {
        "encode(), 2 threads (before)": lambda texts: before.embed(texts * 8)[: len(texts)],
        "modules directly, 1 thread": on_one_thread(modules_directly(model, 8)),
    }
    return rows, batches, before, after


def modules_directly(model, copies: int = 1) -> Embed:
    """The chosen path without the thread switch: the model's preprocess and modules, no encode().

    copies > 1 embeds each text that many times in one batch and returns the first rows: a batch
    the size of a question's evidence sentences, timed per call."""
    import torch

    def embed(texts: list[str]) -> np.ndarray:
        with torch.inference_mode():
            vectors = model(model.preprocess(texts * copies))["sentence_embedding"]
            return torch.nn.functional.normalize(vectors, dim=1).numpy()[: len(texts)]

    return embed


def timed(fn: Callable[[str], object], arg: str) -> tuple[float, float]:
    """(wall ms, CPU ms of the whole process) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn(arg)
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def side_by_side(calls: dict[str, Callable[[str], object]], questions: list[str], repeats: int) -> dict:
    """p50/p95 wall and CPU ms of every call over every question, interleaved in a rotating order."""
    names = list(calls)
    wall: dict[str, list[float]] = {n: [] for n in names}
    cpu: dict[str, list[float]] = {n: [] for n in names}
    for n in names:  # first calls allocate and warm caches
        calls[n](questions[0])
    turn = 0
    for _ in range(repeats):
        for q in questions:
            turn += 1
            for n in names[turn % len(names) :] + names[: turn % len(names)]:
                w, c = timed(calls[n], q)
                wall[n].append(w)
                cpu[n].append(c)
    return {
        n: {
            "wall_p50_ms": _p(wall[n], 0.5),
            "wall_p95_ms": _p(wall[n], 0.95),
            "cpu_p50_ms": _p(cpu[n], 0.5),
            "calls": len(wall[n]),
        }
        for n in names
    }


def min_cosines(rows: dict[str, Embed], reference: np.ndarray, questions: list[str]) -> dict[str, float]:
    return {
        name: float(min((embed([q])[0] * ref).sum() for q, ref in zip(questions, reference, strict=True)))
        for name, embed in rows.items()
    }


def same_hits(a: Retriever, b: Retriever, questions: list[str], k: int) -> int:
    """How many questions get the same chunks in the same order from both retrievers."""
    return sum(
        [h.chunk.id for h in a.search(q, k)] == [h.chunk.id for h in b.search(q, k)] for q in questions
    )


def run(args: argparse.Namespace) -> dict:
    load_start = list(os.getloadavg())
    questions = [item.question for item in load_gold(Path(args.gold))]
    index_dir = Path(tempfile.mkdtemp(prefix="qa-query-embedding-"))
    settings = Settings(docs_dir=Path(args.docs), index_dir=index_dir, retrieval="hybrid")
    rows, batches, before, after = variants(settings.embedding_model)
    retrievers = {
        "hybrid search, before": Retriever.from_settings(settings, embedder=before, progress=False),
        "hybrid search, after": Retriever.from_settings(settings, embedder=after, progress=False),
    }
    reference = before.embed(questions)
    k = settings.top_k
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit(),
        "machine": machine(),
        "questions": len(questions),
        "repeats": args.repeats,
        "single_query": side_by_side(
            {n: (lambda q, e=e: e([q])) for n, e in rows.items()}, questions, args.repeats
        ),
        "min_cosine_to_encode": min_cosines(rows, reference, questions),
        "batch_of_8": side_by_side(
            {n: (lambda q, e=e: e([q])) for n, e in batches.items()}, questions[:20], args.repeats
        ),
        "retrieval": side_by_side(
            {n: (lambda q, r=r: r.search(q, k)) for n, r in retrievers.items()}, questions, args.repeats
        ),
        "same_hits": same_hits(*retrievers.values(), questions, k),
        "load_average_start": load_start,
        "load_average_end": list(os.getloadavg()),
    }
    return result


def table(rows: dict[str, dict], cosines: dict[str, float] | None = None) -> list[str]:
    head = "| variant | wall p50 ms | wall p95 ms | CPU p50 ms |" + (
        " min cosine to encode() |" if cosines else ""
    )
    lines = [head, "|---" * (5 if cosines else 4) + "|"]
    for name, r in rows.items():
        cells = [name, f"{r['wall_p50_ms']:.2f}", f"{r['wall_p95_ms']:.2f}", f"{r['cpu_p50_ms']:.2f}"]
        if cosines:
            cells.append(f"{cosines[name]:.6f}")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def markdown(r: dict) -> str:
    m = r["machine"]
    load = ", ".join(f"{x:.1f}" for x in r["load_average_start"])
    load_end = ", ".join(f"{x:.1f}" for x in r["load_average_end"])
    before, after = r["retrieval"]["hybrid search, before"], r["retrieval"]["hybrid search, after"]
    return "\n".join(
        [
            "# Query embedding and hybrid retrieval latency",
            "",
            f"Run {r['date']} at commit `{r['commit']}` with `python -m evals.bench_query_embedding`: "
            f"{r['questions']} gold questions x {r['repeats']} passes, every variant side by side "
            "(one question on each variant in a rotating order, then the next).",
            "",
            f"Machine: {m['cpu']}, {m['cores']} cores; torch {m['torch']}, transformers {m['transformers']}, "
            f"sentence-transformers {m['sentence_transformers']}. Load average at start {load}, at end "
            f"{load_end}: above the core count, other processes shared the CPU and wall times are "
            "inflated; CPU ms (the process's CPU time per call) is what a query costs a core.",
            "",
            "## Hybrid retrieval (`Retriever.search`, seed corpus, k = top_k)",
            "",
            *table(r["retrieval"]),
            "",
            f"p50 {before['wall_p50_ms']:.2f} ms before, {after['wall_p50_ms']:.2f} ms after. "
            f"Same chunks in the same order for {r['same_hits']} of {r['questions']} questions.",
            "",
            "## One query embedded",
            "",
            *table(r["single_query"], r["min_cosine_to_encode"]),
            "",
            "## Eight texts embedded at once (first 20 questions, each 8 times in one call)",
            "",
            *table(r["batch_of_8"]),
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    result = run(args)
    out = Path(args.out)
    out.with_suffix(".json").write_text(json.dumps(result, indent=1))
    out.with_suffix(".md").write_text(markdown(result))
    print(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
