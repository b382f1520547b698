"""Words of opposite meaning, from WordNet: "What battle inside the city …?" is not answered by a
sentence about a battle outside it.

The pairs are WordNet's antonym pointers between single words ("inside" / "outside", "rise" /
"fall", "mother" / "father"), extracted once by evals/build_antonyms.py into antonyms.json and
checked here against the sha256 it was written with. They are compared as lexical tokens
(qa.retrieval.lexical.tokenize), like every other word the keyword check reads.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from qa.errors import ModelError
from qa.hashing import sha256_file
from qa.retrieval.lexical import tokenize

PAIRS = Path(__file__).with_name("antonyms.json")
# set by evals/build_antonyms.py when it writes the pairs
PAIRS_SHA256 = "adcf2f74ef36028f73f7ad9c8a753181fd1f7b47fc3e78a9295e994007ee3ce6"


@functools.cache
def opposites() -> dict[str, frozenset[str]]:
    """token -> the tokens of its antonyms."""
    if not PAIRS.is_file():
        raise ModelError(f"{PAIRS} is missing: reinstall qa or run python -m evals.build_antonyms")
    if sha256_file(PAIRS) != PAIRS_SHA256:
        raise ModelError(f"{PAIRS} fails its checksum: reinstall qa or run python -m evals.build_antonyms")
    table: dict[str, set[str]] = {}
    for a, b in json.loads(PAIRS.read_text())["pairs"]:
        (x,), (y,) = tokenize(a) or ("",), tokenize(b) or ("",)
        if x and y and x != y:
            table.setdefault(x, set()).add(y)
            table.setdefault(y, set()).add(x)
    return {k: frozenset(v) for k, v in table.items()}


def opposed(words: set[str]) -> dict[str, frozenset[str]]:
    """Each of the tokens `words` that has antonyms -> those antonyms the words do not hold themselves
    ("input or output?" asks for neither against the other).

    >>> opposed({"insid", "battl"})
    {'insid': frozenset({'outsid'})}
    """
    table = opposites()
    found = {w: table[w] - words for w in words if w in table}
    return {w: a for w, a in found.items() if a}
