"""Settings: defaults, then QA_* environment variables, then explicit overrides."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from qa.config import Settings, load_settings
from qa.errors import InputError


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    """No QA_* variable from the developer's shell leaks into these tests."""
    for name in list(os.environ):
        if name.startswith("QA_"):
            monkeypatch.delenv(name)


def test_defaults():
    s = load_settings()
    assert (s.top_k, s.retrieval, s.chunk_chars, s.pipeline) == (8, "hybrid", 700, "verified")
    assert s.docs_dir == Path("seeds")


def test_environment_beats_defaults(monkeypatch):
    monkeypatch.setenv("QA_TOP_K", "9")
    monkeypatch.setenv("QA_RETRIEVAL", "bm25")
    monkeypatch.setenv("QA_DOCS_DIR", "~/articles")
    monkeypatch.setenv("HOME", "/home/someone")
    s = load_settings()
    assert s.top_k == 9 and isinstance(s.top_k, int)
    assert s.retrieval == "bm25"
    assert s.docs_dir == Path("/home/someone/articles")


def test_overrides_beat_the_environment(monkeypatch):
    monkeypatch.setenv("QA_TOP_K", "9")
    monkeypatch.setenv("QA_INDEX_DIR", "/env/index")
    s = load_settings(top_k=3, index_dir="/flag/index")
    assert s.top_k == 3
    assert s.index_dir == Path("/flag/index")


def test_none_overrides_and_empty_variables_are_ignored(monkeypatch):
    monkeypatch.setenv("QA_TOP_K", "9")
    monkeypatch.setenv("QA_CHUNK_CHARS", "")
    s = load_settings(top_k=None, retrieval=None)
    assert (s.top_k, s.chunk_chars, s.retrieval) == (9, 700, "hybrid")


@pytest.mark.parametrize("raw", ["five", "5.5", "1e3"])
def test_a_bad_whole_number_in_the_environment_is_an_input_error(monkeypatch, raw):
    monkeypatch.setenv("QA_TOP_K", raw)
    with pytest.raises(InputError, match="QA_TOP_K must be a whole number"):
        load_settings()


def test_a_bad_retrieval_choice_is_an_input_error(monkeypatch):
    monkeypatch.setenv("QA_RETRIEVAL", "fuzzy")
    with pytest.raises(InputError, match="retrieval must be one of hybrid, dense, bm25"):
        load_settings()
    monkeypatch.delenv("QA_RETRIEVAL")
    with pytest.raises(InputError, match="'semantic'"):
        load_settings(retrieval="semantic")


@pytest.mark.parametrize(
    "changes",
    [
        {"top_k": 0},
        {"prompt_sentences": 0},
        {"chunk_chars": -1},
        {"chunk_overlap": -1},
        {"pipeline": "fancy"},
        {"generator_dtype": "int4"},
        {"query_runtime": "openvino"},
        {"threads": -1},
    ],
)
def test_settings_validate_their_values(changes):
    with pytest.raises(InputError):
        Settings(**changes)
    with pytest.raises(InputError):
        Settings().replace(**changes)


def test_settings_are_frozen_and_replace_returns_a_copy():
    s = Settings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.top_k = 3  # type: ignore[misc]
    t = s.replace(top_k=3)
    assert (s.top_k, t.top_k) == (8, 3)


def test_the_model_cache_follows_xdg_cache_home(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert load_settings().cache_dir == tmp_path / "qa"
    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert load_settings().cache_dir == tmp_path / "elsewhere"


def test_dense_weight_comes_from_the_environment_as_a_number(monkeypatch):
    monkeypatch.setenv("QA_DENSE_WEIGHT", "0.5")
    assert load_settings().dense_weight == 0.5
    monkeypatch.setenv("QA_DENSE_WEIGHT", "half")
    with pytest.raises(InputError, match="QA_DENSE_WEIGHT must be a number"):
        load_settings()


@pytest.mark.parametrize("weight", [-0.1, 10.5])
def test_dense_weight_out_of_range_is_an_input_error(weight):
    with pytest.raises(InputError, match="dense_weight"):
        Settings(dense_weight=weight)


def test_a_bad_generate_choice_is_an_input_error():
    with pytest.raises(InputError, match="generate must be one of when-needed, always, not 'sometimes'"):
        Settings(generate="sometimes")
    assert Settings().generate == "when-needed"
