"""The llama-cpp backend: choosing it, its missing-package message, assembling the GGUF once.

The model tier (marker `model`) compares its answers with the transformers backend's.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from qa.app.cli import build_parser, settings_from
from qa.config import Settings, load_settings
from qa.errors import InputError, ModelError
from qa.generation import llama_generation
from qa.generation.factory import choose_backend, is_gguf, make_generator
from qa.generation.generator import TransformersGenerator
from qa.generation.llama_generation import LlamaCppGenerator, llama_cpp_available
from qa.generation.models import assemble, gguf_path
from tests.conftest import gold_prompts

QWEN = "packaged:qwen2.5-coder-0.5b-instruct"
needs_llama_cpp = pytest.mark.skipif(
    not llama_cpp_available(), reason="llama-cpp-python is not installed (bash scripts/setup.sh --fast)"
)


def pretend_installed(monkeypatch, installed: bool) -> None:
    monkeypatch.setattr(llama_generation, "llama_cpp_available", lambda: installed)


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        (QWEN, True),
        ("packaged:smollm2-135m-instruct", True),
        ("/models/q.gguf", True),
        ("packaged:all-MiniLM-L6-v2", False),
        ("Qwen/Qwen2.5-0.5B-Instruct", False),
        ("/models/folder", False),
    ],
)
def test_is_gguf(ref, expected):
    assert is_gguf(ref) is expected


def test_auto_picks_llama_cpp_for_gguf_models_only_when_it_is_installed(monkeypatch):
    pretend_installed(monkeypatch, True)
    assert choose_backend("auto", QWEN) == "llama-cpp"
    assert choose_backend("auto", "Qwen/Qwen2.5-0.5B-Instruct") == "transformers"
    pretend_installed(monkeypatch, False)
    assert choose_backend("auto", QWEN) == "transformers"


@pytest.mark.parametrize("installed", [True, False])
def test_an_explicit_backend_is_kept(monkeypatch, installed):
    pretend_installed(monkeypatch, installed)
    assert choose_backend("transformers", QWEN) == "transformers"
    assert choose_backend("llama-cpp", QWEN) == "llama-cpp"


def test_make_generator_builds_the_chosen_backend(monkeypatch, tmp_path):
    pretend_installed(monkeypatch, False)
    settings = Settings(cache_dir=tmp_path, threads=1, max_new_tokens=7)
    assert isinstance(make_generator(settings), TransformersGenerator)
    llama = make_generator(settings.replace(generator_backend="llama-cpp"))
    assert isinstance(llama, LlamaCppGenerator)
    assert (llama.threads, llama.max_new_tokens, llama.cache_dir) == (1, 7, tmp_path)
    assert make_generator(settings.replace(generator_model="none")) is None


def test_a_missing_llama_cpp_names_the_install_command(monkeypatch, tmp_path):
    pretend_installed(monkeypatch, False)
    generator = LlamaCppGenerator(QWEN, tmp_path)
    with pytest.raises(ModelError) as info:
        generator.generate([{"role": "user", "content": "hi"}])
    message = str(info.value)
    assert "llama-cpp-python==0.3.36" in message
    assert "scripts/setup.sh --fast" in message
    assert "generator_backend=transformers" in message


def test_the_fast_extra_pins_the_version_the_message_names():
    pyproject = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text()
    assert f'fast = ["llama-cpp-python=={llama_generation.LLAMA_CPP_VERSION}"]' in pyproject


def test_the_backend_setting_comes_from_environment_and_flag(monkeypatch):
    monkeypatch.setenv("QA_GENERATOR_BACKEND", "llama-cpp")
    assert load_settings().generator_backend == "llama-cpp"
    args = build_parser().parse_args(["ask", "q", "--backend", "transformers"])
    assert settings_from(args).generator_backend == "transformers"
    monkeypatch.setenv("QA_GENERATOR_BACKEND", "vllm")
    with pytest.raises(InputError, match="generator_backend must be one of auto, transformers, llama-cpp"):
        load_settings()


@pytest.mark.parametrize("ref", ["Qwen/Qwen2.5-0.5B-Instruct", "/no/such/model.gguf"])
def test_llama_cpp_needs_a_gguf_file(ref, tmp_path):
    with pytest.raises(ModelError, match="packaged model or a local .gguf file"):
        gguf_path(ref, tmp_path)


def test_a_local_gguf_file_is_used_where_it_is(tmp_path):
    local = tmp_path / "mine.gguf"
    local.write_bytes(b"GGUF")
    assert gguf_path(str(local), tmp_path / "cache") == local
    assert not (tmp_path / "cache").exists()


def parts(tmp_path: Path) -> tuple[list[Path], str]:
    paths = [tmp_path / "p1.bin", tmp_path / "p2.bin"]
    paths[0].write_bytes(b"GGUF first part|")
    paths[1].write_bytes(b"second part")
    return paths, hashlib.sha256(b"GGUF first part|second part").hexdigest()


def test_assemble_concatenates_the_parts(tmp_path):
    paths, digest = parts(tmp_path)
    target = tmp_path / "models" / "m.gguf"
    assemble(paths, target, digest)
    assert target.read_bytes() == b"GGUF first part|second part"
    assert os.listdir(target.parent) == ["m.gguf"]


def test_a_wrong_digest_leaves_no_file_behind(tmp_path):
    paths, _ = parts(tmp_path)
    target = tmp_path / "models" / "m.gguf"
    with pytest.raises(ModelError, match="checksum"):
        assemble(paths, target, "0" * 64)
    assert os.listdir(target.parent) == []


@pytest.mark.model
def test_the_packaged_qwen_is_assembled_once_and_reused(tmp_path):
    first = gguf_path(QWEN, tmp_path)
    assert first.parent == tmp_path / "models" and first.suffix == ".gguf"
    stamp = first.stat().st_mtime_ns
    assert gguf_path(QWEN, tmp_path) == first
    assert first.stat().st_mtime_ns == stamp
    assert first.read_bytes()[:4] == b"GGUF"


# Model tier: the packaged Qwen through llama.cpp, beside the transformers backend.


@pytest.fixture(scope="module")
def llama_generator(model_settings):
    if not llama_cpp_available():
        pytest.skip("llama-cpp-python is not installed (bash scripts/setup.sh --fast)")
    generator = make_generator(model_settings.replace(generator_backend="llama-cpp"))
    generator.warm_up()
    return generator


@pytest.mark.model
def test_llama_cpp_streams_the_reply_in_pieces(llama_generator, model_pipeline):
    (messages,) = gold_prompts(model_pipeline, 1)
    pieces = list(llama_generator.stream(messages))
    assert len(pieces) > 1
    assert all(isinstance(p, str) and p for p in pieces)
    assert "".join(pieces) == llama_generator.generate(messages)  # greedy: the same reply twice


@pytest.mark.model
def test_llama_cpp_gives_the_transformers_answers_with_greedy_decoding(llama_generator, model_pipeline):
    transformers = model_pipeline.generator
    assert isinstance(transformers, TransformersGenerator)
    for messages in gold_prompts(model_pipeline, 3):
        assert llama_generator.generate(messages).strip() == transformers.generate(messages).strip()


@pytest.mark.model
def test_the_pipeline_answers_through_llama_cpp(llama_generator, model_pipeline):
    from qa.answer.pipeline import Pipeline

    settings = model_pipeline.settings.replace(generator_backend="llama-cpp", generate="always")
    pipeline = Pipeline(settings, retriever=model_pipeline.retriever, generator=llama_generator)
    answer = pipeline.ask("What was Jiangxi's 2020 recovered fund amount?")
    assert "723 million" in answer.text
    assert ("001_5c3b6ceae2eb49f9.txt", 1) in [(c.file, c.line) for c in answer.citations]
    assert answer.timings_ms["first_token"] < answer.timings_ms["generate"]


def prompt_tokens_evaluated(generator, messages, monkeypatch) -> tuple[str, int]:
    """The reply, and how many prompt tokens llama.cpp evaluated for it (the first eval call)."""
    llama = generator._llama
    batches = []
    real_eval = llama.eval
    monkeypatch.setattr(llama, "eval", lambda tokens: (batches.append(len(tokens)), real_eval(tokens))[1])
    try:
        return generator.generate(messages), batches[0]
    finally:
        monkeypatch.undo()


@pytest.mark.model
def test_llama_cpp_evaluates_only_what_follows_the_shared_prefix_and_gives_the_same_text(
    llama_generator, model_pipeline, monkeypatch
):
    first, second = gold_prompts(model_pipeline, 2)
    llama_generator.generate(first)
    reused, reused_count = prompt_tokens_evaluated(llama_generator, second, monkeypatch)
    llama_generator.reuse_prefix = False
    try:
        scratch, scratch_count = prompt_tokens_evaluated(llama_generator, second, monkeypatch)
        first_scratch = llama_generator.generate(first)
    finally:
        llama_generator.reuse_prefix = True
    assert scratch_count - reused_count >= 150  # the system prompt and few-shot turns are ~178 tokens
    assert reused == scratch
    assert llama_generator.generate(first) == first_scratch  # after `second`: its prefix reused again
