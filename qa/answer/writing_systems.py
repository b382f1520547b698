"""Which writing systems a text uses, so a question the articles cannot match is answered honestly.

Retrieval compares words: a question in Chinese against English articles matches nothing
but stray digits, and anything it "finds" is chance. The pipeline abstains instead, and
says why.
"""

from __future__ import annotations

import unicodedata
from collections import Counter

# Unicode character-name prefixes -> the script named to users
_SCRIPTS = (
    ("CJK", "Chinese/Japanese (CJK)"),
    ("HIRAGANA", "Chinese/Japanese (CJK)"),
    ("KATAKANA", "Chinese/Japanese (CJK)"),
    ("HANGUL", "Korean (Hangul)"),
    ("LATIN", "Latin"),
    ("CYRILLIC", "Cyrillic"),
    ("GREEK", "Greek"),
    ("ARABIC", "Arabic"),
    ("HEBREW", "Hebrew"),
    ("DEVANAGARI", "Devanagari"),
    ("THAI", "Thai"),
)
MIN_CORPUS_SHARE = 0.01  # a script with fewer of the corpus's letters than this is a stray quote


def script_of(ch: str) -> str | None:
    """
    >>> [script_of(c) for c in "a江й1"]
    ['Latin', 'Chinese/Japanese (CJK)', 'Cyrillic', None]
    """
    if not ch.isalpha():
        return None
    name = unicodedata.name(ch, "")
    for prefix, script in _SCRIPTS:
        if name.startswith(prefix):
            return script
    return "other"


def script_counts(text: str) -> Counter:
    return Counter(s for s in map(script_of, text) if s)


def main_script(text: str) -> str | None:
    """The script of most of the letters of a text (None when it has no letters).

    >>> main_script("江西省2020年追回了多少医保基金？"), main_script("What did 江西 recover?")
    ('Chinese/Japanese (CJK)', 'Latin')
    """
    counts = script_counts(text)
    return counts.most_common(1)[0][0] if counts else None


def corpus_scripts(texts) -> frozenset[str]:
    """Scripts that carry at least MIN_CORPUS_SHARE of the letters of the texts."""
    counts: Counter = Counter()
    for text in texts:
        counts.update(script_counts(text))
    total = sum(counts.values())
    return frozenset(s for s, n in counts.items() if n >= MIN_CORPUS_SHARE * total)
