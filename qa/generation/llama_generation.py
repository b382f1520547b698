"""The second generation backend: GGUF files run natively by llama.cpp (llama-cpp-python).

llama.cpp computes on the quantized weights as they are stored, so it reads fewer bytes per
token than transformers, which de-quantizes them to floats (see evals/BACKENDS.md for the
measured difference). It is an optional extra because it compiles from source.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path

from qa.errors import ModelError
from qa.generation.models import gguf_path
from qa.generation.protocol import LocalGenerator, Messages

log = logging.getLogger(__name__)

LLAMA_CPP_VERSION = "0.3.36"  # the `fast` extra in pyproject.toml pins the same
INSTALL_HINT = (
    "install it with `bash scripts/setup.sh --fast` or "
    f"`pip install llama-cpp-python=={LLAMA_CPP_VERSION}` (compiles llama.cpp: 6-13 minutes on 2 cores), "
    "or set generator_backend=transformers"
)
# Prompt plus answer must fit; prompts here are a few hundred tokens, the question at most 2000 characters.
CONTEXT_TOKENS = 4096


def llama_cpp_available() -> bool:
    """True when llama-cpp-python is installed (checked without importing it)."""
    return importlib.util.find_spec("llama_cpp") is not None


def default_threads(cores: int | None = None) -> int:
    """All cores but one, at least one.

    llama.cpp's worker threads spin while they wait for each other; on a 2-core machine that shares
    its CPU, a thread per core loses more to waiting than it gains (measured in evals/BACKENDS.md).

    >>> default_threads(2), default_threads(1), default_threads(8)
    (1, 1, 7)
    """
    cores = cores or os.cpu_count() or 1
    return max(1, cores - 1)


class LlamaCppGenerator(LocalGenerator):
    """Greedy decoding with llama.cpp on a GGUF file; one generation at a time per model.

    Prompt prefix reuse is llama.cpp's own: the context keeps the keys and values of the previous
    prompt, and the next prompt evaluates only the tokens after the prefix the two share (at least
    the system prompt and few-shot turns of every evidence prompt). The first prompt pays in full.
    """

    def __init__(
        self,
        model: str,
        cache_dir: Path,
        threads: int = 0,
        max_new_tokens: int = 48,
        reuse_prefix: bool = True,
    ):
        super().__init__()
        self.name = model
        self.cache_dir = Path(cache_dir)
        self.threads = threads or default_threads()
        self.max_new_tokens = max_new_tokens
        # False forgets the previous prompt before each one: for measuring and checking the reuse.
        self.reuse_prefix = reuse_prefix
        self._llama = None
        self._lock = threading.Lock()  # a llama.cpp context serves one sequence at a time
        self._path: Path | None = None  # the prepared GGUF file

    def prepare(self) -> Path:
        """The GGUF file, verified (a packaged one assembled once). Quick: a missing backend or a
        missing or damaged model fails here, before the load."""
        if not llama_cpp_available():
            raise ModelError(f"the llama-cpp generator backend needs llama-cpp-python: {INSTALL_HINT}")
        self._path = gguf_path(self.name, self.cache_dir)
        return self._path

    @property
    def loaded(self) -> bool:
        return self._llama is not None

    def _load(self, path: Path) -> None:
        from llama_cpp import Llama

        try:
            # chat_format=None: the chat template stored in the GGUF formats the messages.
            self._llama = Llama(
                model_path=str(path),
                n_ctx=CONTEXT_TOKENS,
                n_threads=self.threads,
                n_threads_batch=self.threads,
                seed=0,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as e:
            raise ModelError(f"cannot load GGUF generator {self.name!r} with llama.cpp: {e}") from e
        log.info("generator %s loaded by llama.cpp with %d threads", path.name, self.threads)

    def stream(self, messages: Messages) -> Iterator[str]:
        self.warm_up()
        with self._lock:
            if not self.reuse_prefix:
                self._llama.reset()
            try:
                chunks = self._llama.create_chat_completion(
                    messages=messages,
                    stream=True,
                    temperature=0.0,  # greedy, like the transformers backend
                    repeat_penalty=1.0,  # no penalty (some chat handlers default to 1.1)
                    max_tokens=self.max_new_tokens,
                    # Answers are one line; stopping at the line end saves seconds of rambling.
                    stop=["\n"],
                )
                for chunk in chunks:
                    piece = chunk["choices"][0]["delta"].get("content")
                    if piece:
                        yield piece
            except ValueError as e:  # e.g. the prompt does not fit the context window
                raise ModelError(f"generation failed: {e}") from e
