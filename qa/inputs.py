"""Checking a user's question before any work is done on it."""

from __future__ import annotations

import numbers
import re
import unicodedata
from collections.abc import Iterable

from qa.errors import InputError

MAX_K = 50  # passages per search, everywhere (Python, CLI, HTTP, Gradio, LangChain)
MAX_HISTORY_TURNS = 20  # older turns are dropped: a follow-up is read against the latest turn
MAX_HISTORY_ITEMS = 1000  # more turns than this is not a conversation: refused, not read
MAX_TURN_CHARS = 20_000  # a question or answer of the history longer than this is refused
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


def check_k(k: object, limit: int = MAX_K) -> int:
    """k as an int from 1 to limit, else InputError. A whole float (5.0, as a number field sends it)
    is taken; 2.5, "5", True and None are not.

    >>> check_k(3), check_k(5.0)
    (3, 5)
    """
    if isinstance(k, float) and k.is_integer():
        k = int(k)
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or not 1 <= k <= limit:
        raise InputError(f"k must be a whole number from 1 to {limit}, not {k!r}")
    return int(k)


def clean_history(history: object) -> list[tuple[str, str]]:
    """Earlier turns as (question, answer) pairs, oldest first, checked; the last MAX_HISTORY_TURNS.

    Each turn may be a (question, answer) pair (tuple or list, as Python and Gradio keep them) or a
    {"question": ..., "answer": ...} object (as HTTP sends them). Anything else is an InputError that
    says which turn is wrong, as is a turn longer than MAX_TURN_CHARS.

    >>> clean_history([("Q1?", "A1."), {"question": "Q2?", "answer": "A2."}])
    [('Q1?', 'A1.'), ('Q2?', 'A2.')]
    """
    if history is None:
        return []
    if isinstance(history, (str, bytes, dict)) or not isinstance(history, Iterable):
        raise InputError(f"history must be a list of turns, not {type(history).__name__}")
    turns = list(history)
    if len(turns) > MAX_HISTORY_ITEMS:
        raise InputError(f"history has {len(turns):,} turns; the limit is {MAX_HISTORY_ITEMS:,}")
    return [_turn(turn, number) for number, turn in enumerate(turns, 1)][-MAX_HISTORY_TURNS:]


def _turn(turn: object, number: int) -> tuple[str, str]:
    shape = 'a (question, answer) pair or a {"question": ..., "answer": ...} object'
    if isinstance(turn, dict):
        if "question" not in turn or "answer" not in turn:
            raise InputError(f"history turn {number} must be {shape}; it lacks question or answer")
        pair = (turn["question"], turn["answer"])
    elif isinstance(turn, (tuple, list)) and len(turn) == 2:
        pair = (turn[0], turn[1])
    else:
        raise InputError(f"history turn {number} must be {shape}, not {_describe(turn)}")
    for text in pair:
        if not isinstance(text, str):
            raise InputError(
                f"history turn {number}: question and answer must be text, not {_describe(text)}"
            )
        if len(text) > MAX_TURN_CHARS:
            raise InputError(
                f"history turn {number} is {len(text):,} characters long; the limit is {MAX_TURN_CHARS:,}"
            )
    return pair


def _describe(value: object) -> str:
    return f"{type(value).__name__} {value!r}"[:80]
