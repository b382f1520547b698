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
import socket  # noqa: E402
import threading  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402
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


class GatedEmbedder(FakeEmbedder):
    """Loads only once the test sets `release`: a start-up that takes as long as the test needs."""

    def __init__(self, seconds: float = 120):
        super().__init__()
        self.release = threading.Event()
        self.seconds = seconds  # how long warm_up waits before the test fails

    def warm_up(self):
        assert self.release.wait(self.seconds), "the test never let the embedder load"


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
    return fake_settings_for(tmp_path, docs_copy)


def fake_settings_for(root: Path, docs: Path, index_name: str = "index") -> Settings:
    return Settings(
        docs_dir=docs,
        index_dir=root / index_name,
        cache_dir=root / "cache",
        embedding_model="fake-embedder",
        generator_model="none",
        generate="always",  # a fake generator given to these pipelines writes every answer
        language_model="blank:en",  # spaCy's rule-based sentences: no model to load
    )


@pytest.fixture(scope="session")
def model_settings(tmp_path_factory) -> Settings:
    """The packaged default models; the index lives in a temp folder, the model cache in the user cache
    (converting the GGUF takes a minute, so it is kept between runs like any user's would be).

    The generator backend is transformers, the default without the `fast` extra, unless
    QA_GENERATOR_BACKEND asks for another; tests/test_llama_generation.py covers llama-cpp beside it."""
    index_dir = tmp_path_factory.mktemp("model-index")
    backend = os.environ.get("QA_GENERATOR_BACKEND") or "transformers"
    return Settings(docs_dir=SEEDS, index_dir=index_dir, generator_backend=backend)


@pytest.fixture(scope="session")
def real_embedder():
    """The packaged default embedding model alone, loaded once per test session."""
    from qa.config import DEFAULT_EMBEDDING
    from qa.retrieval.embedding import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder(DEFAULT_EMBEDDING)
    embedder.warm_up()
    return embedder


@pytest.fixture(scope="session")
def model_pipeline(model_settings):
    """The real pipeline, models loaded once per test session."""
    from qa.answer.pipeline import Pipeline
    from qa.retrieval.retriever import Retriever

    pipeline = Pipeline(model_settings, retriever=Retriever.from_settings(model_settings, build=True))
    pipeline.warm_up()
    return pipeline


@pytest.fixture(scope="session")
def writing_pipeline(model_pipeline):
    """The real pipeline with the generator writing every answer (generate="always"), same loaded models."""
    from qa.answer.pipeline import Pipeline

    settings = model_pipeline.settings.replace(generate="always")
    return Pipeline(settings, generator=model_pipeline.generator, retriever=model_pipeline.retriever)


def gold_prompts(pipeline, count: int) -> list:
    """The verified pipeline's own prompts for the first gold questions, on the pipeline's loaded index."""
    from evals.compare_backends import collect_prompts

    prompts = collect_prompts(pipeline.settings, ROOT / "evals" / "gold.jsonl", count, pipeline.retriever)
    return [p["messages"] for p in prompts]


# --- fakes for the web, load and reliability tests (no model is loaded) -------------------------------


class FakeGenerator:
    """Replies with a fixed text, or whatever reply(messages) returns; raising is a way to fail.

    `gate`, when given, makes every generation wait until the test sets it (a slow generation on
    demand); `entered` is set as soon as a generation starts, `running`/`most_at_once` count them.
    """

    def __init__(self, reply: str | Callable = "", gate: threading.Event | None = None):
        self.name = "fake-generator"
        self.reply = reply
        self.gate = gate
        self.entered = threading.Event()
        self.running = 0
        self.most_at_once = 0
        self._count = threading.Lock()

    def stream(self, messages):
        with self._count:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        self.entered.set()
        try:
            if self.gate is not None:
                assert self.gate.wait(60), "the test never opened the gate"
            text = self.reply(messages) if callable(self.reply) else self.reply
            yield from (text[i : i + 8] for i in range(0, len(text), 8))  # pieces, as a model streams
        finally:
            with self._count:
                self.running -= 1


def fake_pipeline(settings: Settings, generator=None):
    """A real Pipeline over a fresh index of settings.docs_dir built with the fake embedder,
    answering with `generator` (None: extractively)."""
    from qa.answer.pipeline import Pipeline
    from qa.index.indexer import build_index
    from qa.index.store import IndexStore
    from qa.retrieval.retriever import Retriever

    embedder = FakeEmbedder()
    build_index(settings, embedder, progress=False)
    retriever = Retriever(IndexStore.load(settings.index_dir), embedder, settings.retrieval)
    return Pipeline(settings, retriever=retriever, generator=generator)


FERRY_QUESTION = "How much is the night ferry to Lund?"


def ferry_statement_pipeline(tmp_path: Path):
    """A fake pipeline over one note whose fare is the harbour office's statement, generating
    "The night ferry to Lund costs 12 euros [1]." (the answer should name the harbour office)."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "ferry.md").write_text(
        "# Ferry notes\n\nThe harbour of Orvik has two piers. "
        "According to the harbour office, the night ferry to Lund costs 12 euros.\n"
    )
    generator = FakeGenerator("The night ferry to Lund costs 12 euros [1].")
    return fake_pipeline(fake_settings_for(tmp_path, docs), generator)


@pytest.fixture
def make_pipeline(tmp_path: Path, docs_copy: Path):
    """Factory: fake_pipeline over the seed articles plus `extra` files ({name: text or bytes})."""

    def make(generator=None, extra: dict[str, str | bytes] | None = None, name: str = "index"):
        for file, content in (extra or {}).items():
            path = docs_copy / file
            path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content)
        return fake_pipeline(fake_settings_for(tmp_path, docs_copy, name), generator)

    return make


@pytest.fixture
def qdrant_server(monkeypatch):
    """One in-memory qdrant-client standing in for a Qdrant server: every url connects to it."""
    from qdrant_client import QdrantClient

    from qa.index import qdrant_vectors

    fake = QdrantClient(location=":memory:")
    real_connect = qdrant_vectors._connect
    monkeypatch.setattr(qdrant_vectors, "_connect", lambda url, key: fake if url else real_connect(url, key))
    return fake


def collection_names(client) -> set[str]:
    return {c.name for c in client.get_collections().collections}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_app(pipeline, **launch) -> Iterator[str]:
    """The Gradio app of a pipeline served on a free loopback port; yields its URL."""
    from qa.app.web import PAGE_ASSETS, build_app

    demo = build_app(pipeline)
    port = free_port()
    launch = {**PAGE_ASSETS, **launch}  # the page's CSS and script (citation clicks, scrolling)
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, **launch)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()


def chromium_paths() -> tuple[str, str] | None:
    """(chromium, chromedriver) when both are installed (scripts/setup.sh --test installs them)."""
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    return (chromium, driver) if chromium and driver else None


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium driven by selenium; skipped where it is not installed."""
    paths = chromium_paths()
    if paths is None:
        pytest.skip(
            "chromium and chromium-driver are not installed (bash scripts/setup.sh --test installs them)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = paths[0]
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1200,1400",
    ):
        options.add_argument(flag)
    drv = webdriver.Chrome(service=Service(paths[1]), options=options)
    yield drv
    drv.quit()


def read_docs(root: Path) -> list:
    """The Documents of a folder's readable files, read one by one as the indexer reads them
    (qa.ingest.corpus.list_sources and read_document); files that cannot be used are left out."""
    from qa.ingest.corpus import Document, list_sources, read_document

    found = [read_document(path, Path(root)) for path in list_sources(Path(root))]
    return [d for d in found if isinstance(d, Document)]


def chunked(docs, chunk_chars: int = 700, overlap: int = 1, language_model: str = "blank:en"):
    """(chunks, SentenceIndex) of Documents, as the indexer makes them; spaCy's rule-based sentences
    by default, so no model is loaded."""
    from qa.ingest.analysis import SentenceIndex, parse_paragraphs
    from qa.ingest.chunking import chunk_document
    from qa.nlp import load_nlp

    nlp = load_nlp(language_model)
    chunks, parsed = [], []
    for doc in docs:
        paragraphs = parse_paragraphs(doc, nlp)
        parsed.extend(paragraphs)
        chunks.extend(chunk_document(doc, paragraphs, chunk_chars, overlap))
    return chunks, SentenceIndex(parsed)
