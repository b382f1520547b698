"""How fast one query is embedded, and hybrid retrieval end to end: torch against ONNX Runtime.

    python -m evals.bench_query_embedding                  # writes evals/QUERY-EMBEDDING.md and .json
    python -m evals.bench_query_embedding --repeats 1 --busy 0 --out /tmp/qe

Every variant embeds every gold question, side by side: one question on every variant (in a
rotating order), then the next, --repeats times over the gold set, because the CPU is shared
and single times are noisy. Wall and CPU milliseconds are both kept: CPU time is what one query
costs a core, which a busy machine inflates less than wall time. Each variant's vectors are
compared with encode()'s (cosine), and the hybrid search before and after must return the same
chunks in the same order. Everything runs twice: on the machine as it is, and with --busy
processes spinning on the CPU, as when a generation or another user shares the cores.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from qa.config import Settings
from qa.evaluation.gold import load_gold
from qa.evaluation.machine import git_commit, library_versions, load_average, machine
from qa.evaluation.metrics import rounded_rank
from qa.generation.models import embedding_path
from qa.retrieval.embedding import SentenceTransformerEmbedder, one_torch_thread
from qa.retrieval.onnx_query import Embed  # texts -> (len(texts), dim) float32, rows L2-normalised
from qa.retrieval.retriever import Retriever

HERE = Path(__file__).resolve().parent


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", default=str(HERE / "gold.jsonl"))
    ap.add_argument("--docs", default=str(HERE.parent / "seeds"))
    ap.add_argument("--repeats", type=int, default=3, help="passes over the gold questions")
    ap.add_argument("--busy", type=int, default=2, help="spinning processes for the second pass (0: none)")
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
    settings: Settings,
) -> tuple[dict[str, Embed], dict[str, Embed], SentenceTransformerEmbedder, SentenceTransformerEmbedder]:
    """Variants for one query and for 8 at once (each text 8 times: the size of a question's new
    evidence sentences), and the embedders before (torch modules, one thread) and after (ONNX).

    The other variants run on a second copy of the model, loaded the same way."""
    from sentence_transformers import SentenceTransformer

    from qa.retrieval.onnx_query import load_encoder

    name = settings.embedding_model
    encode = SentenceTransformerEmbedder(name, direct_max_texts=0)
    before = SentenceTransformerEmbedder(name, query_runtime="torch")
    after = SentenceTransformerEmbedder.from_settings(settings.replace(query_runtime="onnx"))
    if after.runtime_in_use != "onnx":
        raise SystemExit("the ONNX encoder did not load (see the warning above)")
    model = SentenceTransformer(embedding_path(name), device="cpu", trust_remote_code=False).eval()
    onnx = {
        threads: load_encoder(name, settings.cache_dir, lambda: model, before.embed, threads).embed
        for threads in (1, 2)
    }

    def label(threads: int) -> str:
        chosen = " (chosen)" if threads == after.onnx_threads else ""
        return f"ONNX Runtime, {threads} thread{'s' if threads > 1 else ''}{chosen}"

    rows = {
        "encode(), 2 threads": encode.embed,
        "torch modules, 2 threads": modules_directly(model),
        "torch modules, 1 thread (before)": before.embed,
        label(1): onnx[1],
        label(2): onnx[2],
        "int8 per tensor, 1 thread": on_one_thread(mean_pooled(model, int8_transformer(model, False))),
        "int8 per channel, 1 thread": on_one_thread(mean_pooled(model, int8_transformer(model, True))),
    }
    batches = {
        "encode(), 2 threads": lambda texts: encode.embed(texts * 8)[: len(texts)],
        "torch modules, 1 thread": on_one_thread(modules_directly(model, 8)),
        label(1): lambda texts: onnx[1](texts * 8)[: len(texts)],
        label(2): lambda texts: onnx[2](texts * 8)[: len(texts)],
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
            "wall_p50_ms": rounded_rank(wall[n], 0.5),
            "wall_p95_ms": rounded_rank(wall[n], 0.95),
            "cpu_p50_ms": rounded_rank(cpu[n], 0.5),
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


@contextmanager
def busy_cpu(processes: int) -> Iterator[None]:
    """That many processes spinning on the CPU while the body runs."""
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(processes)]
    try:
        time.sleep(0.5 if spinners else 0)
        yield
    finally:
        for p in spinners:
            p.kill()
            p.wait()


def run(args: argparse.Namespace) -> dict:
    questions = [item.question for item in load_gold(Path(args.gold))]
    index_dir = Path(tempfile.mkdtemp(prefix="qa-query-embedding-"))
    settings = Settings(docs_dir=Path(args.docs), index_dir=index_dir, retrieval="hybrid")
    rows, batches, before, after = variants(settings)
    retrievers = {
        "hybrid search, torch (before)": Retriever.from_settings(
            settings, embedder=before, build=True, progress=False
        ),
        "hybrid search, ONNX Runtime (after)": Retriever.from_settings(
            settings, embedder=after, build=True, progress=False
        ),
    }
    reference = before.embed(questions)
    k = settings.top_k
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": git_commit(changes=" (qa/ has uncommitted changes)"),
        "machine": {**machine(), "load_average": load_average(), **library_versions()},
        "questions": len(questions),
        "repeats": args.repeats,
        "min_cosine_to_encode": min_cosines(rows, reference, questions),
        "same_hits": same_hits(*retrievers.values(), questions, k),
        "passes": {},
    }
    for busy in sorted({0, args.busy}):
        with busy_cpu(busy):
            load_start = load_average()
            result["passes"][str(busy)] = {
                "busy_processes": busy,
                "retrieval": side_by_side(
                    {n: (lambda q, r=r: r.search(q, k)) for n, r in retrievers.items()},
                    questions,
                    args.repeats,
                ),
                "single_query": side_by_side(
                    {n: (lambda q, e=e: e([q])) for n, e in rows.items()}, questions, args.repeats
                ),
                "batch_of_8": side_by_side(
                    {n: (lambda q, e=e: e([q])) for n, e in batches.items()}, questions[:20], args.repeats
                ),
                "load_average_start": load_start,
                "load_average_end": load_average(),
            }
    return result


def table(rows: dict[str, dict], cosines: dict[str, float] | None = None) -> list[str]:
    head = "| variant | wall p50 ms | wall p95 ms | CPU p50 ms | p50 vs first row |" + (
        " min cosine to encode() |" if cosines else ""
    )
    lines = [head, "|---" * (6 if cosines else 5) + "|"]
    first = next(iter(rows.values()))["wall_p50_ms"]
    for name, r in rows.items():
        cells = [
            name,
            f"{r['wall_p50_ms']:.2f}",
            f"{r['wall_p95_ms']:.2f}",
            f"{r['cpu_p50_ms']:.2f}",
            f"{r['wall_p50_ms'] / first:.2f}x",
        ]
        if cosines:
            cells.append(f"{cosines[name]:.6f}")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def pass_section(r: dict, p: dict) -> list[str]:
    load = ", ".join(f"{x:.1f}" for x in p["load_average_start"])
    load_end = ", ".join(f"{x:.1f}" for x in p["load_average_end"])
    title = (
        f"with {p['busy_processes']} processes spinning on the CPU"
        if p["busy_processes"]
        else "machine as it is"
    )
    return [
        f"## {title}",
        "",
        f"Load average at start {load}, at end {load_end}.",
        "",
        "### Hybrid retrieval (`Retriever.search`, seed corpus, k = top_k)",
        "",
        *table(p["retrieval"]),
        "",
        "### One query embedded",
        "",
        *table(p["single_query"], r["min_cosine_to_encode"]),
        "",
        "### Eight texts embedded at once (first 20 questions, each 8 times in one call)",
        "",
        *table(p["batch_of_8"]),
        "",
    ]


def markdown(r: dict) -> str:
    m = r["machine"]
    passes = list(r["passes"].values())
    return "\n".join(
        [
            "# Query embedding and hybrid retrieval latency",
            "",
            f"Run {r['date']} at commit `{r['commit']}` with `python -m evals.bench_query_embedding`: "
            f"{r['questions']} gold questions x {r['repeats']} passes, every variant side by side "
            "(one question on each variant in a rotating order, then the next).",
            "",
            f"Machine: {m['cpu']}, {m['cores']} cores; torch {m['torch']}, transformers {m['transformers']}, "
            f"sentence-transformers {m['sentence_transformers']}. A load average above the core count means "
            "other processes shared the CPU and wall times are inflated; CPU ms (the process's CPU time per "
            "call) is what a query costs a core.",
            "",
            f"With ONNX Runtime the hybrid search returns the same chunks in the same order as torch for "
            f"{r['same_hits']} of {r['questions']} questions.",
            "",
            *[line for p in passes for line in pass_section(r, p)],
        ]
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Before any model library loads (they read these at import); evals.bench sets the same.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    result = run(args)
    out = Path(args.out)
    out.with_suffix(".json").write_text(json.dumps(result, indent=1))
    out.with_suffix(".md").write_text(markdown(result))
    print(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
