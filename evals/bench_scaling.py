"""Scaling of the vector index: synthetic clustered vectors at 10k..1M, each FAISS index type.

Vectors are drawn around topic centres (a few hundred per corpus size, uneven in size), with the
spread of real sentence embeddings inside a topic (cosine to the centre about 0.6), so IVF lists
and HNSW graphs see structure as they would on text, not uniform noise where every point is alone.
Indexes are built by qa.index.faiss_index.build_index, exactly as the product builds them.
"""

from __future__ import annotations

import logging
import math
import statistics
import time
from dataclasses import asdict, dataclass, field

import faiss
import numpy as np

from qa.index import faiss_index

log = logging.getLogger(__name__)

DIM = 384
K = 10
TARGET_RECALL = 0.95
IVF_SWEEP = [1, 2, 4, 8, 16, 32, 64, 128]
SWEEPS = {"hnsw": [16, 32, 64, 128, 256], "ivf": IVF_SWEEP, "ivfsq8": IVF_SWEEP}


@dataclass(frozen=True)
class ScalingResult:
    n: int
    index_type: str
    build_s: float
    memory_mb: float  # serialized size of the index: vectors, codes, graph and lists
    query_p50_ms_1thread: float
    query_p50_ms_all_threads: float
    recall_at_10: float  # with the product's search parameter
    search_param: str  # e.g. "efSearch=64" or "nprobe=32"; "" for flat
    sweep: list[dict] = field(default_factory=list)  # [{"param", "recall", "batch_ms_per_query"}]
    min_param_for_target: int | None = None  # smallest swept value with recall@10 >= TARGET_RECALL

    def to_dict(self) -> dict:
        return asdict(self)


def clustered_vectors(n: int, dim: int = DIM, seed: int = 0, topics: int | None = None) -> np.ndarray:
    """n L2-normalised float32 vectors around `topics` random centres with Zipf-like topic sizes.

    >>> v = clustered_vectors(1000, 16, seed=1)
    >>> v.shape, v.dtype, bool(np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-5))
    ((1000, 16), dtype('float32'), True)
    """
    rng = np.random.default_rng(seed)
    topics = topics or max(20, int(2 * np.sqrt(n)))
    centres = rng.standard_normal((topics, dim), dtype=np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    weights = 1.0 / np.arange(1, topics + 1) ** 0.7
    labels = rng.choice(topics, size=n, p=weights / weights.sum())
    out = np.empty((n, dim), dtype=np.float32)
    step = 100_000  # in blocks, so 1M x 384 needs no float64 temporaries of 3 GB
    for start in range(0, n, step):
        rows = slice(start, min(n, start + step))
        noise = rng.standard_normal((rows.stop - rows.start, dim), dtype=np.float32)
        noise *= 1.3 / np.sqrt(dim)  # |noise| ~ 1.3: cosine to the centre ~ 0.6
        block = centres[labels[rows]] + noise
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[rows] = block
    return out


def exact_neighbours(vectors: np.ndarray, queries: np.ndarray, k: int = K) -> np.ndarray:
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    _, rows = index.search(queries, k)
    return rows


def recall_at_k(found: np.ndarray, truth: np.ndarray) -> float:
    """Mean share of the exact top-k that the index also returned.

    >>> recall_at_k(np.array([[1, 2, 3]]), np.array([[3, 2, 9]]))
    0.6666666666666666
    """
    hits = [len(set(f) & set(t)) / len(t) for f, t in zip(found.tolist(), truth.tolist(), strict=True)]
    return float(np.mean(hits))


def single_query_p50_ms(index: faiss.Index, queries: np.ndarray, threads: int) -> float:
    """Median latency of one query at a time (as the chat asks), after a short warm-up."""
    faiss.omp_set_num_threads(threads)
    try:
        for q in queries[:5]:
            index.search(q.reshape(1, -1), K)
        times = []
        for q in queries:
            t = time.perf_counter()
            index.search(q.reshape(1, -1), K)
            times.append((time.perf_counter() - t) * 1000)
        return statistics.median(times)
    finally:
        faiss.omp_set_num_threads(faiss_threads_default())


def faiss_threads_default() -> int:
    import os

    return os.cpu_count() or 1


def _set_param(index: faiss.Index, kind: str, value: int) -> None:
    index = faiss.downcast_index(index)
    if kind == "hnsw":
        index.hnsw.efSearch = value
    else:
        index.nprobe = value


def _get_param(index: faiss.Index, kind: str) -> int | None:
    index = faiss.downcast_index(index)
    if kind == "hnsw":
        return int(index.hnsw.efSearch)
    if kind.startswith("ivf"):
        return int(index.nprobe)
    return None


def sweep(index: faiss.Index, kind: str, queries: np.ndarray, truth: np.ndarray) -> list[dict]:
    """Recall@10 and batched time per query at each search parameter value; the index is restored."""
    default = _get_param(index, kind)
    rows = []
    for value in SWEEPS.get(kind, []):
        if kind != "hnsw" and value > faiss.downcast_index(index).nlist:
            break
        _set_param(index, kind, value)
        t = time.perf_counter()
        _, found = index.search(queries, K)
        rows.append(
            {
                "param": value,
                "recall": recall_at_k(found, truth),
                "batch_ms_per_query": (time.perf_counter() - t) * 1000 / len(queries),
            }
        )
    if default is not None:
        _set_param(index, kind, default)
    return rows


def measure(
    vectors: np.ndarray, queries: np.ndarray, truth: np.ndarray, kind: str, latency_queries: int = 200
) -> ScalingResult:
    """Build one index type over the vectors and measure it."""
    t = time.perf_counter()
    index = faiss_index.build_index(vectors, kind)
    build_s = time.perf_counter() - t
    memory_mb = faiss.serialize_index(index).nbytes / 1e6
    _, found = index.search(queries, K)
    recall = recall_at_k(found, truth)
    param = _get_param(index, kind)
    name = "efSearch" if kind == "hnsw" else "nprobe" if kind.startswith("ivf") else ""
    rows = sweep(index, kind, queries, truth)
    reaching = [r["param"] for r in rows if r["recall"] >= TARGET_RECALL]
    timed = queries[:latency_queries]
    result = ScalingResult(
        n=len(vectors),
        index_type=kind,
        build_s=build_s,
        memory_mb=memory_mb,
        query_p50_ms_1thread=single_query_p50_ms(index, timed, 1),
        query_p50_ms_all_threads=single_query_p50_ms(index, timed, faiss_threads_default()),
        recall_at_10=recall,
        search_param=f"{name}={param}" if name else "",
        sweep=rows,
        min_param_for_target=reaching[0] if reaching else None,
    )
    log.info("scaling %s", result)
    return result


def projected_build_s(n: int, measured: tuple[int, float]) -> float:
    """Build time at n from one measured at a smaller size, growing as n log n.

    >>> round(projected_build_s(1_000_000, (100_000, 60.0)))
    720
    """
    m, seconds = measured
    return seconds * (n / m) * (math.log(n) / math.log(max(m, 2)))


def run_scaling(
    sizes: list[int],
    kinds: list[str],
    queries: int = 200,
    seed: int = 0,
    progress=print,
    max_build_s: float | None = None,
) -> tuple[list[ScalingResult], list[dict]]:
    """Every index type at every size; the smaller corpora are prefixes of the largest one.

    With max_build_s, a type whose build at this size projects (from its build at the previous
    size) beyond that many seconds is skipped; the skip and its projection are returned.
    """
    largest = max(sizes)
    progress(f"scaling: generating {largest:,} clustered {DIM}-dim vectors")
    data = clustered_vectors(largest + queries, seed=seed)
    query_vectors, corpus = data[:queries], data[queries:]
    results, skipped = [], []
    built: dict[str, tuple[int, float]] = {}  # kind -> (n, build seconds) at the last size measured
    for n in sorted(sizes):
        vectors = corpus[:n]
        truth = exact_neighbours(vectors, query_vectors)
        for kind in kinds:
            if max_build_s and kind in built:
                projected = projected_build_s(n, built[kind])
                if projected > max_build_s:
                    budget = f"{max_build_s / 60:.0f} min"
                    reason = f"build projected at {projected / 60:.0f} min, over the {budget} budget"
                    progress(f"scaling: {kind} at {n:,} skipped: {reason}")
                    skipped.append({"n": n, "index_type": kind, "reason": reason})
                    continue
            progress(f"scaling: {kind} at {n:,}")
            # Flat at 1M reads 1.5 GB a query: 50 timed queries give a stable median.
            timed = 50 if kind == "flat" and n >= 500_000 else queries
            r = measure(vectors, query_vectors, truth, kind, timed)
            results.append(r)
            built[kind] = (n, r.build_s)
            progress(
                f"scaling: {kind} at {n:,}: build {r.build_s:.1f} s, {r.memory_mb:.0f} MB, query p50 "
                f"{r.query_p50_ms_1thread:.2f} ms (1 thread) / {r.query_p50_ms_all_threads:.2f} ms (all), "
                f"recall@10 {r.recall_at_10:.3f} at {r.search_param or 'exact'}"
            )
    return results, skipped
