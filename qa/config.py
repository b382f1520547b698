"""All settings in one frozen dataclass, built at the entry points.

Precedence: explicit overrides (CLI flags) > environment variables (QA_*) > defaults.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

from qa.errors import InputError
from qa.inputs import MAX_K

DEFAULT_EMBEDDING = "packaged:all-MiniLM-L6-v2"
DEFAULT_GENERATOR = "packaged:qwen2.5-coder-0.5b-instruct"


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "qa"


@dataclass(frozen=True)
class Settings:
    docs_dir: Path = Path("seeds")  # folder of .txt/.md articles
    index_dir: Path = Path("index")  # where the built index lives
    # Files added from the web page (qa/ingest/uploads.py); None = "uploads" beside the index folder.
    # Never the documents folder: the shipped seeds/ must stay as shipped.
    uploads_dir: Path | None = None
    cache_dir: Path = dataclasses.field(default_factory=_default_cache_dir)  # converted models
    embedding_model: str = DEFAULT_EMBEDDING  # "packaged:...", a hub id or a local folder
    # How a question is embedded: onnx = an ONNX Runtime copy of the model, exported once into the
    # cache and checked to give the same vectors, 2-3x faster (evals/QUERY-EMBEDDING.md); torch.
    query_runtime: str = "onnx"  # onnx | torch
    generator_model: str = DEFAULT_GENERATOR  # "packaged:...", "none", a hub id or a local folder
    # spaCy pipeline for sentences, entities, noun chunks and lemmas: "packaged:en_core_web_sm",
    # an installed pipeline package's name, or a local folder (qa/nlp.py)
    language_model: str = "packaged:en_core_web_sm"
    # An OpenAI-compatible server (llama-server, vLLM, Ollama...) that writes the answers instead of a
    # local model, e.g. "http://127.0.0.1:8080/v1"; generator_model then names the served model.
    generator_url: str = ""
    generator_dtype: str = "auto"  # auto | float32 | bfloat16 (transformers backend)
    # auto = llama-cpp when llama-cpp-python is installed and the generator is a GGUF, else transformers
    generator_backend: str = "auto"  # auto | transformers | llama-cpp
    retrieval: str = "hybrid"  # hybrid | dense | bm25
    # Weight of the dense ranking in hybrid fusion (BM25 weighs 1). Measured on evals/gold.jsonl:
    # MRR 0.903 bm25 alone, 0.888 at 0.25, 0.863 at 1.0; 0.25 keeps some meaning-based recall.
    dense_weight: float = 0.25
    # relative: each side's scores min-max normalised over its candidates and summed, weighted as above; a
    # chunk BM25 ranks first by a wide margin stays first. rrf: reciprocal-rank fusion, which sees only
    # ranks. Dev golds, top-5 / MRR, rrf -> relative: SQuAD 0.971/0.905 -> 0.979/0.924, manuals
    # 0.833/0.718 -> 0.900/0.779, PDFs 0.935/0.791 -> 0.968/0.849, seeds 1.000/0.930 -> 1.000/0.932.
    fusion: str = "relative"  # relative | rrf
    # passages retrieved per question: the chunks a long manual or PDF answers from rank below 5 more
    # often (dev golds, recall@5 -> @10: manuals 0.867 -> 0.967, PDFs 0.935 -> 0.968); 8 answered PDFs
    # 64.5 -> 67.7% and SQuAD 79.7 -> 80.1% on the dev halves, 10 no better
    top_k: int = 8
    evidence_sentences: int = 4  # sentences chosen as evidence (answer spans, abstention, verification)
    # the best of them numbered in the generator's prompt; every one costs ~50 prompt tokens of prefill
    prompt_sentences: int = 4
    chunk_chars: int = 700  # target chunk size in characters
    chunk_overlap: int = 1  # sentences shared by neighbouring chunks of one paragraph
    # Files bigger than this are skipped, with the reason, not read: 10 MB of text is ~15,000 chunks,
    # about half an hour of embedding on a busy 2-core machine. The manifest records it, so a change
    # makes the index stale (the files it now lets in or leaves out).
    max_file_mb: float = 10.0
    # ask/search/chat/the web app build a missing or stale index themselves only when the estimated
    # embedding time (qa/index/planning.py) is at most this many seconds; a longer build is refused with
    # a pointer to `qa index`. 0: never build implicitly. The library never builds unless asked.
    auto_build_seconds: float = 300.0
    max_new_tokens: int = 48
    max_question_chars: int = 2000
    pipeline: str = "verified"  # verified | plain (the baseline: passages in, answer out)
    # when-needed: the generator writes only when no quoted span of a line answers; always: it writes
    # every answer (then verified, the span as fallback)
    generate: str = "when-needed"  # when-needed | always
    # Answer strategies switched off, comma-separated (qa/answer/strategies.py STRATEGY_NAMES), so the
    # evaluation can show what each is worth: e.g. "short-answer,keyword-gate"
    disabled_strategies: str = ""
    # Abstain when the best answering sentence's support (qa/answer/support.py) is below this.
    # Chosen on the dev halves of the gold sets (evals/REPORT.md, the trade-off curve).
    min_support: float = 0.0
    # 0 = all cores for torch, all but one for llama.cpp (evals/BACKENDS.md), two for ONNX questions
    threads: int = 0
    # auto picks by corpus size: flat (exact) up to ~50k chunks, then IVF (see qa/index/faiss_index.py).
    index_type: str = "auto"  # auto | flat | hnsw | ivf | ivfsq8
    host: str = "127.0.0.1"
    port: int = 7860
    vector_store: str = "faiss"  # faiss | qdrant (needs the qdrant extra)
    qdrant_url: str = ""  # "" keeps Qdrant in-process, vectors in the build folder; else a server/cluster
    qdrant_api_key: str = dataclasses.field(default="", repr=False)  # never logged nor written to the index

    def __post_init__(self) -> None:
        choices = {
            "retrieval": ("hybrid", "dense", "bm25"),
            "fusion": ("relative", "rrf"),
            "query_runtime": ("onnx", "torch"),
            "pipeline": ("verified", "plain"),
            "generate": ("when-needed", "always"),
            "generator_dtype": ("auto", "float32", "bfloat16"),
            "generator_backend": ("auto", "transformers", "llama-cpp"),
            "index_type": ("auto", "flat", "hnsw", "ivf", "ivfsq8"),  # faiss_index.INDEX_TYPES
            "vector_store": ("faiss", "qdrant"),
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise InputError(f"{name} must be one of {', '.join(allowed)}, not {getattr(self, name)!r}")
        for name in (
            "top_k",
            "evidence_sentences",
            "prompt_sentences",
            "chunk_chars",
            "max_new_tokens",
            "max_question_chars",
        ):
            if getattr(self, name) < 1:
                raise InputError(f"{name} must be at least 1, not {getattr(self, name)}")
        if not 0 <= self.min_support <= 1:
            raise InputError(f"min_support must be between 0 and 1, not {self.min_support}")
        if self.top_k > MAX_K:
            raise InputError(f"top_k must be at most {MAX_K}, not {self.top_k}")
        if not 0 <= self.dense_weight <= 10:
            raise InputError("dense_weight must be between 0 and 10")
        if not self.max_file_mb > 0:
            raise InputError(f"max_file_mb must be more than 0, not {self.max_file_mb}")
        if self.generator_url and not self.generator_url.startswith(("http://", "https://")):
            raise InputError(f"generator_url must start with http:// or https://, not {self.generator_url!r}")
        if self.auto_build_seconds < 0:
            raise InputError(f"auto_build_seconds must be 0 (never) or more, not {self.auto_build_seconds}")
        if self.chunk_overlap < 0:
            raise InputError("chunk_overlap must be 0 or more")
        if self.threads < 0:  # torch, llama.cpp and ONNX Runtime each take it; none has a meaning for < 0
            raise InputError(f"threads must be 0 (automatic) or more, not {self.threads}")

    @property
    def uploads_path(self) -> Path:
        return Path(self.uploads_dir) if self.uploads_dir else Path(self.index_dir).parent / "uploads"

    def replace(self, **changes) -> Settings:
        return dataclasses.replace(self, **changes)


def _convert(field: dataclasses.Field, raw: str):
    kind = field.type if isinstance(field.type, type) else str(field.type)
    if kind in (float, "float"):
        try:
            return float(raw)
        except ValueError:
            raise InputError(f"QA_{field.name.upper()} must be a number, not {raw!r}") from None
    if kind in (int, "int"):
        try:
            return int(raw)
        except ValueError:
            raise InputError(f"QA_{field.name.upper()} must be a whole number, not {raw!r}") from None
    if kind in (Path, "Path", "Path | None"):
        return Path(raw).expanduser()
    return raw


def load_settings(**overrides) -> Settings:
    """Defaults, then QA_<NAME> environment variables, then non-None overrides."""
    values = {}
    for f in dataclasses.fields(Settings):
        raw = os.environ.get(f"QA_{f.name.upper()}")
        if raw not in (None, ""):
            values[f.name] = _convert(f, raw)
    for name, value in overrides.items():
        if value is not None:
            values[name] = Path(value) if isinstance(value, str) and name.endswith("_dir") else value
    return Settings(**values)
