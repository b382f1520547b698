"""A logistic regression over named features: the model behind the learned reader and gate.

Weights are plain JSON (never pickled), written by a training script in evals/ and checked by
sha256 when loaded, like every other model file.
"""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path

import numpy as np

from qa.errors import ModelError
from qa.hashing import sha256_file


class Logistic:
    """P(label | features) = sigmoid(w · standardised features); missing features count as 0."""

    def __init__(self, weights: dict[str, float], mean: dict[str, float], scale: dict[str, float]):
        self.weights, self.mean, self.scale = weights, mean, scale

    def score(self, features: dict[str, float]) -> float:
        """w · standardised features (the log-odds)."""
        return sum(
            self.weights.get(k, 0.0) * (v - self.mean.get(k, 0.0)) / self.scale.get(k, 1.0)
            for k, v in features.items()
        )

    def probability(self, features: dict[str, float]) -> float:
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, self.score(features)))))

    def to_json(self) -> dict:
        return {"weights": self.weights, "mean": self.mean, "scale": self.scale}


@functools.lru_cache(maxsize=4)
def load_weights(path: str, sha256: str, trainer: str) -> tuple[dict, dict, dict]:
    """(weights, mean, scale) from a weights file checked against its sha256 ("" skips the check)."""
    file = Path(path)
    if not file.is_file():
        raise ModelError(f"weights {file} are missing: reinstall qa or run python -m {trainer}")
    if sha256 and sha256_file(file) != sha256:
        raise ModelError(f"weights {file} fail their checksum: reinstall qa or run python -m {trainer}")
    data = json.loads(file.read_text())
    return data["weights"], data["mean"], data["scale"]


def fit(rows: list[dict[str, float]], labels: list[int], l2: float = 1.0, steps: int = 400) -> Logistic:
    """Logistic regression by full-batch gradient descent (Adam) on standardised features.

    Every row needs a "bias" feature of 1.0; it is left unstandardised.
    """
    names, xs, mean, scale = _standardised(rows)
    y = np.asarray(labels, dtype=np.float64)

    def gradient(w):
        p = 1 / (1 + np.exp(-np.clip(xs @ w, -30, 30)))
        return xs.T @ (p - y) / len(y)

    return _model(names, _adam(gradient, len(names), l2, len(y), steps), mean, scale)


def fit_listwise(
    groups: list[list[dict[str, float]]], targets: list[list[float]], l2: float = 1.0, steps: int = 400
) -> Logistic:
    """A linear score trained so that a softmax over each group (one question's candidates) puts
    its probability on the group's targets (weights summing to 1 over the right candidates)."""
    rows = [r for g in groups for r in g]
    names, xs, mean, scale = _standardised(rows)
    bounds = np.cumsum([0] + [len(g) for g in groups])
    t = np.asarray([v for g in targets for v in g], dtype=np.float64)
    group_of = np.repeat(np.arange(len(groups)), [len(g) for g in groups])

    def gradient(w):
        z = xs @ w
        top = np.maximum.reduceat(z, bounds[:-1])
        e = np.exp(z - top[group_of])
        p = e / np.add.reduceat(e, bounds[:-1])[group_of]
        return xs.T @ (p - t) / len(groups)

    return _model(names, _adam(gradient, len(names), l2, len(groups), steps), mean, scale)


def _standardised(rows: list[dict[str, float]]):
    names = sorted({k for r in rows for k in r})
    index = {k: i for i, k in enumerate(names)}
    x = np.zeros((len(rows), len(names)), dtype=np.float64)
    for r, row in enumerate(rows):
        for k, v in row.items():
            x[r, index[k]] = v
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    mean[index["bias"]], scale[index["bias"]] = 0.0, 1.0
    scale[scale < 1e-6] = 1.0
    return names, (x - mean) / scale, mean, scale


def _adam(gradient, size: int, l2: float, n: int, steps: int) -> np.ndarray:
    w = np.zeros(size)
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    for step in range(1, steps + 1):
        grad = gradient(w) + l2 * w / n
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad**2
        w -= 0.05 * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return w


def _model(names: list[str], w: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> Logistic:
    keep = np.abs(w) > 1e-6
    return Logistic(
        {k: float(w[i]) for i, k in enumerate(names) if keep[i]},
        {k: float(mean[i]) for i, k in enumerate(names) if keep[i]},
        {k: float(scale[i]) for i, k in enumerate(names) if keep[i]},
    )
