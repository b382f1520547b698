"""Files people add from the web page: where they live, how they are named, and which are refused.

Uploads never go into the documents folder (by default the shipped `seeds/`, which must stay a
byte-for-byte copy of the articles). They go into their own folder, `settings.uploads_path`
(QA_UPLOADS_DIR; by default `uploads/` beside the index folder), and are indexed together with the
documents folder under the name "uploads/<file>", so a citation says where a line came from.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import tempfile
from pathlib import Path

from qa.config import Settings
from qa.errors import InputError
from qa.ingest.corpus import EXTENSIONS, MAX_FILE_BYTES, Document, Skipped, list_sources, read_document

log = logging.getLogger(__name__)

PREFIX = "uploads/"  # index names of uploaded files: "uploads/report.pdf"
MAX_UPLOAD_BYTES = 20 * 2**20  # a page upload; bigger collections belong in --docs
MAX_NAME_CHARS = 120
_BAD_NAME = re.compile(r"[\x00-\x1f/\\:*?\"<>|]")


def uploads_enabled(settings: Settings) -> str:
    """ "" when uploads can be stored, else why not (the folder lies inside the documents folder)."""
    uploads, docs = settings.uploads_path.resolve(), Path(settings.docs_dir).resolve()
    if uploads == docs or docs in uploads.parents or uploads in docs.parents:
        return f"uploads are off: the uploads folder {uploads} overlaps the documents folder {docs}"
    return ""


def source_files(settings: Settings) -> list[tuple[str, Path, Path]]:
    """(index name, path, the folder it was found in) of every file to index: the documents
    folder's, then the uploads.

    >>> # [("001_x.txt", Path("seeds/001_x.txt"), Path("seeds")), ("uploads/r.pdf", ..., Path("uploads"))]
    """
    root = Path(settings.docs_dir)
    named = [(p.relative_to(root).as_posix(), p, root) for p in list_sources(root)]
    uploads = settings.uploads_path
    if uploads_enabled(settings) or not uploads.is_dir():
        return named
    taken = {name for name, _, _ in named}
    for path in list_sources(uploads):
        name = PREFIX + path.relative_to(uploads).as_posix()
        if name in taken:  # the documents folder has its own "uploads/" subfolder: it wins
            log.warning("uploaded %s is hidden by the documents folder's file of that name", name)
            continue
        named.append((name, path, uploads))
    return named


def read_named(path: Path, name: str, root: Path, max_bytes: int = MAX_FILE_BYTES) -> Document | Skipped:
    """read_document for a file found under `root` whose index name is `name` (uploads are indexed
    as "uploads/<file>", not under docs_dir); nothing outside `root` is read."""
    found = read_document(path, root, max_bytes)
    return dataclasses.replace(found, file=name)


def clean_upload_name(name: str) -> str:
    """The file name an upload is stored under, or InputError saying why it is refused.

    >>> clean_upload_name("C:\\\\Users\\\\ann\\\\Q3 report.PDF")
    'Q3 report.PDF'
    """
    base = re.split(r"[\\/]", str(name or ""))[-1].strip()
    if not base or base.startswith(".") or _BAD_NAME.search(base) or len(base) > MAX_NAME_CHARS:
        raise InputError(
            f"{name!r} is not a usable file name: give it a plain name of at most {MAX_NAME_CHARS} "
            "characters, not starting with a dot"
        )
    if Path(base).suffix.lower() not in EXTENSIONS:
        kind = Path(base).suffix or "a file without a type"
        raise InputError(f"{base}: only {', '.join(EXTENSIONS)} files can be added, not {kind}")
    return base


def check_upload(name: str, raw: bytes) -> Document:
    """The document an upload would add, or InputError with the reason it is refused
    (type, name, size, or a file that cannot be read: empty, binary, damaged or scanned PDF)."""
    base = clean_upload_name(name)
    if len(raw) > MAX_UPLOAD_BYTES:
        size, limit = len(raw) / 2**20, MAX_UPLOAD_BYTES // 2**20
        raise InputError(f"{base} is {size:.1f} MB; files up to {limit} MB can be added")
    with tempfile.TemporaryDirectory(prefix="qa-upload-") as tmp:
        path = Path(tmp) / base
        path.write_bytes(raw)
        doc = read_named(path, PREFIX + base, Path(tmp))
    if isinstance(doc, Skipped):
        raise InputError(f"{base} cannot be used: {doc.reason}")
    return doc
