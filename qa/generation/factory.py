"""The generator the settings ask for: a local model (transformers or llama.cpp) or a served one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qa.generation.generator import TransformersGenerator
from qa.generation.models import packaged
from qa.generation.protocol import Generator

if TYPE_CHECKING:
    from qa.config import Settings


def is_gguf(ref: str) -> bool:
    """Whether a generator setting names GGUF weights (a packaged model or a local .gguf file)."""
    model = packaged(ref)
    return model.kind == "gguf" if model is not None else ref.endswith(".gguf")


def choose_backend(backend: str, model: str) -> str:
    """The backend that runs `model`: "auto" means llama-cpp when it is installed and the model is a
    GGUF (it decodes several times faster, see evals/BACKENDS.md), transformers otherwise."""
    from qa.generation.llama_generation import llama_cpp_available

    if backend != "auto":
        return backend
    return "llama-cpp" if is_gguf(model) and llama_cpp_available() else "transformers"


def make_generator(settings: Settings) -> Generator | None:
    """The generator the settings ask for; None when generator_model is "none" (extractive answers)."""
    if settings.generator_model == "none":
        return None
    if settings.generator_url:  # a served model: nothing loads here
        from qa.generation.openai_compatible import OpenAICompatibleGenerator

        return OpenAICompatibleGenerator.from_settings(settings)
    backend = choose_backend(settings.generator_backend, settings.generator_model)
    if backend == "llama-cpp":
        from qa.generation.llama_generation import LlamaCppGenerator

        return LlamaCppGenerator(
            settings.generator_model, settings.cache_dir, settings.threads, settings.max_new_tokens
        )
    return TransformersGenerator(
        settings.generator_model,
        settings.cache_dir,
        settings.generator_dtype,
        settings.threads,
        settings.max_new_tokens,
    )
