"""Checking a user's question before any work is done on it."""

from __future__ import annotations

import re
import unicodedata

from qa.errors import InputError

HARD_LIMIT_CHARS = 100_000  # beyond this nothing is even cleaned: it is refused outright
# Terminal escape sequences (colours, cursor moves, OSC titles) pasted from a terminal: dropped whole,
# so "\x1b[31m" leaves nothing behind rather than a stray "[31m".
# Reorder what the terminal shows (the "Trojan Source" trick), so a line could read unlike its bytes.
_BIDI_OVERRIDES = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")


def printable(text: str) -> str:
    """Text that cannot drive a terminal: escape sequences and control characters (ESC, form feed,
    vertical tab, backspace, DEL, C1 codes) and bidi overrides removed; newlines and tabs kept. Other
    format characters (zero-width joiners in emoji and Indic or Persian text) are letters' business.

    Document text reaches the terminal in answers and citations, so a document must not be able to
    clear the screen, move the cursor or set the window title.

    >>> printable("a\\x1b[2Jb\\x0cc\\x0bd\\te\\nf\\x9bg")
    'abcd\\te\\nfg'
    """
    text = _ANSI.sub("", text)
    return "".join(
        ch for ch in text if ch in "\n\t" or not (unicodedata.category(ch) == "Cc" or ch in _BIDI_OVERRIDES)
    )


def clean_question(text: object, max_chars: int = 2000) -> str:
    """The question with terminal escapes and control characters removed, whitespace collapsed.

    Raises InputError for a non-string, an empty question, one longer than
    max_chars, or one with no letter or digit in it.

    >>> clean_question("  What\\x00 was\\n the amount? ")
    'What was the amount?'
    >>> clean_question("\\x1b[1;31mWhich\\x1b[0m province?")
    'Which province?'
    """
    if not isinstance(text, str):
        raise InputError(f"the question must be text, not {type(text).__name__}")
    if len(text) > HARD_LIMIT_CHARS:
        raise InputError(f"the question is {len(text):,} characters long; the limit is {max_chars:,}")
    text = _ANSI.sub("", text)
    cleaned = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in text)
    cleaned = re.sub(r"\s+", " ", cleaned).strip()
    if not cleaned:
        raise InputError("the question is empty: type a question about the articles")
    if len(cleaned) > max_chars:
        raise InputError(f"the question is {len(cleaned):,} characters long; the limit is {max_chars:,}")
    if not any(ch.isalnum() for ch in cleaned):
        raise InputError("the question has no words in it: type a question about the articles")
    return cleaned
