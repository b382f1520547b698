"""One question embedded through ONNX Runtime: the torch model's vectors in half the time.

Every answer starts by embedding the question. On 2 cores torch spends about 16 ms of MiniLM's
17 ms on small matrix products; ONNX Runtime computes the same vectors (to 1e-6) in about 9 ms on
one thread and 7 on two (evals/QUERY-EMBEDDING.md). The sentence-transformers model, pooling and
all, is exported once into the model cache, `cache_dir/models/<name>-onnx-<sha256 prefix of the
model folder>/`, with its tokenizer, written atomically with checksums like the converted
generators. An export is kept only if it gives the torch model's vectors on probe texts; those
vectors are stored with it and every load checks them again. Loading needs neither torch nor
sentence-transformers, whose imports take seconds of the chat's start. If anything fails, or
onnxruntime is missing, the caller keeps the torch path and a warning says why.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import os
import re
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

from qa.generation.models import cache_is_intact, embedding_path, write_checksums
from qa.hashing import sha256_file

log = logging.getLogger(__name__)

Embed = Callable[[list[str]], np.ndarray]  # texts -> (len(texts), dim) float32, rows L2-normalised

MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
META_FILE = "config.json"  # what was exported, from which weights; the cache check requires this name
MAX_ABS_DIFF = 1e-4  # measured difference on normalised vectors: ~2e-7
PROBES = (
    "What was Jiangxi's 2020 recovered fund amount?",
    "fund",
    # longer than any model's max_seq_length: truncation must match too
    " ".join(["Which province recovered the most misused medical insurance funds in 2020?"] * 60),
)
WHITESPACE_PROBE = "  Who reported the story?\n"  # checked at export: stripped like sentence-transformers


class OnnxQueryEncoder:
    """Embeds a few texts (a question, a question's evidence sentences) with an exported
    sentence-transformers model; rows L2-normalised."""

    def __init__(self, session, tokenizer, input_names: list[str], dim: int):
        self.dim = dim
        self._session = session
        self._tokenizer = tokenizer  # tokenizers.Tokenizer with the model's truncation and padding
        self._input_names = input_names

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            raise ValueError("no texts to embed")
        # sentence-transformers strips each text before tokenizing; so must we, for the same vectors
        encodings = self._tokenizer.encode_batch([str(t).strip() for t in texts])
        columns = {
            "input_ids": [e.ids for e in encodings],
            "attention_mask": [e.attention_mask for e in encodings],
            "token_type_ids": [e.type_ids for e in encodings],
        }
        feeds = {name: np.asarray(columns[name], dtype=np.int64) for name in self._input_names}
        (vectors,) = self._session.run(None, feeds)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return np.ascontiguousarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)


def query_threads(threads: int = 0, cores: int | None = None) -> int:
    """Threads for embedding questions: the threads setting if given, else two (one on one core).

    A question is about 20 tokens. On the 2-core box two ONNX Runtime threads embedded one in
    6.8 ms against 9.6 on one, and stayed ahead with one or two processes spinning on the cores
    (evals/QUERY-EMBEDDING.md). More threads were not measured: there is little work to split.

    >>> query_threads(0, 2), query_threads(0, 1), query_threads(0, 16), query_threads(1, 16)
    (2, 1, 2, 1)
    """
    if threads:
        return threads
    return min(2, cores or os.cpu_count() or 1)


def load_encoder(
    name: str, cache_dir: Path, model: Callable[[], object], reference: Embed, threads: int = 2
) -> OnnxQueryEncoder | None:
    """The ONNX encoder of an embedding model, exported on first use; None to keep torch.

    model() loads the SentenceTransformer and reference embeds with it (rows L2-normalised): both
    are called only to export. A model given by hub id has no folder to key the copy on: torch."""
    try:
        import onnxruntime
        from tokenizers import Tokenizer
    except ImportError:
        log.warning("onnxruntime is not installed: questions are embedded with torch (about 2x slower)")
        return None
    folder = Path(embedding_path(name))
    if not folder.is_dir():
        log.info("embedding model %s is not a local folder: questions are embedded with torch", name)
        return None
    target = Path(cache_dir) / "models" / f"{_slug(name)}-onnx-{folder_digest(folder)[:12]}"
    try:
        if not cache_is_intact(target):
            export(model(), name, target, reference)
        meta = json.loads((target / META_FILE).read_text())
        expected = np.asarray(meta["probe_vectors"], dtype=np.float32)
        encoder = OnnxQueryEncoder(
            _session(onnxruntime, target / MODEL_FILE, threads),
            Tokenizer.from_file(str(target / TOKENIZER_FILE)),
            meta["inputs"],
            dim=expected.shape[1],
        )
        difference = float(np.abs(encoder.embed(list(PROBES)) - expected).max())
    except Exception as e:  # export, protobuf and runtime errors come in many kinds; all mean "use torch"
        log.warning("cannot embed questions with ONNX Runtime (%s): using torch", e)
        return None
    if difference > MAX_ABS_DIFF:
        log.warning(
            "the ONNX copy of %s differs from the model by %.1e: questions are embedded with torch",
            name,
            difference,
        )
        return None
    return encoder


def export(model, name: str, target: Path, reference: Embed) -> None:
    """Export the model to target/, verified against torch on the probes, atomically with checksums."""
    import onnxruntime
    import torch

    target.parent.mkdir(parents=True, exist_ok=True)
    log.info("exporting %s to ONNX once ...", name)
    sample = model.preprocess([PROBES[0]])
    inputs = [k for k, v in sample.items() if isinstance(v, torch.Tensor)]
    if not set(inputs) <= {"input_ids", "attention_mask", "token_type_ids"}:
        raise ValueError(f"the model takes inputs {inputs}; only text models of the BERT kind are exported")
    constants = {k: v for k, v in sample.items() if not isinstance(v, torch.Tensor)}  # e.g. modality
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".export-") as tmp:
        out = Path(tmp) / "out"
        out.mkdir()
        wrapper = _pooled(model, inputs, constants)
        with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
            warnings.simplefilter("ignore")  # tracer and deprecation warnings: the probes check the result
            torch.onnx.export(
                wrapper,
                tuple(sample[k] for k in inputs),
                str(out / MODEL_FILE),
                input_names=inputs,
                output_names=["sentence_embedding"],
                dynamic_axes={k: {0: "batch", 1: "tokens"} for k in inputs}
                | {"sentence_embedding": {0: "batch"}},
                opset_version=17,
                dynamo=False,
            )
        tokenizer = _tokenizer(model)
        tokenizer.save(str(out / TOKENIZER_FILE))
        dim = int(model.get_embedding_dimension())
        encoder = OnnxQueryEncoder(_session(onnxruntime, out / MODEL_FILE, 1), tokenizer, inputs, dim)
        difference = max_difference(reference, encoder, PROBES + (WHITESPACE_PROBE,))
        if difference > MAX_ABS_DIFF:
            raise ValueError(f"the export differs from the model by {difference:.1e} on the probe texts")
        meta = {
            "source": name,
            "inputs": inputs,
            "max_abs_diff": difference,
            "probe_vectors": reference(list(PROBES)).tolist(),  # checked again at every load
        }
        (out / META_FILE).write_text(json.dumps(meta, indent=1))
        write_checksums(out)
        if not target.exists():  # another process may have finished first; its copy is as good
            os.replace(out, target)
    log.info("ONNX copy saved to %s (largest difference from torch %.1e)", target, difference)


def max_difference(reference: Embed, encoder: OnnxQueryEncoder, texts: tuple[str, ...]) -> float:
    """Largest absolute difference between the reference's vectors, one text at a time, and the
    encoder's, one text at a time and, for two texts or more, all in one padded batch."""
    expected = np.concatenate([reference([text]) for text in texts])
    one_by_one = np.concatenate([encoder.embed([text]) for text in texts])
    worst = float(np.abs(one_by_one - expected).max())
    if len(texts) > 1:
        worst = max(worst, float(np.abs(encoder.embed(list(texts)) - expected).max()))
    return worst


def folder_digest(folder: Path) -> str:
    """sha256 of every file of a model folder, names included: a changed model gets a new export."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + sha256_file(path).encode())
    return digest.hexdigest()


def _tokenizer(model):
    """The model's fast tokenizer as a plain tokenizers.Tokenizer, truncating and padding as
    sentence-transformers does."""
    tokenizer = copy.deepcopy(model.tokenizer.backend_tokenizer)
    tokenizer.enable_truncation(max_length=model.max_seq_length)
    tokenizer.enable_padding(pad_id=model.tokenizer.pad_token_id, pad_token=model.tokenizer.pad_token)
    return tokenizer


def _pooled(model, inputs: list[str], constants: dict):
    """The model as a torch module called on positional tensors, as the ONNX exporter calls it."""
    import torch

    class Pooled(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, *tensors):
            features = dict(zip(inputs, tensors, strict=True)) | constants
            return self.model(features)["sentence_embedding"]

    return Pooled().eval()


def _session(onnxruntime, path: Path, threads: int):
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # errors only
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name.removeprefix("packaged:")).strip("-")[-60:] or "model"
