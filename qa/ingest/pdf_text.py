"""The text of a PDF, page by page, with pypdf.

A citation in a PDF names a page and a line on that page: line n of page p is line n of
`pdf_pages(raw)[p - 1]`, the page's text as pypdf lays it out (1-based, blank lines counted).

TeX's Computer Modern text fonts have no underscore: "\\_" outside typewriter type is a short rule
drawn between the letters, which pypdf reads as a gap, so a heading "asn1_perror" came out as
"asn1 perror". A short horizontal rule on the baseline between two pieces of text of one line is
read back as "_" (_underscores).
"""

from __future__ import annotations

import io
import logging

log = logging.getLogger(__name__)
# pypdf logs every repair it makes to a slightly damaged file; the reason a file is skipped is
# reported by the indexer, so only pypdf's errors get through.
logging.getLogger("pypdf").setLevel(logging.ERROR)


RULE_MAX_WIDTH = 8.0  # points: an underscore is about 0.3-0.5 em; a table or underline rule is longer
RULE_MAX_HEIGHT = 1.0
RULE_GAP = 2.5  # points between the rule's end and the next letter, and its height over the baseline


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
    pieces: list[tuple[str, float, float]] = []  # (text as pypdf lays it out, x, y of its start)
    rules: list[tuple[float, float, float]] = []  # (x from, x to, y) of short horizontal rules
    path: list[tuple[float, float]] = []

    def operator(op: bytes, args: list, cm: list[float], tm: list[float]) -> None:
        try:
            _path_step(op, args, cm, path, rules)
        except (TypeError, ValueError, IndexError):  # odd operands: no underscore from this path
            path.clear()

    def shown(text: str, cm: list[float], tm: list[float], font, size) -> None:
        pieces.append((text, *_apply(cm, tm[4], tm[5])))

    text = page.extract_text(visitor_operand_before=operator, visitor_text=shown) or ""
    if rules and "".join(p[0] for p in pieces) == text:
        text = _underscores(pieces, rules)
    return text.replace("\r\n", "\n").replace("\r", "\n").rstrip()


def _path_step(op: bytes, args: list, cm: list[float], path: list, rules: list) -> None:
    """Follow one path operator; a short horizontal line or thin box, once painted, joins `rules`."""
    if op == b"m":  # a new path: an underscore is one line (m, l, S) or a thin box (re, f)
        path[:] = [_apply(cm, float(args[0]), float(args[1]))]
    elif op == b"l" and path:
        path.append(_apply(cm, float(args[0]), float(args[1])))
    elif op in (b"c", b"v", b"y", b"h"):  # a curve or a closed shape is no rule
        path.extend([(0.0, 0.0), (0.0, 1.0)])
    elif op == b"re":
        x, y, w, h = (float(a) for a in args)
        path[:] = (
            [_apply(cm, x, y + h / 2), _apply(cm, x + w, y + h / 2)] if abs(h) <= RULE_MAX_HEIGHT else []
        )
    elif op in (b"S", b"f", b"F", b"f*", b"B", b"b", b"n"):
        if op != b"n" and len(path) == 2 and abs(path[0][1] - path[1][1]) < 0.1:
            (x0, y), (x1, _) = sorted(path)
            if 0 < x1 - x0 <= RULE_MAX_WIDTH:
                rules.append((x0, x1, y))
        path.clear()


def _apply(cm: list[float], x: float, y: float) -> tuple[float, float]:
    """A point through a PDF transformation matrix [a b c d e f]."""
    return cm[0] * x + cm[2] * y + cm[4], cm[1] * x + cm[3] * y + cm[5]


def _underscores(pieces: list[tuple[str, float, float]], rules: list[tuple[float, float, float]]) -> str:
    """The pieces joined, with "_" for the gap before a piece that starts right after a short rule
    on its baseline, when the piece before it on that line ends in a letter or digit.

    >>> _underscores([("asn1", 90, 700), (" perror", 125, 700)], [(119.5, 124, 700.3)])
    'asn1_perror'
    >>> _underscores([("asn1", 90, 700), (" perror", 125, 700)], [(119.5, 124, 650)])
    'asn1 perror'
    """
    out: list[str] = []
    last = None  # (text, y) of the last piece with text
    for text, x, y in pieces:
        if text.strip() and last is not None and last[0][-1:].isalnum() and abs(last[1] - y) < 1:
            word = text.lstrip(" ")
            after_rule = any(0 <= x - x1 <= RULE_GAP and abs(ry - y) <= RULE_GAP for _, x1, ry in rules)
            if after_rule and word[:1].isalnum() and len(text) - len(word) <= 1:
                text = "_" + word
        out.append(text)
        if text.strip():
            last = (text, y)
    return "".join(out)


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
