"""What the chat page and its JSON endpoints serve from: the live pipeline, its start-up, and the
documents it knows (list, add, remove, source lines).

The page is served before the models and index are ready (`start()` prepares them in a thread,
step by step, and `status()` says how far it is). Adding or removing a file rebuilds the index
incrementally and then switches to a new pipeline over it; a request already running keeps the
pipeline it started with, and a failed update leaves the live one (and the files) as they were.

    >>> library = Library(settings)          # doctest: +SKIP
    >>> library.start()                      # doctest: +SKIP
    >>> library.add([("notes.md", b"# Notes\\nThe fee is 35 yuan.")])  # doctest: +SKIP
    >>> library.pipeline.ask("What is the fee?").citations[0].file  # doctest: +SKIP
    'uploads/notes.md'
"""

from __future__ import annotations

import logging
import os
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from qa.answer.pipeline import Pipeline
from qa.app.titles import titles
from qa.config import Settings
from qa.errors import InputError, QAError
from qa.generation.factory import make_generator
from qa.index.freshness import max_file_bytes
from qa.index.indexer import build_index
from qa.index.planning import check_build_time, pending_reasons
from qa.index.sources import source_lines
from qa.ingest.corpus import Skipped, unsupported_files
from qa.ingest.uploads import PREFIX, check_upload, read_named, source_files, uploads_enabled
from qa.retrieval.retriever import Retriever

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (chunks embedded so far, chunks to embed)
BATCH = 32  # chunks embedded between two progress reports
STEPS = ("embedding model", "index", "generator")


class NotReady(QAError):
    """The pipeline is still starting (the page shows how far it is)."""


@dataclass
class Step:
    """One start-up step as the page shows it."""

    name: str
    state: str = "waiting"  # waiting | running | done | off | failed
    detail: str = ""
    done: int = 0  # chunks embedded, while the index builds
    total: int = 0


class ProgressEmbedder:
    """An embedder that embeds in batches and reports after each, so a build can show a bar."""

    def __init__(self, inner, report: Progress):
        self.inner, self.report, self.name = inner, report, inner.name

    def embed(self, texts: list[str], progress: bool = False) -> np.ndarray:
        parts = []
        for start in range(0, len(texts), BATCH):
            parts.append(self.inner.embed(texts[start : start + BATCH]))
            self.report(min(start + BATCH, len(texts)), len(texts))
        return np.concatenate(parts) if parts else self.inner.embed(texts)


class Library:
    """The live pipeline over the documents folder and the uploads, replaced as documents change."""

    def __init__(self, settings: Settings, embedder=None, generator=None, pipeline: Pipeline | None = None):
        self.settings = settings
        self._embedder = embedder  # None: the settings' model (tests pass fakes)
        self._generator = generator
        self._pipeline = pipeline  # None until start() has an index and an embedder
        self._updating = threading.Lock()  # one index update at a time in this process
        self._skipped: tuple[str, list[Skipped]] | None = None  # (build it is for, files left out)
        self.steps = {name: Step(name) for name in STEPS}
        if pipeline is not None:
            for step in self.steps.values():
                step.state = "done"

    # --- start-up -------------------------------------------------------------------------------

    def start(self) -> threading.Thread:
        """Prepare embedder, index and generator in a background thread; returns the thread."""
        thread = threading.Thread(target=self._start, name="qa-start", daemon=True)
        thread.start()
        return thread

    def _start(self) -> None:
        step = self.steps["embedding model"]
        try:
            embedder = self._run(step, "loading", self._load_embedder)
            step = self.steps["index"]
            self._run(step, "checking", lambda: self._ensure_index(embedder, step))
            retriever = Retriever.from_settings(self.settings, embedder=embedder, build=False, progress=False)
            step.detail = (
                f"{len(retriever.store.manifest.sources)} documents, {len(retriever.chunks)} passages"
            )
            generator = self._generator or make_generator(self.settings)
            self._pipeline = Pipeline(self.settings, retriever=retriever, generator=generator)
            step = self.steps["generator"]
            if generator is None:
                step.state, step.detail = "off", "answers are quoted lines"
                return
            if hasattr(generator, "prepare"):
                self._run(
                    step,
                    "checking the model (the first start converts it, about a minute)",
                    generator.prepare,
                )
            if hasattr(generator, "warm_up"):
                self._run(step, "loading; answers that need it wait for it", generator.warm_up)
            step.state, step.detail = "done", getattr(generator, "name", "")
        except QAError as e:
            step.state, step.detail = "failed", str(e)
            log.error("start-up step %s failed: %s", step.name, e)
        except Exception:
            step.state, step.detail = "failed", "an unexpected error; it is logged on the server"
            log.exception("start-up step %s failed", step.name)

    @staticmethod
    def _run(step: Step, doing: str, work: Callable):
        step.state, step.detail = "running", doing
        out = work()
        step.state = "done"
        if step.detail == doing:
            step.detail = ""
        return out

    def _load_embedder(self):
        if self._embedder is None:
            from qa.retrieval.embedding import SentenceTransformerEmbedder

            self._embedder = SentenceTransformerEmbedder.from_settings(self.settings)
        if hasattr(self._embedder, "warm_up"):
            self._embedder.warm_up()
        return self._embedder

    def _ensure_index(self, embedder, step: Step) -> None:
        """Build a missing or stale index, as `ask` does: when estimated within QA_AUTO_BUILD_SECONDS,
        showing the estimate and then a bar; a longer build fails this step, pointing to `qa index`."""
        reasons = pending_reasons(self.settings)
        if reasons:
            plan = check_build_time(self.settings, reasons, self.settings.auto_build_seconds)
            step.detail = f"building ({'; '.join(reasons)}): {plan.describe()}"
            log.warning("building the index (%s): %s", "; ".join(reasons), plan.describe())
            self._build(embedder, lambda done, total: _count(step, done, total))

    def ready(self) -> bool:
        """Whether a question can be answered now (one that needs the generator may wait for it)."""
        if self._pipeline is None:
            return False
        if self.settings.generate == "always":  # every answer needs the generator: wait for it
            return self.steps["generator"].state in ("done", "off", "failed")
        return True

    @property
    def pipeline(self) -> Pipeline:
        """The live pipeline; NotReady while starting."""
        pipeline = self._pipeline
        if pipeline is None:
            failed = [s for s in self.steps.values() if s.state == "failed"]
            if failed:
                raise NotReady(f"the chat could not start: {failed[0].name}: {failed[0].detail}")
            raise NotReady("the chat is still starting (index and models); try again in a moment")
        return pipeline

    def status(self) -> dict:
        """{"ready": bool, "steps": [{name, state, detail, done, total}]} for the page and /api/status."""
        return {"ready": self.ready(), "steps": [asdict(s) for s in self.steps.values()]}

    # --- documents ------------------------------------------------------------------------------

    def documents(self) -> dict:
        """The indexed documents (title, lines, uploaded or not), when the index was built, and the
        files left out with the reason."""
        store = self.pipeline.retriever.store
        names, count = titles(store), Counter(file for file, _ in store.lines)
        docs = [
            {
                "file": file,
                "title": names.get(file, file),
                "lines": count.get(file, 0),
                "pages": len(store.pages.get(file, ())) or None,
                "uploaded": file.startswith(PREFIX) and self._is_upload(file),
            }
            for file in sorted(store.manifest.sources)
        ]
        skipped = [{"file": s.file, "reason": s.reason} for s in self._skipped_files(store.manifest)]
        return {"indexed": store.manifest.created, "count": len(docs), "documents": docs, "skipped": skipped}

    def source(self, file: str, line: int, context: int = 3) -> dict:
        """The lines of an indexed document around `line` (from the index, never from the disk)."""
        store = self.pipeline.retriever.store
        rows = source_lines(store, file, line, context)
        lines = []
        for n, text in rows:
            row = {"line": n, "text": text}
            where = store.page_of(file, n)
            if where is not None:
                row["page"], row["page_line"] = where
            lines.append(row)
        return {"file": file, "title": titles(store).get(file, file), "line": line, "lines": lines}

    def add(self, files: list[tuple[str, bytes]], progress: Progress | None = None) -> list[str]:
        """Store uploads and update the index; returns their index names ("uploads/<file>").

        Every file is checked before anything is written; on any failure the uploads folder and
        the live index are left as they were, and the error says why."""
        why_not = uploads_enabled(self.settings)
        if why_not:
            raise InputError(why_not)
        if not files:
            raise InputError("choose at least one .txt, .md, .html or .pdf file to add")
        docs = [check_upload(name, raw) for name, raw in files]
        folder = self.settings.uploads_path
        with self._updating:
            folder.mkdir(parents=True, exist_ok=True)
            before = {d.file: _read_or_none(folder / d.file.removeprefix(PREFIX)) for d in docs}
            try:
                for doc, (_, raw) in zip(docs, files, strict=True):
                    _write_atomically(folder / doc.file.removeprefix(PREFIX), raw)
                self._rebuild(progress)
            except BaseException:
                for name, old in before.items():
                    _restore(folder / name.removeprefix(PREFIX), old)
                raise
        return [d.file for d in docs]

    def remove(self, file: str, progress: Progress | None = None) -> None:
        """Delete an uploaded file and update the index (files of the documents folder stay)."""
        if not isinstance(file, str) or not file.startswith(PREFIX) or not self._is_upload(file):
            raise InputError(f"{file!r} is not a file added from the page; only those can be removed")
        path = self.settings.uploads_path / file.removeprefix(PREFIX)
        with self._updating:
            old = _read_or_none(path)
            try:
                path.unlink()
                self._rebuild(progress)
            except BaseException:
                _restore(path, old)
                raise

    def _is_upload(self, file: str) -> bool:
        return file in {name for name, _, _ in source_files(self.settings) if name.startswith(PREFIX)}

    def _rebuild(self, progress: Progress | None) -> None:
        """Update the index (only new and changed files are embedded), then switch pipelines."""
        old = self.pipeline
        embedder = old.retriever.embedder
        self._build(embedder, progress or (lambda done, total: None))
        retriever = Retriever.from_settings(self.settings, embedder=embedder, build=False, progress=False)
        self._pipeline = Pipeline(self.settings, retriever=retriever, generator=old.generator)
        log.info("index updated: %d documents", len(retriever.store.manifest.sources))

    def _build(self, embedder, progress: Progress) -> None:
        report = build_index(self.settings, ProgressEmbedder(embedder, progress), progress=False)
        self._skipped = (report.path.name, list(report.skipped))

    def _skipped_files(self, manifest) -> list[Skipped]:
        """Files left out of the live build, with why (read again when this process did not build it)."""
        if self._skipped is None or self._skipped[0] != _build_name(self.settings):
            named = source_files(self.settings)
            limit = max_file_bytes(self.settings)
            again = [
                read_named(path, name, root, limit) for name, path, root in named if name in manifest.skipped
            ]
            left_out = [s for s in again if isinstance(s, Skipped)]
            self._skipped = (_build_name(self.settings), left_out + unsupported_files(self.settings.docs_dir))
        return self._skipped[1]


class LivePipeline:
    """Stands in for the live pipeline where code keeps one pipeline object (qa.app.http_api):
    every attribute is read from `library.pipeline` when used, so an index update reaches it."""

    def __init__(self, library: Library):
        self._library = library

    def __getattr__(self, name: str):
        return getattr(self._library.pipeline, name)


def _count(step: Step, done: int, total: int) -> None:
    step.done, step.total = done, total
    step.detail = f"embedding {done} of {total} passages"


def _build_name(settings: Settings) -> str:
    try:
        return (Path(settings.index_dir) / "CURRENT").read_text().strip()
    except OSError:
        return ""


def _read_or_none(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


def _write_atomically(path: Path, raw: bytes) -> None:
    """Write beside the target under a hidden name (never indexed), then rename over it."""
    part = path.with_name(f".{path.name}.part")
    part.write_bytes(raw)
    os.replace(part, path)


def _restore(path: Path, old: bytes | None) -> None:
    """Put a file back as it was before a failed update (gone if it did not exist)."""
    try:
        if old is None:
            path.unlink(missing_ok=True)
        else:
            _write_atomically(path, old)
    except OSError:
        log.exception("could not restore %s after a failed update", path)
