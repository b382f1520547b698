"""Readable document titles for the chat page: a document's first line (a Markdown heading without
its #s) cut at a sentence end or word, or its file name without a trailing hash."""

from __future__ import annotations

import re
import weakref
from pathlib import Path

_TITLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # store -> {file: title}, dies with it


def titles(store) -> dict[str, str]:
    """file -> readable title (document_title of its first line) for every file of a build."""
    if store not in _TITLES:
        first: dict[str, tuple[int, str]] = {}
        for (file, line), text in store.lines.items():
            if file not in first or line < first[file][0]:
                first[file] = (line, text)
        _TITLES[store] = {f: document_title(f, first.get(f, (0, ""))[1]) for f in store.manifest.sources}
    return _TITLES[store]


def document_title(file: str, first_line: str, limit: int = 72) -> str:
    """A title people can read: the document's first line (a Markdown heading without its #s),
    cut at a word near `limit`; without text, the file name without a trailing hash.

    >>> document_title("notes.md", "# Clinic fees 2022")
    'Clinic fees 2022'
    >>> document_title("001_5c3b6ceae2eb49f9.txt", "")
    '001'
    >>> document_title("a.txt", "Nanchang, March 19 (Reporter Wu) The reporter learned", limit=40)
    'Nanchang, March 19 (Reporter Wu)'
    """
    text = " ".join(first_line.lstrip("#").split())
    if not text:
        stem = Path(file).stem
        base, _, tail = stem.rpartition("_")
        return base if base and len(tail) >= 12 and all(c in "0123456789abcdef" for c in tail) else stem
    if len(text) <= limit:
        return text
    # The end of a sentence or a closing bracket ("…, March 19 (Reporter Wu Pengquan)") within the
    # limit makes a cleaner cut than a word; else cut at a word.
    ends = [m.end() for m in re.finditer(r"[.!?)\]:](?=\s)", text[: limit + 1]) if m.end() >= 20]
    if ends:
        return text[: ends[-1]].rstrip(".:")
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"
