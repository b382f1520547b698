"""Load and validate gold question sets (JSONL, one item per line).

Each line is an object like

    {"id": "q001", "question": "How many people live in X?", "answers": ["16,687", "about 16,700"],
     "any_of": ["16,687", "16687"], "sources": [{"file": "x.txt", "lines": [12]}], "type": "numeric"}

An answer is right when it contains any one of `any_of` after SQuAD normalisation; an item may
instead (or also) give `must_contain`: 1 or more strings that must all appear. `difficulty` and
`derived` are optional. `type` is free text; "unanswerable" marks an item whose right answer is an
abstention: it has empty `answers`, `any_of` and `must_contain`, and its `sources` (SQuAD keeps the
paragraph the question was written on) are kept as `context`, never scored as gold lines.
Blank lines are skipped. Every problem is reported as an InputError naming the file and line.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from qa.errors import InputError
from qa.evaluation.metrics import contains_all, contains_any

log = logging.getLogger(__name__)

UNANSWERABLE = "unanswerable"
_REQUIRED = ("id", "question", "answers", "sources", "type")
_KNOWN = frozenset(_REQUIRED + ("any_of", "must_contain", "difficulty", "derived"))

Line = tuple[str, int]  # (file, line), 1-based


@dataclass(frozen=True)
class GoldItem:
    """One gold question with what a correct, well-cited answer must contain."""

    id: str
    question: str
    answers: tuple[str, ...]  # canonical answer first
    any_of: tuple[str, ...]  # a correct answer contains one of them (SQuAD-normalised)
    must_contain: tuple[str, ...]  # a correct answer contains all of them
    sources: tuple[Line, ...]  # gold lines, in file order, no repeats; () when unanswerable
    type: str
    difficulty: str = ""
    derived: bool = False  # True if written by transforming another item (e.g. a computed sum)
    context: tuple[Line, ...] = ()  # unanswerable items: the lines the question was written on

    @property
    def answerable(self) -> bool:
        return self.type != UNANSWERABLE

    def is_correct(self, text: str) -> bool:
        """Does an answer `text` (not an abstention) hold the gold answer?

        >>> item = GoldItem("q", "?", ("Eiffel Tower",), ("the Eiffel tower",), (), (("a.txt", 1),), "x")
        >>> item.is_correct("It is the Eiffel Tower."), item.is_correct("A tower.")
        (True, False)
        """
        if self.must_contain and not contains_all(text, self.must_contain):
            return False
        return not self.any_of or contains_any(text, self.any_of)


def _string_list(obj: dict, key: str, where: str) -> tuple[str, ...]:
    value = obj.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise InputError(f'{where}: "{key}" must be a list of non-empty strings, e.g. ["16,687"]')
    return tuple(v.strip() for v in value)


def _sources(obj: dict, where: str) -> tuple[Line, ...]:
    value = obj["sources"]
    hint = 'e.g. [{"file": "001_x.txt", "lines": [12, 13]}]'
    if not isinstance(value, list):
        raise InputError(f'{where}: "sources" must be a list of {{"file", "lines"}} objects, {hint}')
    pairs: dict[Line, None] = {}  # dict as an ordered set
    for n, src in enumerate(value, start=1):
        if not isinstance(src, dict) or not isinstance(src.get("file"), str) or not src["file"].strip():
            raise InputError(f'{where}: source {n} needs a "file" string, {hint}')
        lines = src.get("lines")
        ok = isinstance(lines, list) and lines and all(type(x) is int and x >= 1 for x in lines)
        if not ok:
            raise InputError(f'{where}: source {n} needs "lines" as a non-empty list of 1-based line numbers')
        for line in lines:
            pairs[(src["file"].strip(), line)] = None
    return tuple(pairs)


def _check_fields(obj: object, where: str) -> dict:
    if not isinstance(obj, dict):
        raise InputError(f"{where}: expected a JSON object, got {type(obj).__name__}")
    missing = [k for k in _REQUIRED if k not in obj]
    if missing:
        raise InputError(f"{where}: missing field(s) {', '.join(missing)}")
    unknown = sorted(set(obj) - _KNOWN)
    if unknown:
        log.warning("%s: ignoring unknown field(s) %s", where, ", ".join(unknown))
    for key in ("id", "question", "type"):
        if not isinstance(obj[key], str) or not obj[key].strip():
            raise InputError(f'{where}: "{key}" must be a non-empty string')
    difficulty = obj.get("difficulty", "")
    if isinstance(difficulty, bool) or not isinstance(difficulty, (str, int)):
        raise InputError(f'{where}: "difficulty" must be a string such as "easy"')
    if not isinstance(obj.get("derived", False), bool):
        raise InputError(f'{where}: "derived" must be true or false')
    return obj


def parse_item(obj: object, where: str) -> GoldItem:
    """Validate one decoded JSON object; `where` ("gold.jsonl:7") prefixes every error message."""
    obj = _check_fields(obj, where)
    kind = obj["type"].strip()
    answers = _string_list(obj, "answers", where)
    any_of = _string_list(obj, "any_of", where)
    must_contain = _string_list(obj, "must_contain", where)
    sources = _sources(obj, where)
    if kind == UNANSWERABLE:
        if answers or any_of or must_contain:
            raise InputError(
                f'{where}: an unanswerable item must have empty "answers", "any_of", "must_contain"'
            )
    else:
        if not answers:
            raise InputError(f'{where}: "answers" is empty; give the canonical answer first')
        if not (any_of or must_contain):
            raise InputError(f'{where}: give "any_of" (one must appear) or "must_contain" (all must appear)')
        if not sources:
            raise InputError(f'{where}: "sources" is empty; list the file and lines that hold the answer')
        if must_contain and not any(contains_all(a, must_contain) for a in answers):
            # Not fatal: the gold may be deliberately looser, but usually this is a typo.
            log.warning("%s: no listed answer contains all of must_contain %s", where, list(must_contain))
    return GoldItem(
        id=obj["id"].strip(),
        question=obj["question"].strip(),
        answers=answers,
        any_of=any_of,
        must_contain=must_contain,
        sources=() if kind == UNANSWERABLE else sources,
        type=kind,
        difficulty=str(obj.get("difficulty", "")),
        derived=obj.get("derived", False),
        context=sources if kind == UNANSWERABLE else (),
    )


def parse_gold(lines: Iterable[str], name: str = "<gold>") -> tuple[GoldItem, ...]:
    """Parse JSONL text lines into GoldItems; ids must be unique."""
    items: list[GoldItem] = []
    seen: dict[str, int] = {}  # id -> line number where it first appeared
    for lineno, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        where = f"{name}:{lineno}"
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from None
        item = parse_item(obj, where)
        if item.id in seen:
            raise InputError(f"{where}: duplicate id {item.id!r} (first used on line {seen[item.id]})")
        seen[item.id] = lineno
        items.append(item)
    return tuple(items)


def load_gold(path: Path | str) -> tuple[GoldItem, ...]:
    """Read and validate a gold JSONL file; raises InputError on a missing, empty or bad file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"gold file not found: {path}; pass an existing JSONL file with --gold") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read gold file {path}: {exc}") from None
    items = parse_gold(text.splitlines(), name=str(path))
    if not items:
        raise InputError(f"gold file {path} holds no items; add one JSON object per line")
    return items


def check_sources(items: Iterable[GoldItem], docs_dir: Path) -> list[str]:
    """Problems with gold sources against the corpus: missing files or lines past the end.

    Returns human-readable messages (empty when all is well); the caller decides whether to warn.
    Reads each cited file once; does not check that the line actually holds the answer.
    """
    problems: dict[str, None] = {}  # ordered set: one message per missing file per item
    line_counts: dict[str, int | None] = {}  # file -> number of lines, None if unreadable
    for item in items:
        for file, line in item.sources:
            if Path(file).suffix.lower() not in (".txt", ".md"):
                continue  # PDF and HTML lines are counted in the extracted text, not the file's bytes
            if file not in line_counts:
                try:
                    line_counts[file] = (docs_dir / file).read_text(encoding="utf-8").count("\n") + 1
                except (OSError, UnicodeDecodeError):
                    line_counts[file] = None
            count = line_counts[file]
            if count is None:
                problems[f"{item.id}: source file {file} not found in {docs_dir}"] = None
            elif line > count:
                problems[f"{item.id}: {file} has {count} lines, gold cites line {line}"] = None
    return list(problems)
