"""Vector backends side by side: build+save, open, and search latency, FAISS vs in-process Qdrant.

    python evals/bench_vectors.py [--rows 20000] [--queries 200] [--out evals/VECTORS.md]

Random unit vectors of the packaged embedder's width (384); exact search on both sides, so the
rankings agree (checked) and only the cost differs. A Qdrant server is not measured here: its cost
is the network and the cluster, not this process.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from qa.index.vectors import new_vectors, open_vectors

DIM = 384


def bench(backend: str, data: np.ndarray, queries: np.ndarray, k: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        t = time.perf_counter()
        index = new_vectors(DIM, backend)
        index.add(data)
        record = index.save(Path(folder), "build-bench")
        build = time.perf_counter() - t
        t = time.perf_counter()
        index = open_vectors(record, Path(folder), DIM)
        opened = time.perf_counter() - t
        index.search(queries[:1], k)  # warm
        single = []
        for q in queries:
            t = time.perf_counter()
            _, rows = index.search(q[None], k)
            single.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        _, batch_rows = index.search(queries, k)
        batch = (time.perf_counter() - t) * 1000
    return {
        "build_s": build,
        "open_s": opened,
        "p50_ms": statistics.median(single),
        "p95_ms": float(np.percentile(single, 95)),
        "batch_ms_per_query": batch / len(queries),
        "rows": batch_rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("-k", type=int, default=30, help="depth (hybrid retrieval asks for 30)")
    parser.add_argument("--out", default="evals/VECTORS.md")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    data = rng.normal(size=(args.rows, DIM)).astype(np.float32)
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    queries = data[rng.choice(args.rows, args.queries, replace=False)] + 0.1 * rng.normal(
        size=(args.queries, DIM)
    ).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    results = {b: bench(b, data, queries, args.k) for b in ("faiss", "qdrant")}
    agree = float(np.mean(results["faiss"]["rows"] == results["qdrant"]["rows"]))
    lines = [
        "# Vector backends: FAISS vs in-process Qdrant",
        "",
        f"{args.rows:,} random unit vectors × {DIM} dims, {args.queries} queries, top-{args.k}, exact search;"
        " "
        "2-core CPU shared with other work (numbers are indicative). `python evals/bench_vectors.py`.",
        "",
        "| backend | build + save (s) | open (s) | search p50 (ms) | search p95 (ms) | batched (ms/query) |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        lines.append(
            f"| {name} | {r['build_s']:.2f} | {r['open_s']:.2f} | {r['p50_ms']:.2f} | {r['p95_ms']:.2f} "
            f"| {r['batch_ms_per_query']:.2f} |"
        )
    lines += [
        "",
        f"Same row at the same rank in {agree:.1%} of the {args.queries}×{args.k} places.",
        "",
        "In-process Qdrant is for tests and small embedded use; it exists so the same code path runs",
        "against a Qdrant server or cluster (`QA_QDRANT_URL`), where the vectors no longer need to fit",
        "in this process. FAISS stays the default on one machine.",
        "",
    ]
    Path(args.out).write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
