"""Local causal language models that turn a chat prompt into streamed text."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path

from qa.errors import ModelError
from qa.generation.models import generator_path
from qa.generation.prefix_cache import PrefixCache
from qa.generation.protocol import LocalGenerator, Messages
from qa.progress import quiet_loading

log = logging.getLogger(__name__)


def cpu_has_bf16() -> bool:
    """bfloat16 matmuls are fast only with avx512_bf16 or AMX; elsewhere they are 3-5x slower."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


class TransformersGenerator(LocalGenerator):
    """Greedy decoding with a transformers model; one generation at a time per model."""

    def __init__(
        self,
        model: str,
        cache_dir: Path,
        dtype: str = "auto",
        threads: int = 0,
        max_new_tokens: int = 48,
        reuse_prefix: bool = True,
    ):
        super().__init__()
        self.name = model
        self.cache_dir = Path(cache_dir)
        self.dtype = ("bfloat16" if cpu_has_bf16() else "float32") if dtype == "auto" else dtype
        self.threads = threads
        self.max_new_tokens = max_new_tokens
        self._model = None
        self._tokenizer = None
        # False computes every prompt from scratch: for measuring and checking the reuse.
        self.reuse_prefix = reuse_prefix
        self._prefix = None  # PrefixCache, built with the model
        self._stop_at_line_end = None  # StoppingCriteriaList, built with the tokenizer
        self._lock = threading.Lock()  # two generate() calls on 2 cores only slow each other down
        self._torch_threads = 1  # set when the model loads
        self._path: str | None = None  # the prepared model folder

    def prepare(self) -> str:
        """The model's folder (a packaged model verified and converted once), and the torch thread
        count for generation, read on the calling thread. Quick on a warm cache: a missing or
        damaged model fails here, before the load."""
        import torch

        if self.threads:
            torch.set_num_threads(self.threads)
        self._torch_threads = torch.get_num_threads()
        self._path = generator_path(self.name, self.cache_dir)
        return self._path

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def _load(self, path: str) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.generation import StoppingCriteriaList, StopStringCriteria

        try:
            self._tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=False)
            with quiet_loading():  # no "Loading weights" bar from a library call
                self._model = AutoModelForCausalLM.from_pretrained(
                    path, dtype=getattr(torch, self.dtype), trust_remote_code=False
                ).eval()
        except Exception as e:  # OSError, ValueError, hub errors offline: all mean "cannot load"
            raise ModelError(
                f"cannot load generator {self.name!r}: {e}. Use a local folder or a packaged model "
                "(packaged:qwen2.5-coder-0.5b-instruct)."
            ) from e
        self._prefix = PrefixCache(self._model, self._tokenizer)
        # Built once: generate(stop_strings=...) rebuilds it from the whole vocabulary on every call
        # (0.8 s of the first token on the shared 2-core box, evals/PREFIX-CACHE.md). Answers are one
        # line; stopping at the line end saves seconds of rambling.
        self._stop_at_line_end = StoppingCriteriaList([StopStringCriteria(self._tokenizer, ["\n"])])
        log.info("generator %s loaded in %s", self.name, self.dtype)

    def stream(self, messages: Messages) -> Iterator[str]:
        import torch
        from transformers import TextIteratorStreamer

        self.warm_up()
        inputs = self._tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        streamer = TextIteratorStreamer(
            self._tokenizer, skip_prompt=True, skip_special_tokens=True, timeout=300
        )
        errors: list[BaseException] = []

        def run() -> None:
            # A new thread takes torch's current default, which a query embedding may have set to one
            # for a few milliseconds (embedding.one_torch_thread): set this thread's own count.
            torch.set_num_threads(self._torch_threads)
            try:
                with self._lock, torch.inference_mode():
                    ids = inputs["input_ids"][0].tolist()
                    past = self._prefix.past_for(messages, ids) if self.reuse_prefix else None
                    self._model.generate(
                        **inputs,
                        cache=past,  # None: generate makes its own
                        streamer=streamer,
                        max_new_tokens=self.max_new_tokens,
                        do_sample=False,
                        stopping_criteria=self._stop_at_line_end,
                        pad_token_id=self._tokenizer.pad_token_id or self._tokenizer.eos_token_id,
                    )
            except BaseException as e:  # re-raised in the caller's thread below
                errors.append(e)
                streamer.end()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        yield from streamer
        thread.join()
        if errors:
            raise ModelError(f"generation failed: {errors[0]}") from errors[0]
