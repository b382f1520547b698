"""Walking the document folder: which files may be read, and why the others are left out.

Nothing outside the folder is read. A symbolic link to a file inside the folder is followed;
links to folders are not (they could lead anywhere, or in a circle), and a link that leads
outside the folder, nowhere (dangling) or in a loop is listed as skipped with its reason, as are
sub-folders that cannot be read and names that are not valid UTF-8 (the index is UTF-8 JSON, so
such a name could not be stored; renaming the file fixes it). Hidden files and folders (".x") are
left out silently, as editors and version control keep their own files there.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from pathlib import Path

from qa.errors import CorpusError


@dataclass(frozen=True)
class Skipped:
    file: str  # relative, "/"-separated, always printable as UTF-8 (odd bytes shown as "\ufffd")
    reason: str


@dataclass(frozen=True)
class FolderScan:
    files: tuple[Path, ...]  # regular files (or links to files inside the folder), sorted by name
    skipped: tuple[Skipped, ...]  # entries that are not read, each with why


def display_name(name: str) -> str:
    """A file name that can be printed and stored as UTF-8: undecodable bytes become U+FFFD.

    >>> display_name("caf\\udce9.txt")
    'caf\\ufffd.txt'
    """
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def is_utf8_name(name: str) -> bool:
    """Whether os gave the name without surrogate escapes (i.e. its bytes are valid UTF-8)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def scan_folder(root: Path) -> FolderScan:
    """Every visible file under root that may be read, and every entry left out with the reason."""
    root = Path(root)
    if not root.is_dir():
        raise CorpusError(f"document folder {root} does not exist: pass --docs DIR or set QA_DOCS_DIR")
    real_root = root.resolve()
    files: list[tuple[str, Path]] = []
    skipped: list[Skipped] = []

    def unreadable(e: OSError) -> None:
        name = Path(e.filename).relative_to(root).as_posix() if e.filename else "."
        skipped.append(Skipped(display_name(name) + "/", f"folder cannot be read ({e.strerror or e})"))

    for folder, dirs, names in os.walk(root, onerror=unreadable, followlinks=False):
        here = Path(folder)
        kept = []
        for d in sorted(dirs):
            if d.startswith("."):
                continue
            if (here / d).is_symlink():
                rel = (here / d).relative_to(root).as_posix()
                skipped.append(Skipped(display_name(rel) + "/", "symbolic link to a folder: not followed"))
                continue
            kept.append(d)
        dirs[:] = kept  # os.walk descends only into these
        for n in names:
            if n.startswith("."):
                continue
            path = here / n
            rel = path.relative_to(root).as_posix()
            reason = _why_not_read(path, rel, real_root)
            if reason:
                skipped.append(Skipped(display_name(rel), reason))
            else:
                files.append((rel, path))
    files.sort()
    skipped.sort(key=lambda s: s.file)
    return FolderScan(tuple(p for _, p in files), tuple(skipped))


def _why_not_read(path: Path, rel: str, real_root: Path) -> str:
    """ "" when the file may be read; else the reason it is not."""
    if not is_utf8_name(rel):
        return "its name is not valid UTF-8: rename it (e.g. with convmv) to index it"
    if path.is_symlink():
        return link_problem(path, real_root)
    if not path.is_file():
        return "not a regular file"
    return ""


def link_problem(path: Path, real_root: Path) -> str:
    """Why a symbolic link is not followed; "" for a link to a regular file inside real_root."""
    try:
        target = path.resolve(strict=True)
    except FileNotFoundError:
        return "dangling symbolic link (its target does not exist)"
    except RuntimeError:  # Python < 3.13 reports a loop as RuntimeError
        return "symbolic link loop"
    except OSError as e:
        if e.errno == errno.ELOOP:
            return "symbolic link loop"
        return f"symbolic link cannot be followed ({e.strerror or e})"
    if not target.is_relative_to(real_root):
        return "symbolic link to a file outside the folder: not read"
    if not target.is_file():
        return "symbolic link to something that is not a regular file"
    return ""


def inside(path: Path, root: Path) -> bool:
    """Whether path, after following every link, is a file under root."""
    try:
        return Path(path).resolve(strict=True).is_relative_to(Path(root).resolve())
    except (OSError, RuntimeError):
        return False
