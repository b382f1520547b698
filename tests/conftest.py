"""Shared fixtures. Offline mode is set before anything imports transformers or the hub client."""

from __future__ import annotations

import hashlib
import os
import tempfile

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
# Hypothesis keeps its example cache in ./.hypothesis unless told otherwise; tests write only to temp.
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(tempfile.gettempdir(), "qa-hypothesis"))

import shutil  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from qa.config import Settings  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
JIANGXI_FILE = "001_5c3b6ceae2eb49f9.txt"


class FakeEmbedder:
    """Deterministic bag-of-words vectors from hashed tokens: similar texts get similar vectors."""

    def __init__(self, name: str = "fake-embedder", dim: int = 64):
        self.name = name
        self.dim = dim
        self.calls = 0
        self.texts: list[str] = []  # every text embedded, in order, so tests can tell what was re-embedded

    def embed(self, texts: list[str], progress: bool = False) -> np.ndarray:
        self.calls += 1
        self.texts.extend(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                h = int(hashlib.sha256(word.encode()).hexdigest(), 16)
                out[row, h % self.dim] += 1.0
            norm = np.linalg.norm(out[row])
            out[row] = out[row] / norm if norm else out[row]
        return out


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def docs_copy(tmp_path: Path) -> Path:
    """A writable copy of the seed articles."""
    target = tmp_path / "docs"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture
def fake_settings(tmp_path: Path, docs_copy: Path) -> Settings:
    """Settings for model-free tests: fake embedder name, no generator, everything under tmp_path."""
    return Settings(
        docs_dir=docs_copy,
        index_dir=tmp_path / "index",
        cache_dir=tmp_path / "cache",
        embedding_model="fake-embedder",
        generator_model="none",
    )


@pytest.fixture(scope="session")
def model_settings(tmp_path_factory) -> Settings:
    """The packaged default models; the index lives in a temp folder, the model cache in the user cache
    (converting the GGUF takes a minute, so it is kept between runs like any user's would be)."""
    index_dir = tmp_path_factory.mktemp("model-index")
    return Settings(docs_dir=SEEDS, index_dir=index_dir)


@pytest.fixture(scope="session")
def model_pipeline(model_settings):
    """The real pipeline, models loaded once per test session."""
    from qa.pipeline import Pipeline

    pipeline = Pipeline(model_settings)
    pipeline.warm_up()
    return pipeline
