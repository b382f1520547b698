"""BM25 keyword search over chunks, and the tokenizer it shares with evidence selection.

Numbers matter on this kind of corpus, so "16,687" and "16687" are one token,
and "723" stays a token of its own rather than being dropped.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections import Counter

from qa.records import Chunk, Hit

STOPWORDS = frozenset(
    """a an and are as at be been by did do does for from had has have how in into is it its of on or
    that the their there these this those to was were what when where which who whom why will with
    would can could should than then so such about after before over under between during per""".split()
)
_PREFIX_HYPHEN = re.compile(r"\b(co|re|pre|non|multi)-(?=[a-z])", re.I)
_GLUED = re.compile(r"(?<=[a-z])(?=[A-Z][a-z])")
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*%?|[^\W\d_]+", re.UNICODE)
_ACCENTS = re.compile("[\u0300-\u036f]")  # the combining marks of Latin, Greek and Cyrillic letters
MIN_RESPELT_CHARS = 5  # shorter words unknown to the corpus are not respelt (too many near neighbours)


def fold(text: str) -> str:
    """Text with accents dropped and compatibility forms plain, so that a question typed without
    them meets the document's spelling ("Beausejour", "Beauséjour"); other scripts keep their marks.

    >>> fold("Beauséjour, Québec, ﬁnal ＡＢＣ")
    'Beausejour, Quebec, final ABC'
    """
    if text.isascii():
        return text
    return unicodedata.normalize("NFC", _ACCENTS.sub("", unicodedata.normalize("NFKD", text)))


def stem(word: str) -> str:
    """A light suffix stripper: plural and common verb endings, "-ment" (payment, pay), and a final
    "e", so that "promote", "promotes", "promoted" and "promoting" meet.

    >>> [stem(w) for w in ["provinces", "policies", "recovered", "funding", "fund", "payments"]]
    ['provinc', 'policy', 'recover', 'fund', 'fund', 'pay']
    >>> {stem(w) for w in ["promote", "promotes", "promoted", "promoting"]}
    {'promot'}
    """
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) >= 7 and word.endswith(("ment", "ments")):
        return word[: word.rindex("ment")]
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            base = word[: -len(suffix)]
            if suffix == "es" and not base.endswith(("s", "x", "ch", "sh")):
                base = word[:-1]
            word = base
            break
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return word


def _remember_long(fn):
    """Long texts (whole lines of a huge single-line file, read at every question) are tokenized
    once and remembered; short ones are cheaper to redo than to look up."""
    remembered = functools.lru_cache(maxsize=16)(lambda text: tuple(fn(text)))

    @functools.wraps(fn)
    def wrapper(text: str) -> list[str]:
        return list(remembered(text)) if len(text) > 2000 else fn(text)

    wrapper.cache_info = remembered.cache_info
    return wrapper


@_remember_long
def tokenize(text: str) -> list[str]:
    """Lower-cased, stemmed content tokens; numbers lose thousands separators.

    >>> tokenize("Jiangxi's 2020 funds: 16,687 and 80%")
    ['jiangxi', '2020', 'fund', '16687', '80%']
    """
    out = []
    text = _GLUED.sub(" ", fold(text))  # "methodsShanghai": two words whose space got lost in extraction
    text = _PREFIX_HYPHEN.sub(r"\1", text)  # "co-ordination" is "coordination"
    for token in _TOKEN.findall(text.lower()):
        if token[0].isdigit():
            out.append(re.sub(r",(?=\d{3}\b)", "", token))
        elif token not in STOPWORDS and len(token) > 1:
            out.append(stem(token))
    return out


def one_edit(a: str, b: str) -> bool:
    """Whether two words differ by one letter added, dropped or changed, or two neighbours swapped.

    >>> one_edit("shirly", "shirley"), one_edit("hamaz", "hamza"), one_edit("kolbe", "kobel")
    (True, True, False)
    """
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        swapped = a[i + 1 : i + 2] + a[i : i + 1] == b[i : i + 2]
        return a[i + 1 :] == b[i + 1 :] or (swapped and a[i + 2 :] == b[i + 2 :])
    return a[i:] == b[i + 1 :]


class BM25:
    """Okapi BM25 over chunk texts; statistics are built once, at construction."""

    def __init__(self, chunks: list[Chunk], k1: float = 1.2, b: float = 0.75):
        self.chunks = chunks
        self.k1, self.b = k1, b
        docs = [Counter(tokenize(c.search_text)) for c in chunks]
        self.lengths = [sum(d.values()) for d in docs]
        self.avg_length = sum(self.lengths) / max(len(docs), 1)
        df: Counter[str] = Counter()
        self.postings: dict[str, list[tuple[int, int]]] = {}  # term -> [(chunk row, term count)]
        for row, counts in enumerate(docs):
            for term, count in counts.items():
                df[term] += 1
                self.postings.setdefault(term, []).append((row, count))
        n = len(docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self._by_start: dict[str, list[str]] = {}  # first letter -> terms, for respellings
        for term in self.idf:
            self._by_start.setdefault(term[:1], []).append(term)

    def respellings(self, term: str) -> list[str]:
        """The corpus's terms one edit from a term it never uses, starting alike: a misspelt
        question word ("Shirly") still finds the chunks that spell it right ("Shirley")."""
        if len(term) < MIN_RESPELT_CHARS or term[0].isdigit():
            return []
        return [t for t in self._by_start.get(term[:1], ()) if one_edit(term, t)]

    def scores(self, query: str) -> dict[int, float]:
        scores: dict[int, float] = {}
        terms = set(tokenize(query))
        for term in terms | {v for t in terms - self.idf.keys() for v in self.respellings(t)}:
            idf = self.idf.get(term)
            if idf is None:
                continue
            for row, tf in self.postings[term]:
                norm = self.k1 * (1 - self.b + self.b * self.lengths[row] / self.avg_length)
                scores[row] = scores.get(row, 0.0) + idf * tf * (self.k1 + 1) / (tf + norm)
        return scores

    def search(self, query: str, k: int) -> list[Hit]:
        scores = self.scores(query)
        best = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:k]
        return [Hit(self.chunks[row], score, rank) for rank, (row, score) in enumerate(best, 1)]


def common_terms(lines: dict[tuple[str, int], str], share: float = 0.8) -> frozenset[str]:
    """Tokens found in at least `share` of the files (with 3 or more files): say nothing about which file.

    >>> sorted(common_terms({("a", 1): "China rose", ("b", 1): "China fell", ("c", 1): "China, Jiangxi"}))
    ['china']
    """
    per_file = file_tokens(lines)
    if len(per_file) < 3:
        return frozenset()
    counts = Counter(t for tokens in per_file.values() for t in tokens)
    return frozenset(t for t, n in counts.items() if n >= share * len(per_file))


def file_tokens(lines: dict[tuple[str, int], str]) -> dict[str, frozenset[str]]:
    """Every token of each file.

    >>> sorted(file_tokens({("a", 1): "Jiangxi rose", ("a", 2): "It fell"})["a"])
    ['fell', 'jiangxi', 'rose']
    """
    per_file: dict[str, set[str]] = {}
    for (file, _), text in lines.items():
        per_file.setdefault(file, set()).update(tokenize(text))
    return {file: frozenset(tokens) for file, tokens in per_file.items()}


def ordinary_words(lines: dict[tuple[str, int], str]) -> frozenset[str]:
    """Words the corpus also writes in lower case: capitalised, they open a sentence, not name a place.

    >>> sorted(ordinary_words({("a", 1): "Direct settlement in Hebei; direct billing"}))
    ['billing', 'direct', 'in', 'settlement']
    """
    return frozenset(w for text in lines.values() for w in re.findall(r"\b[a-z][a-z'-]*", text))
