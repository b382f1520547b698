"""Reading a folder of articles into Documents with 1-based line numbering.

.txt and .md files are numbered as `cat -n` numbers them; .html files by the lines of their
visible text (html_text.py); .pdf files by page and line on the page (pdf_text.py), with the
pages joined into one text so that every document has plain global line numbers too.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

from qa.ingest.folder import Skipped, inside, scan_folder
from qa.ingest.html_text import html_to_text
from qa.ingest.pdf_text import UnreadablePdf, join_pages, pdf_pages

log = logging.getLogger(__name__)

EXTENSIONS = (".txt", ".md", ".html", ".htm", ".pdf")
HTML = (".html", ".htm")
# Bigger files are skipped, not read into memory (Settings.max_file_mb, QA_MAX_FILE_MB): at about
# 700 characters a chunk, 10 MB of text is ~15,000 chunks, 30-35 minutes of embedding on 2 busy cores.
MAX_FILE_BYTES = 10 * 1024 * 1024
# Tried in order; utf-8 covers nearly everything, gb18030 covers Chinese legacy files,
# latin-1 never fails, so a file always decodes (odd bytes become odd letters, not a crash).
ENCODINGS = ("utf-8", "utf-16", "gb18030", "latin-1")
MIXED = "utf-8+latin-1"  # a UTF-8 file with some lines that are not: those lines alone read as Latin-1


@dataclass(frozen=True)
class Document:
    """One source file. `text` has "\\n" line ends; line n is text.split("\\n")[n-1]."""

    file: str  # path relative to the corpus folder, "/"-separated
    text: str
    sha256: str  # of the raw bytes on disk
    encoding: str  # "pdf" for PDFs
    page_starts: tuple[int, ...] = ()  # PDFs: the line each page starts on (page 1 first); else ()

    @functools.cached_property
    def line_starts(self) -> list[int]:
        """Offset of the first character of each line (index 0 is line 1)."""
        starts = [0]
        starts.extend(i + 1 for i, ch in enumerate(self.text) if ch == "\n")
        return starts

    def line_of(self, offset: int) -> int:
        """1-based line number of a character offset.

        >>> Document("a", "x\\n\\ny", "", "utf-8").line_of(3)
        3
        """
        return bisect.bisect_right(self.line_starts, offset)

    def line(self, number: int) -> str:
        """Text of a 1-based line, without its line end."""
        starts = self.line_starts
        if not 1 <= number <= len(starts):
            raise IndexError(f"{self.file} has {len(starts)} lines, not {number}")
        end = starts[number] - 1 if number < len(starts) else len(self.text)
        return self.text[starts[number - 1] : end]

    def page_of(self, line: int) -> tuple[int, int] | None:
        """(page, line on that page) of a 1-based line of a PDF; None for other files."""
        return page_location(self.page_starts, line)


def page_location(page_starts: tuple[int, ...] | list[int], line: int) -> tuple[int, int] | None:
    """(page, line on the page), both 1-based, from the lines pages start on; None without pages.

    >>> page_location((1, 3, 4), 3), page_location((1, 3, 4), 2), page_location((), 2)
    ((2, 1), (1, 2), None)
    """
    if not page_starts:
        return None
    page = bisect.bisect_right(page_starts, line)
    return page, line - page_starts[page - 1] + 1


def decode(raw: bytes) -> tuple[str, str]:
    """Bytes to text with normalised line ends; returns (text, encoding).

    A UTF-8 file with a few stray bytes (one Latin-1 "\\xe9" in 50 MB) stays UTF-8: only the lines
    that are not valid UTF-8 are read as Latin-1, and the encoding says "utf-8+latin-1".

    >>> decode(b"a\\r\\nb")
    ('a\\nb', 'utf-8')
    >>> decode("h\u00e9 ".encode() + b"\\ncaf\\xe9")
    ('h\u00e9 \\ncaf\u00e9', 'utf-8+latin-1')
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    text, encoding = _decode_whole(raw)
    return text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff"), encoding


def _decode_whole(raw: bytes) -> tuple[str, str]:
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # without a BOM almost any bytes "decode" as utf-16
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    lines = raw.split(b"\n")
    if any(_is_utf8_beyond_ascii(line) for line in lines):
        return "\n".join(_decode_line(line) for line in lines), MIXED
    for encoding in ENCODINGS[2:]:
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes any bytes")


def _is_utf8_beyond_ascii(line: bytes) -> bool:
    """A line with non-ASCII bytes that are valid UTF-8: the file is UTF-8 (GB18030 and Latin-1 text
    almost never happens to be valid UTF-8)."""
    if line.isascii():
        return False
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _decode_line(line: bytes) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return line.decode("latin-1")


def looks_binary(raw: bytes) -> bool:
    """NUL bytes in the first 8 kB mean a binary file (utf-16 text has a BOM and is let through)."""
    head = raw[:8192]
    return b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff"))


def read_document(path: Path, root: Path, max_bytes: int = MAX_FILE_BYTES) -> Document | Skipped:
    """One supported file as a Document, or Skipped with the reason it cannot be used.

    Files over max_bytes are not read (the reason names the QA_MAX_FILE_MB setting), nor is a
    link that leads outside root (checked again here: the link may have changed since the scan).
    """
    name = path.relative_to(root).as_posix()
    if path.is_symlink() and not inside(path, root):
        return Skipped(name, "symbolic link to a file outside the folder: not read")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return Skipped(name, too_large(size, max_bytes))
        raw = path.read_bytes()
    except OSError as e:
        return Skipped(name, f"cannot be read ({e.strerror or e})")
    sha256 = hashlib.sha256(raw).hexdigest()
    if path.suffix.lower() == ".pdf":
        try:
            text, starts = join_pages(pdf_pages(raw))
        except UnreadablePdf as e:
            return Skipped(name, str(e))
        return Document(name, text, sha256, "pdf", starts)
    if looks_binary(raw):
        return Skipped(name, "binary file")
    text, encoding = decode(raw)
    if path.suffix.lower() in HTML:
        text = html_to_text(text)
    if not text.strip():
        return Skipped(name, "empty file" if path.suffix.lower() not in HTML else "no visible text")
    if encoding == MIXED:
        log.warning("%s is UTF-8 but some lines are not; read those lines as Latin-1", name)
    elif encoding not in ("utf-8", "utf-16"):
        log.warning("%s is not UTF-8; read it as %s", name, encoding)
    return Document(name, text, sha256, encoding)


def is_safe_name(name: object) -> bool:
    """Whether a file name can only mean a file inside the corpus folder: relative, "/"-separated,
    no "..", "." or empty parts, no NUL (nor drive letter or backslash, on Windows).

    >>> [is_safe_name(n) for n in ("a/b.txt", "x: y.md", "../etc/passwd", "/etc/passwd", "a//b", "a/./b")]
    [True, True, False, False, False, False]
    """
    if not isinstance(name, str) or not name or "\x00" in name:
        return False
    if os.name == "nt" and ("\\" in name or re.match(r"[A-Za-z]:", name)):
        return False
    return not name.startswith("/") and all(part not in ("", ".", "..") for part in name.split("/"))


def too_large(size: int, max_bytes: int) -> str:
    """The skipped-file reason for a file over the size limit.

    >>> too_large(52_428_800, 10 * 2**20)
    '50.0 MB, over the 10 MB limit: split it, or raise QA_MAX_FILE_MB'
    """
    limit = f"{max_bytes / 2**20:g} MB"
    return f"{size / 2**20:.1f} MB, over the {limit} limit: split it, or raise QA_MAX_FILE_MB"


def list_sources(root: Path) -> list[Path]:
    """Every .txt/.md/.html/.htm/.pdf file under root that may be read (qa/ingest/folder.py), sorted."""
    return [p for p in scan_folder(Path(root)).files if p.suffix.lower() in EXTENSIONS]


def unsupported_files(root: Path) -> list[Skipped]:
    """Everything under root that is never read, with why: files of other types, and the links,
    folders and names that the folder walk leaves out (qa/ingest/folder.py)."""
    root = Path(root)
    scan = scan_folder(root)
    other = [
        Skipped(p.relative_to(root).as_posix(), f"unsupported file type {p.suffix.lower() or '(none)'}")
        for p in scan.files
        if p.suffix.lower() not in EXTENSIONS
    ]
    return sorted(other + list(scan.skipped), key=lambda s: s.file)


def no_documents_message(root: Path) -> str:
    return f"no readable .txt, .md, .html or .pdf files in {root}"
