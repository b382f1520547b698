"""Which FAISS index suits a corpus of n vectors, and building it with its search parameters set.

Exact (flat) search reads every vector for every query, so its cost grows with n * dim; past a
size it is slower than an approximate index giving the same answers. The thresholds and search
parameters below come from `python -m evals.bench` (evals/BENCH.md, "Scaling"): clustered
384-dimensional vectors, recall@10 measured against exact search.

All indexes use inner product over L2-normalised vectors, so scores are cosines. efSearch and
nprobe are written into the index file by FAISS, so a loaded index searches as it was built.
"""

from __future__ import annotations

import logging
import math

import faiss
import numpy as np

log = logging.getLogger(__name__)

INDEX_TYPES = ("flat", "hnsw", "ivf", "ivfsq8")  # what the index_type setting may name, besides "auto"

# Flat stays exact while one query reads at most this many floats (50k x 384 = 19M floats, 77 MB:
# a few ms on one core). Beyond it IVF answers in about a millisecond at recall@10 >= 0.95, while
# flat grows linearly (20-50 ms at 100k on one core of a busy CPU; see evals/BENCH.md).
FLAT_MAX_VALUES = 50_000 * 384

HNSW_M = 32  # graph neighbours per node; M=16 stayed below recall@10 0.95 even at efSearch 256
HNSW_EF_CONSTRUCTION = 40  # FAISS's default
HNSW_EF_SEARCH = 128  # measured: recall@10 0.97 at 100k, where 64 gives 0.93

IVF_LISTS_PER_SQRT_N = 4  # nlist = 4 * sqrt(n), the usual rule of thumb
IVF_MIN_POINTS_PER_LIST = 39  # FAISS's k-means wants at least 39 training points per centroid
# k-means on 32 points a list and 10 iterations trains 3x faster than FAISS's defaults (256, 25)
# at the same recall here.
IVF_TRAIN_POINTS_PER_LIST = 32
IVF_TRAIN_ITERATIONS = 10
# A query scans at least 1/128 of the lists and enough lists to cover ~10,000 vectors. Measured
# recall@10 in the full benchmark (evals/BENCH.md, clustered 384-dim vectors): 100k vectors, 1265 lists:
# 26 probes 0.929, 64 0.948, 128 0.965; 1M, 4000 lists: 16 probes 0.973, 32 0.989, 64 1.000. Scanning
# 2,000 vectors (the first choice, from a smaller run) missed 0.95 at 100k; 10,000 costs about 1.4 ms.
IVF_PROBE_SHARE = 1 / 128
IVF_MIN_SCANNED = 10_000


def choose_index_type(n: int, dim: int, requested: str = "auto") -> str:
    """The index type for n vectors of dim dimensions; `requested` other than "auto" wins.

    >>> choose_index_type(300, 384), choose_index_type(50_000, 384), choose_index_type(1_000_000, 384)
    ('flat', 'flat', 'ivf')
    >>> choose_index_type(300, 384, "hnsw"), choose_index_type(0, 384, "ivf")
    ('hnsw', 'flat')

    An empty corpus is always flat: there is nothing to train an approximate index on.
    """
    if requested != "auto" and requested not in INDEX_TYPES:
        raise ValueError(f"unknown index type {requested!r}; choose auto or one of {', '.join(INDEX_TYPES)}")
    if n == 0:
        return "flat"
    if requested != "auto":
        return requested
    return "flat" if n * dim <= FLAT_MAX_VALUES else "ivf"


def ivf_lists(n: int) -> int:
    """Number of IVF lists for n vectors: 4 * sqrt(n), but no more than the training data supports.

    >>> ivf_lists(1_000_000), ivf_lists(100_000), ivf_lists(100), ivf_lists(1)
    (4000, 1265, 2, 1)
    """
    wanted = round(IVF_LISTS_PER_SQRT_N * math.sqrt(n))
    return max(1, min(wanted, n // IVF_MIN_POINTS_PER_LIST))


def ivf_probes(nlist: int, n: int) -> int:
    """Lists searched per query: at least nlist / 128, and enough to scan about IVF_MIN_SCANNED vectors.

    >>> ivf_probes(4000, 1_000_000), ivf_probes(1265, 100_000), ivf_probes(400, 10_000), ivf_probes(2, 100)
    (40, 127, 400, 2)
    """
    by_share = round(nlist * IVF_PROBE_SHARE)
    by_scan = math.ceil(nlist * IVF_MIN_SCANNED / max(n, 1))
    return max(1, min(nlist, max(by_share, by_scan)))


def build_index(vectors: np.ndarray, index_type: str) -> faiss.Index:
    """A trained, filled FAISS index of this type over the (n, dim) float32 vectors."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n, dim = vectors.shape
    ip = faiss.METRIC_INNER_PRODUCT
    if index_type == "flat":
        index = faiss.IndexFlatIP(dim)
    elif index_type == "hnsw":
        index = faiss.IndexHNSWFlat(dim, HNSW_M, ip)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    elif index_type in ("ivf", "ivfsq8"):
        nlist = ivf_lists(n)
        quantizer = faiss.IndexFlatIP(dim)
        if index_type == "ivf":
            index = faiss.IndexIVFFlat(quantizer, dim, nlist, ip)
        else:  # one byte a dimension, 4x less memory; 8-bit PQ codes lost too much recall here
            index = faiss.IndexIVFScalarQuantizer(quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit, ip)
        index.cp.min_points_per_centroid = 1  # small corpora: train anyway instead of warning
        index.cp.max_points_per_centroid = IVF_TRAIN_POINTS_PER_LIST
        index.cp.niter = IVF_TRAIN_ITERATIONS
        index.train(vectors)
        index.nprobe = ivf_probes(nlist, n)
    else:
        raise ValueError(f"unknown index type {index_type!r}; choose one of {', '.join(INDEX_TYPES)}")
    index.add(vectors)
    log.info("built a %s FAISS index over %d vectors", index_type, n)
    return index
