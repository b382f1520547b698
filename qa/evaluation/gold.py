"""Load and validate the gold question set (JSONL, one item per line).

Each line is an object like

    {"id": "q001", "question": "How many people live in X?", "answers": ["16,687", "about 16,700"],
     "must_contain": ["16687"], "sources": [{"file": "001_x.txt", "lines": [12]}],
     "type": "numeric", "difficulty": "easy", "derived": false}

Unanswerable items have empty `answers`, `must_contain` and `sources`. Blank lines are skipped.
Every problem is reported as an InputError naming the file and line number.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from qa.errors import InputError
from qa.evaluation.metrics import contains_all

log = logging.getLogger(__name__)

QUESTION_TYPES = ("factoid", "numeric", "list", "multi-hop", "paraphrase", "unanswerable")
_REQUIRED = ("id", "question", "answers", "must_contain", "sources", "type", "difficulty")
_KNOWN = frozenset(_REQUIRED + ("derived",))


@dataclass(frozen=True)
class GoldItem:
    """One gold question with what a correct, well-cited answer must contain."""

    id: str
    question: str
    answers: tuple[str, ...]  # canonical answer first
    must_contain: tuple[str, ...]  # 1-3 strings, all of which a correct answer contains
    sources: tuple[tuple[str, int], ...]  # (file, line) gold lines, in file order, no repeats
    type: str  # one of QUESTION_TYPES
    difficulty: str
    derived: bool = False  # True if written by transforming another item (e.g. a paraphrase)

    @property
    def answerable(self) -> bool:
        return self.type != "unanswerable"


def _string_list(obj: dict, key: str, where: str) -> tuple[str, ...]:
    value = obj[key]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise InputError(f'{where}: "{key}" must be a list of non-empty strings, e.g. ["16,687"]')
    return tuple(v.strip() for v in value)


def _sources(obj: dict, where: str) -> tuple[tuple[str, int], ...]:
    value = obj["sources"]
    hint = 'e.g. [{"file": "001_x.txt", "lines": [12, 13]}]'
    if not isinstance(value, list):
        raise InputError(f'{where}: "sources" must be a list of {{"file", "lines"}} objects, {hint}')
    pairs: dict[tuple[str, int], None] = {}  # dict as an ordered set
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


def parse_item(obj: object, where: str) -> GoldItem:
    """Validate one decoded JSON object; `where` ("gold.jsonl:7") prefixes every error message."""
    if not isinstance(obj, dict):
        raise InputError(f"{where}: expected a JSON object, got {type(obj).__name__}")
    missing = [k for k in _REQUIRED if k not in obj]
    if missing:
        raise InputError(f"{where}: missing field(s) {', '.join(missing)}")
    unknown = sorted(set(obj) - _KNOWN)
    if unknown:
        log.warning("%s: ignoring unknown field(s) %s", where, ", ".join(unknown))

    item_id, question = obj["id"], obj["question"]
    if not isinstance(item_id, str) or not item_id.strip():
        raise InputError(f'{where}: "id" must be a non-empty string')
    if not isinstance(question, str) or not question.strip():
        raise InputError(f'{where}: "question" must be a non-empty string')
    kind = obj["type"]
    if kind not in QUESTION_TYPES:
        raise InputError(f'{where}: "type" must be one of {", ".join(QUESTION_TYPES)}, not {kind!r}')
    difficulty = obj["difficulty"]
    if isinstance(difficulty, bool) or not isinstance(difficulty, (str, int)):
        raise InputError(f'{where}: "difficulty" must be a string such as "easy"')
    derived = obj.get("derived", False)
    if not isinstance(derived, bool):
        raise InputError(f'{where}: "derived" must be true or false')

    answers = _string_list(obj, "answers", where)
    must_contain = _string_list(obj, "must_contain", where)
    sources = _sources(obj, where)
    if kind == "unanswerable":
        if answers or must_contain or sources:
            raise InputError(
                f'{where}: an unanswerable item must have empty "answers", "must_contain", "sources"'
            )
    else:
        if not answers:
            raise InputError(f'{where}: "answers" is empty; give the canonical answer first')
        if not 1 <= len(must_contain) <= 3:
            raise InputError(f'{where}: "must_contain" needs 1 to 3 strings, has {len(must_contain)}')
        if not sources:
            raise InputError(f'{where}: "sources" is empty; list the file and lines that hold the answer')
        if not any(contains_all(a, must_contain) for a in answers):
            # Not fatal: the gold may be deliberately looser, but usually this is a typo.
            log.warning("%s: no listed answer contains all of must_contain %s", where, list(must_contain))
    return GoldItem(
        id=item_id.strip(),
        question=question.strip(),
        answers=answers,
        must_contain=must_contain,
        sources=sources,
        type=kind,
        difficulty=str(difficulty),
        derived=derived,
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
            if file not in line_counts:
                try:
                    line_counts[file] = len((docs_dir / file).read_text(encoding="utf-8").splitlines())
                except (OSError, UnicodeDecodeError):
                    line_counts[file] = None
            count = line_counts[file]
            if count is None:
                problems[f"{item.id}: source file {file} not found in {docs_dir}"] = None
            elif line > count:
                problems[f"{item.id}: {file} has {count} lines, gold cites line {line}"] = None
    return list(problems)
