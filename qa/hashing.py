"""sha256 of files, read in blocks so large model files do not fill memory."""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256_files(paths: list[Path]) -> str:
    """Digest of the files' bytes, concatenated in order (a GGUF split into parts hashes as one file)."""
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as f:
            while block := f.read(1 << 20):
                digest.update(block)
    return digest.hexdigest()


def sha256_file(path: Path) -> str:
    return sha256_files([path])
