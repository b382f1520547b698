"""What the `qa` command reads and prints: an argument or standard input, text that cannot drive the
terminal, JSON that is also safe on it, and an answer with its cited lines."""

from __future__ import annotations

import json
import re
import sys

from qa.answer.attribution import according_to
from qa.errors import InputError
from qa.inputs import printable


def read_arg(value: str | None, what: str) -> str:
    if value == "-":
        return sys.stdin.read()
    if value is None:
        raise InputError(f"give a {what}, or - to read it from standard input")
    return value


def say(text: str = "", file=None, end: str = "\n") -> None:
    """print() for people: document text cannot drive the terminal (qa.inputs.printable)."""
    print(printable(text), file=file or sys.stdout, end=end, flush=True)


# json.dumps escapes C0 controls but not DEL, C1 (\x9b is a CSI on some terminals) or U+2028/9.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def to_json(obj, indent: int | None = None) -> str:
    """JSON for machines that is also safe on a terminal; the same data once parsed.

    >>> to_json({"t": "a\x1bb\x9bc"})
    '{"t": "a\\\\u001bb\\\\u009bc"}'
    """
    text = json.dumps(obj, ensure_ascii=False, indent=indent)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def format_answer(answer) -> str:
    """The answer, "According to X: " before it when it is someone's opinion or words (as the chat
    page shows it), then each cited line."""
    lead = f"{according_to(answer.speaker)}: " if answer.speaker else ""
    lines = [lead + answer.text]
    for c in answer.citations:
        lines.append(f"  [{c.location}] {c.text}")
    return "\n".join(lines)
