"""Source previews: lines of an indexed article around a cited line.

They are read from the index's own copy of the lines, never from the disk, and
only for file names the index lists, so no argument can reach a file outside the
indexed corpus ("../../etc/passwd", an absolute path, a symlink added later).
"""

from __future__ import annotations

from qa.errors import InputError
from qa.index.store import IndexStore
from qa.ingest.corpus import is_safe_name

MAX_CONTEXT = 20  # lines either side; more is a download, not a preview


def source_lines(store: IndexStore, file: str, line: int, context: int = 2) -> list[tuple[int, str]]:
    """(line number, text) of the non-blank lines of `file` from line-context to line+context.

    Raises InputError for a file the index does not hold or a line it does not have.
    """
    if not isinstance(file, str) or not is_safe_name(file):
        raise InputError(f"{file!r} is not a file name inside the article folder")
    if file not in store.manifest.sources:
        raise InputError(f"no article named {file!r} is indexed")
    if not isinstance(line, int) or not isinstance(context, int) or not 0 <= context <= MAX_CONTEXT:
        raise InputError(f"line must be a whole number and context between 0 and {MAX_CONTEXT}")
    numbers = [n for f, n in store.lines if f == file]
    if not 1 <= line <= max(numbers):
        raise InputError(f"{file} has lines 1 to {max(numbers)}, not {line}")
    return [
        (n, store.lines[(file, n)])
        for n in range(line - context, line + context + 1)
        if (file, n) in store.lines
    ]
