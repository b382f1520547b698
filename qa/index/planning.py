"""Whether an index needs building, how much a build would embed and how long it would take, before
it starts; and the one place that decides whether a build may start without `qa index`.

- The library never builds unless asked: ``require_index`` raises IndexMissingError/IndexStaleError
  naming what is missing or stale and how to build it (`qa index …`, ``qa.build_index``, or
  ``Retriever.from_settings(settings, build=True)``).
- Asked to build (``ensure_index``), it says what it embeds and how long that should take. `ask`,
  `search`, `chat` and the web app ask with a limit, Settings.auto_build_seconds: a build estimated
  longer is refused with a pointer to `qa index`, which shows progress.

The estimate is rough on purpose: it reads file sizes and hashes, never the files' text.
"""

from __future__ import annotations

import logging
import shlex
from dataclasses import dataclass
from pathlib import Path

from qa.config import Settings
from qa.errors import IndexMissingError, IndexStaleError, QAError
from qa.hashing import sha256_file
from qa.index.freshness import max_file_bytes, size_limit_lets_in, stale_reasons
from qa.index.indexer import build_index
from qa.index.store import FORMAT_VERSION, read_manifest
from qa.ingest.uploads import source_files
from qa.retrieval.embedding import Embedder

log = logging.getLogger(__name__)
NO_INDEX = "no index yet"  # the reason given when there is no index at all

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


def index_command(settings: Settings) -> str:
    """The `qa index` command that builds this index: the folders are named unless they are the defaults.

    >>> index_command(Settings()), index_command(Settings(docs_dir=Path("my docs")))
    ('qa index', "qa index --docs 'my docs'")
    """
    words = ["qa", "index"]
    for flag, name in (("--docs", "docs_dir"), ("--index", "index_dir")):
        value = getattr(settings, name)
        if Path(value) != Path(getattr(Settings, name)):
            words += [flag, shlex.quote(str(value))]
    return " ".join(words)


def pending_reasons(settings: Settings) -> list[str]:
    """Why the index needs building ([NO_INDEX] when there is none); [] when it is up to date."""
    try:
        return stale_reasons(settings)
    except IndexMissingError:
        return [NO_INDEX]


def require_index(settings: Settings) -> None:
    """Raise IndexMissingError/IndexStaleError, saying what is missing or stale and how to build it,
    unless the index of settings.docs_dir in settings.index_dir is up to date. Never builds."""
    reasons = pending_reasons(settings)
    if not reasons:
        return
    how = (
        f"build it with `{index_command(settings)}` (it shows progress), or in Python with "
        "qa.build_index(settings, embedder) or qa.Retriever.from_settings(settings, build=True)"
    )
    if reasons == [NO_INDEX]:
        raise IndexMissingError(f"no index of {settings.docs_dir} in {settings.index_dir} yet: {how}")
    raise IndexStaleError(f"the index in {settings.index_dir} is stale ({'; '.join(reasons)}): {how}")


def check_build_time(settings: Settings, reasons: list[str], max_seconds: float | None) -> BuildPlan:
    """The plan of the build the reasons call for, or IndexMissingError/IndexStaleError pointing to
    `qa index` when it is estimated longer than max_seconds (0: no build at all; None: no limit)."""
    plan = plan_build(settings)
    if max_seconds is None or (max_seconds > 0 and plan.seconds <= max_seconds):
        return plan
    error = IndexMissingError if reasons == [NO_INDEX] else IndexStaleError
    limit = (
        "QA_AUTO_BUILD_SECONDS is 0, so ask and search never build by themselves"
        if max_seconds == 0
        else f"more than the {duration(max_seconds)} (QA_AUTO_BUILD_SECONDS) that ask and search build "
        "for by themselves"
    )
    raise error(
        f"the index needs building ({'; '.join(reasons)}): {plan.describe()}, {limit}: "
        f"run `{index_command(settings)}` (it shows progress)"
    )


def ensure_index(
    settings: Settings, embedder: Embedder, max_seconds: float | None = None, progress: bool = False
) -> list[str]:
    """Build the index when it is missing or stale, saying what it embeds and how long that should
    take; returns why it was built ([] when it was up to date and nothing was done).

    max_seconds refuses a build estimated longer (check_build_time); `ask` and the web app pass
    Settings.auto_build_seconds, and their build is logged as a warning (it was not asked for).
    """
    reasons = pending_reasons(settings)
    if reasons:
        plan = check_build_time(settings, reasons, max_seconds)
        say = log.info if max_seconds is None else log.warning
        say("building the index (%s): %s", "; ".join(reasons), plan.describe())
        build_index(settings, embedder, progress=progress)
    return reasons
