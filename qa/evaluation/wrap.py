"""Hard-wrapped copies of a documents folder, and where each original line went.

A copy wraps every line of every .txt/.md file that is longer than `width` characters with
`textwrap` (no breaking inside long words or at hyphens), keeping blank lines, as PDF pages and
hard-wrapped Markdown come. Other files (PDF, HTML) are copied unchanged: their lines are layout
already. The line map says, per file, which wrapped lines each original line became:

    line_map = {"a.txt": {1: (1, 3), 2: (4, 4)}, ...}   # original line -> (first, last) wrapped line

so gold lines can be mapped onto the copy (`map_lines`). Files are only rewritten when their bytes
change, so the index of the copy updates incrementally like any other.
"""

from __future__ import annotations

import logging
import textwrap
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__name__)

WRAPPED_SUFFIXES = (".txt", ".md")
LineMap = dict[str, dict[int, tuple[int, int]]]  # file -> original line -> (first, last) new line


def wrap_lines(text: str, width: int) -> tuple[str, dict[int, tuple[int, int]]]:
    """Wrap each line of `text` longer than `width`; returns the new text and the line map.

    >>> new, where = wrap_lines("short\\n\\none two three four", 9)
    >>> new.split("\\n"), where
    (['short', '', 'one two', 'three', 'four'], {1: (1, 1), 2: (2, 2), 3: (3, 5)})

    Lines are "\\n"-separated, as `cat -n` counts them; a line of only spaces stays one blank line.
    """
    out: list[str] = []
    where: dict[int, tuple[int, int]] = {}
    for number, line in enumerate(text.split("\n"), start=1):
        pieces = [line]
        if len(line) > width:
            pieces = textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False) or [""]
        where[number] = (len(out) + 1, len(out) + len(pieces))
        out.extend(pieces)
    if text.endswith("\n"):  # the empty string after the last "\n" is not a line
        where.pop(len(where), None)
    return "\n".join(out), where


def wrap_folder(source: Path, target: Path, width: int) -> LineMap:
    """Make (or bring up to date) a wrapped copy of `source` in `target`; returns the line map.

    Files in `target` that are not in `source` any more are removed; hidden files are left out,
    as the indexer leaves them out. A .txt/.md file that is not UTF-8 is copied unchanged.
    """
    if width < 10:
        raise ValueError(f"wrap width must be at least 10 columns, not {width}")
    target.mkdir(parents=True, exist_ok=True)
    line_map: LineMap = {}
    wanted: set[Path] = set()
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if not path.is_file() or any(part.startswith(".") for part in rel.parts):
            continue
        wanted.add(rel)
        data = path.read_bytes()
        if path.suffix.lower() in WRAPPED_SUFFIXES:
            try:
                text, where = wrap_lines(data.decode("utf-8"), width)
                data = text.encode("utf-8")
                line_map[rel.as_posix()] = where
            except UnicodeDecodeError:
                log.warning("%s is not UTF-8; copied unwrapped", path)
        _write_if_changed(target / rel, data)
    for path in sorted(target.rglob("*"), reverse=True):
        if path.is_file() and path.relative_to(target) not in wanted:
            path.unlink()
    return line_map


def _write_if_changed(path: Path, data: bytes) -> None:
    if path.is_file() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def map_lines(lines: Iterable[tuple[str, int]], line_map: LineMap) -> tuple[tuple[str, int], ...]:
    """Every wrapped line each (file, line) became, in order, without repeats.

    >>> map_lines([("a.txt", 3), ("b.pdf", 7)], {"a.txt": {3: (3, 5)}})
    (('a.txt', 3), ('a.txt', 4), ('a.txt', 5), ('b.pdf', 7))

    Files without a map (PDF, HTML, non-UTF-8) and lines past a file's end keep their number.
    """
    out: dict[tuple[str, int], None] = {}
    for file, line in lines:
        first, last = line_map.get(file, {}).get(line, (line, line))
        for n in range(first, last + 1):
            out[(file, n)] = None
    return tuple(out)
