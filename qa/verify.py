"""Checking a generated answer against the lines it cites, and deciding to abstain.

A claim survives only when every number (with thousands separators ignored) and
every capitalised name in it occurs on a cited line, and most of its words do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .evidence import Evidence, key_terms
from .lexical import tokenize

_CITE = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
MIN_WORD_SUPPORT = 0.5  # share of a claim's content words that must be on its cited lines
MIN_COVERAGE = 0.40  # calibrated on evals/gold.jsonl (see evals/REPORT.md): below it, few units answer
RELEVANT_SHARE = 0.8  # a claim must cite a unit scoring at least this share of the best unit


@dataclass(frozen=True)
class Claim:
    text: str  # without citation markers
    sources: tuple[Evidence, ...]


def split_claims(answer: str) -> list[tuple[str, list[int]]]:
    """Answer sentences with the evidence numbers they cite.

    >>> split_claims("It rose to 5 yuan [2]. It fell [1, 3].")
    [('It rose to 5 yuan.', [2]), ('It fell.', [1, 3])]
    """
    out = []
    for sentence in _SENTENCE.split(answer.strip()):
        refs = [int(n) for m in _CITE.finditer(sentence) for n in m.group(1).split(",")]
        text = _CITE.sub("", sentence).strip()
        text = re.sub(r"\s+([.,;!?])", r"\1", text)
        if text:
            out.append((text, refs))
    return out


def numbers(text: str) -> set[str]:
    """
    >>> sorted(numbers("16,687 institutions, 80% and 2.816 million"))
    ['16687', '2.816', '80']
    """
    return {m.replace(",", "") for m in _NUMBER.findall(text)}


def supports(claim: str, line: str) -> bool:
    """Whether one source line backs every number and name of a claim, and most of its words."""
    if not numbers(claim) <= numbers(line):
        return False
    line_tokens = set(tokenize(line))
    if not key_terms("x " + claim)["names"] <= line_tokens:  # "x": a claim's first word may be a name
        return False
    words = [t for t in tokenize(claim) if not t[0].isdigit()]
    return not words or sum(t in line_tokens for t in words) / len(words) >= MIN_WORD_SUPPORT


def verify_answer(
    answer: str, evidence: list[Evidence], line_text: dict[tuple[str, int], str]
) -> list[Claim]:
    """Claims of the answer that survive, each attributed to the evidence that supports it.

    A claim citing the wrong number is re-attributed to the evidence line that does
    support it; a claim nothing supports is dropped; so is one whose support is much
    weaker evidence than the best (a true statement that answers another question).
    """
    if not evidence:
        return []
    best = evidence[0].score
    claims = []
    for text, refs in split_claims(answer):
        cited = [evidence[r - 1] for r in refs if 1 <= r <= len(evidence)]
        ok = [e for e in cited if supports(text, line_text[(e.file, e.line)])]
        if not ok:
            ok = [e for e in evidence if supports(text, line_text[(e.file, e.line)])][:1]
        ok = [e for e in ok if e.score >= RELEVANT_SHARE * best]
        if ok:
            claims.append(Claim(text, tuple(ok)))
    return claims


def unit_mismatch(terms: dict[str, set[str]], unit: str, line: str) -> set[str]:
    """Question terms that this evidence unit contradicts or lacks.

    Names and years must be in the unit itself unless the unit names none of its own;
    then a name must be elsewhere on its line (its subject, e.g. an earlier sentence)
    and a year is taken from context. Other numbers must be on its line. "Jiangsu"
    against a clause about Zhejiang, or 2030 against a sentence about 2020, is a mismatch.

    >>> q = key_terms("What did Jiangxi recover in 2030?")
    >>> unit_mismatch(q, "In 2020, Jiangxi recovered 7 yuan.", "")
    {'2030'}
    """
    unit_terms = key_terms("x " + unit)
    unit_tokens = set(tokenize(unit))
    missing = set()
    if terms["years"] - unit_tokens and unit_terms["years"]:
        missing |= terms["years"] - unit_tokens
    line_tokens = set(tokenize(line)) | unit_tokens
    if unit_terms["names"]:
        missing |= terms["names"] - unit_tokens
    else:
        missing |= terms["names"] - line_tokens
    missing |= terms["numbers"] - line_tokens
    return missing


def should_abstain(question: str, evidence: list[Evidence], line_text: dict[tuple[str, int], str]) -> str:
    """Why the evidence does not answer the question, or "" when it may.

    Some evidence unit must match the question's names, years and numbers (see
    unit_mismatch) and cover at least MIN_COVERAGE of its terms.
    """
    if not evidence:
        return "nothing relevant was found"
    terms = key_terms(question)
    mismatches = []
    for e in evidence:
        missing = unit_mismatch(terms, e.text, line_text.get((e.file, e.line), e.text))
        if not missing and e.coverage >= MIN_COVERAGE:
            return ""
        mismatches.append(missing)
    if all(mismatches):
        common = set.intersection(*mismatches) or mismatches[0]
        return f"nothing in them matches {', '.join(sorted(common))}"
    return "the closest passages do not answer it"


def extract_answer(question: str, best: Evidence, max_words: int = 35) -> str:
    """The shortest run of clauses of the best evidence that covers the question's terms.

    >>> text = "In 2020, the province handled 16,687 institutions and recovered 723 million yuan."
    >>> e = Evidence("f", 1, 0, 0, text, 1, 1, 1)
    >>> extract_answer("How many institutions were handled in 2020?", e, max_words=8)
    'In 2020, the province handled 16,687 institutions'
    """
    text = best.text
    if len(text.split()) <= max_words:
        return text
    clauses = [c.strip() for c in re.split(r"(?<=[,;])\s+|\s+(?=and\s)", text) if c.strip()]
    q_terms = set(tokenize(question))
    wants_number = bool(
        re.search(
            r"\b(how (much|many)|what (percentage|rate|ratio|amount|standard)|amount|number)\b",
            question,
            re.I,
        )
    )
    best_span, best_score = (0, 1), -1.0
    for i in range(len(clauses)):
        for j in range(i + 1, len(clauses) + 1):
            span = " ".join(clauses[i:j])
            if len(span.split()) > max_words:
                break
            tokens = set(tokenize(span))
            score = (
                len(q_terms & tokens)
                + (1.5 if wants_number and numbers(span) else 0)
                - 0.01 * len(span.split())
            )
            if score > best_score:
                best_span, best_score = (i, j), score
    return " ".join(clauses[best_span[0] : best_span[1]]).rstrip(",;")
