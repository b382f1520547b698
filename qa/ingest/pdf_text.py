"""The text of a PDF, page by page, with pypdf.

A citation in a PDF names a page and a line on that page: line n of page p is line n of
`pdf_pages(raw)[p - 1]`, the page's text as pypdf lays it out (1-based, blank lines counted).
"""

from __future__ import annotations

import io
import logging

log = logging.getLogger(__name__)
# pypdf logs every repair it makes to a slightly damaged file; the reason a file is skipped is
# reported by the indexer, so only pypdf's errors get through.
logging.getLogger("pypdf").setLevel(logging.ERROR)


class UnreadablePdf(Exception):
    """A PDF that cannot be indexed; the message is the reason shown beside the skipped file."""


def pdf_pages(raw: bytes) -> list[str]:
    """Text of every page ("" for a page without text), line ends normalised to "\\n".

    Raises UnreadablePdf for a damaged file, an encrypted one that needs a password, or one
    whose pages hold no text at all (scanned images: there is no OCR here).
    """
    import pypdf  # imported here so that reading .txt folders never pays for it
    from pypdf.errors import DependencyError, PyPdfError

    try:
        reader = pypdf.PdfReader(io.BytesIO(raw))
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")  # many PDFs are "encrypted" with an empty password
            except (DependencyError, NotImplementedError) as e:
                raise UnreadablePdf(f"encrypted PDF that cannot be opened here ({e})") from e
            if not opened:
                raise UnreadablePdf("encrypted PDF (needs a password)")
        pages = [_page_text(page) for page in reader.pages]
    except UnreadablePdf:
        raise
    except (PyPdfError, ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError) as e:
        # pypdf signals damage with its own errors and, on odd files, with plain Python ones.
        raise UnreadablePdf(f"unreadable PDF ({type(e).__name__}: {e})") from e
    if not any(p.strip() for p in pages):
        raise UnreadablePdf("PDF without text (scanned pages are not read: no OCR)")
    return pages


def _page_text(page) -> str:
    text = page.extract_text() or ""
    return text.replace("\r\n", "\n").replace("\r", "\n").rstrip()


def join_pages(pages: list[str]) -> tuple[str, tuple[int, ...]]:
    """The document text (pages joined by line ends) and the line each page starts on.

    >>> join_pages(["a\\nb", "", "c"])
    ('a\\nb\\n\\nc', (1, 3, 4))
    """
    starts = []
    line = 1
    for text in pages:
        starts.append(line)
        line += text.count("\n") + 1
    return "\n".join(pages), tuple(starts)
