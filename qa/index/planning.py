"""How much a build would embed and how long it would take, before it starts.

`ask`, `search`, `chat`, the web app and `Retriever.from_settings` build a missing or stale index
themselves; this estimate lets them say what that costs, and refuse (pointing to `qa index`, which
shows progress) when it is longer than Settings.auto_build_seconds. The estimate is rough on purpose:
it reads file sizes and hashes, never the files' text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qa.config import Settings
from qa.errors import QAError
from qa.hashing import sha256_file
from qa.index.freshness import max_file_bytes, size_limit_lets_in
from qa.index.store import FORMAT_VERSION, read_manifest
from qa.ingest.uploads import source_files

# Measured with the packaged all-MiniLM-L6-v2 on the shared 2-core machine: a full build of 3,693
# chunks embedded in 440-578 s (evals/INCREMENTAL.md), 0.12-0.16 s a chunk; the larger is used.
SECONDS_PER_CHUNK = 0.16
# Chunks hold whole sentences of one paragraph, so they average well under chunk_chars: 386
# characters at chunk_chars=700 on the seed articles (87 chunks from 33,542 characters).
CHUNK_FILL = 0.55
# Characters of text per byte of file: HTML carries markup, a PDF fonts and images (rough).
TEXT_PER_BYTE = {".html": 0.3, ".htm": 0.3, ".pdf": 0.1}


@dataclass(frozen=True)
class BuildPlan:
    files: int  # files that would be read and embedded
    bytes: int  # their size on disk
    chunks: int  # estimated chunks to embed
    seconds: float  # estimated embedding time

    def describe(self) -> str:
        """E.g. "about 130,000 chunks from 1 file (50.0 MB) to embed: about 5.8 hours"."""
        files = f"{self.files} file{'s' if self.files != 1 else ''}"
        return (
            f"about {self.chunks:,} chunks from {files} ({self.bytes / 2**20:.1f} MB) to embed: "
            f"about {duration(self.seconds)}"
        )


def duration(seconds: float) -> str:
    """Seconds for people.

    >>> duration(42), duration(750), duration(21_000)
    ('42 s', '12 minutes', '5.8 hours')
    """
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds / 3600:.1f} hours"


def plan_build(settings: Settings) -> BuildPlan:
    """What an incremental build would embed now: new and changed files when the live build can be
    reused (same format, model and chunking), else every file. Files over the size limit are left
    out, as the build skips them; files an earlier, lower limit skipped are counted."""
    known = _reusable_sources(settings)
    limit = max_file_bytes(settings)
    todo: list[tuple[Path, int]] = []
    for name, path, _ in source_files(settings):
        try:
            size = path.stat().st_size
            if size > limit:
                continue
            if name in known and sha256_file(path) == known[name]:
                continue
        except OSError:
            continue  # the build will list it as unreadable
        todo.append((path, size))
    chars = sum(size * TEXT_PER_BYTE.get(path.suffix.lower(), 1.0) for path, size in todo)
    chunks = int(chars / (settings.chunk_chars * CHUNK_FILL)) + len(todo)
    return BuildPlan(len(todo), sum(size for _, size in todo), chunks, chunks * SECONDS_PER_CHUNK)


def _reusable_sources(settings: Settings) -> dict[str, str]:
    """file -> sha256 of the live build's files that a build would not read again; else {}."""
    try:
        manifest = read_manifest(settings.index_dir)
    except QAError:
        return {}
    same = (
        manifest.format_version == FORMAT_VERSION
        and manifest.embedding_model == settings.embedding_model
        and (manifest.chunk_chars, manifest.chunk_overlap) == (settings.chunk_chars, settings.chunk_overlap)
    )
    if not same:
        return {}
    let_in = set(size_limit_lets_in(manifest, settings))
    return {**{f: h for f, h in manifest.skipped.items() if f not in let_in}, **manifest.sources}
