"""A small learned reader: which phrase of the quoted sentence answers the question.

Every named entity, noun chunk and short syntactic constituent (a word's subtree) of the
sentence is a candidate. Each is described by general features: its entity type and part of
speech against the kind of answer the question wants, its syntactic role against the role of the
question word ("who" as a subject wants a subject), whether the word that governs it is one the
question asks about, its distance from the question's words (in words and in dependency edges),
how much of its clause is the question's, its link to the "what X" noun, whether it repeats
them. A linear model scores them and a softmax over the sentence's candidates gives each a
probability (listwise: trained to put the answer first among its rivals, evals/train_reader.py;
weights in reader_weights.json, checked by sha256). The best candidate's probability says how
sure the reader is; below `MIN_PROBABILITY` the sentence answers without a short phrase.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from qa.answer.logistic import Logistic, load_weights
from qa.answer.question import QuestionAnalysis, lemma
from qa.answer.short_answer import of_phrase_end, short_answer

WEIGHTS = Path(__file__).with_name("reader_weights.json")
# set by evals/train_reader.py when it writes the weights
WEIGHTS_SHA256 = "e0c85ed12cc7a4058a4524f6768219fcf9670fb0769282444b9caab0c67eb1dc"
MAX_PHRASE_TOKENS = 12
# Below this the sentence answers without a short phrase. evals/train_reader.py reports the held-out
# F1 for cut-offs 0.1-0.5: each one lowered it (the sentence alone scores far less than a guess), so 0.
MIN_PROBABILITY = 0.0
_ROLES = frozenset(
    "nsubj nsubjpass dobj pobj attr appos conj compound ROOT npadvmod dative amod nmod poss acl relcl "
    "advcl xcomp ccomp pcomp nummod quantmod oprd agent".split()
)
_SKIP = frozenset(("the", "a", "an", "of", "and", "'s", "or"))
_TRIM_START = frozenset(("DET", "CCONJ", "PUNCT", "ADP", "SCONJ", "PART", "SPACE"))
_TRIM_END = frozenset(("PUNCT", "CCONJ", "ADP", "DET", "SCONJ", "PART", "SPACE"))


@dataclass(frozen=True)
class Candidate:
    """A phrase of the sentence (without surrounding punctuation) and its features."""

    text: str
    features: dict[str, float]


def candidates(question: QuestionAnalysis, sentence) -> list[Candidate]:
    """Every entity, noun chunk and short constituent of a parsed sentence (a spaCy Span), with
    its features. A question that wants a type of entity (a date, an amount, a person) has only
    the entities of that type as candidates where the sentence has any."""
    spans = _spans(sentence)
    typed = {k: v for k, v in spans.items() if v.startswith("ENT:") and v[4:] in question.labels}
    spans = typed or spans
    matched = [t.i for t in sentence if question.asks(t)]
    rules = short_answer(question, sentence)  # the rules' choice is a feature: learn where it is wrong
    out = []
    for (start, end), kind in sorted(spans.items()):
        span = sentence.doc[start:end]
        words = [t for t in span if not (t.is_punct or t.is_space or t.lower_ in _SKIP)]
        if not words or len(span) > MAX_PHRASE_TOKENS:
            continue
        features = _features(question, span, kind, words, matched, sentence)
        text = _text(span.text)
        features["rules_pick"] = float(bool(rules) and text == rules)
        features["rules_overlap"] = float(bool(rules) and (text in rules or rules in text))
        out.append(Candidate(text, features))
    return out


def _spans(sentence) -> dict[tuple[int, int], str]:
    """(start, end) token offsets in the doc -> the kind of phrase: "ENT:<label>", "NP" or "TREE"."""
    doc = sentence.doc
    inside = range(sentence.start, sentence.end + 1)
    spans: dict[tuple[int, int], str] = {}
    for ent in sentence.ents:
        spans[_trimmed(doc, ent.start, ent.end)] = f"ENT:{ent.label_}"
    if doc.has_annotation("DEP"):
        for chunk in doc.noun_chunks:
            if chunk.start in inside and chunk.end in inside and chunk.root.pos_ != "PRON":
                spans.setdefault(_trimmed(doc, chunk.start, chunk.end), "NP")
                end = of_phrase_end(chunk)
                if end in inside:
                    spans.setdefault(_trimmed(doc, chunk.start, end), "NP+of")
        for token in sentence:
            if token.is_punct or token.pos_ in ("DET", "ADP", "CCONJ", "AUX", "PRON", "PART", "SPACE"):
                continue
            start, end = token.left_edge.i, token.right_edge.i + 1
            if start in inside and end in inside and end - start <= MAX_PHRASE_TOKENS:
                spans.setdefault(_trimmed(doc, start, end), "TREE")
    return {k: v for k, v in spans.items() if k[0] < k[1]}


def _trimmed(doc, start: int, end: int) -> tuple[int, int]:
    """A phrase without leading articles/prepositions and trailing punctuation."""
    while start < end and (doc[start].pos_ in _TRIM_START or doc[start].is_punct):
        start += 1
    while end > start and (doc[end - 1].pos_ in _TRIM_END or doc[end - 1].is_punct):
        end -= 1
    return start, end


def _features(question: QuestionAnalysis, span, kind, words, matched, sentence) -> dict[str, float]:
    asked = sum(1 for t in words if question.asks(t))
    outside = [i for i in matched if not span.start <= i < span.end]
    before = [span.start - i for i in outside if i < span.start]
    after = [i - span.end + 1 for i in outside if i >= span.end]
    distance = min(before + after, default=30)
    root = span.root
    role = root.dep_ if root.dep_ in _ROLES else "other"
    label = kind.split(":", 1)[-1] if kind.startswith("ENT:") else kind
    answer = question.answer_kind
    head = root.head
    governed = head.i != root.i and not span.start <= head.i < span.end and question.asks(head)
    f = {
        "bias": 1.0,
        f"label={label}": 1.0,
        f"kind={answer}|label={label}": 1.0,
        f"kind={answer}|pos={root.pos_}": 1.0,
        f"role={role}": 1.0,
        f"kind={answer}|role={role}": 1.0,
        f"wh={question.wh_role}|role={role}": 1.0,
        "wanted_label": float(label in question.labels),
        "asked_share": asked / len(words),
        "asked_all": float(asked == len(words)),
        "asked_none": float(asked == 0),
        "log_distance": math.log1p(distance),
        "near_before": float(any(d <= 3 for d in before)),
        "near_after": float(any(d <= 3 for d in after)),
        "matches_before": min(len(before), 6) / 6,
        "matches_after": min(len(after), 6) / 6,
        "no_match": float(not outside),
        "governed_by_asked": float(governed),
        "governed_by_wh_head": float(bool(question.wh_head) and lemma(head) == question.wh_head),
        f"governed|role={role}": float(governed),
        "focus_in": float(bool(question.focus) and any(lemma(t) == question.focus for t in span)),
        "focus_root": float(bool(question.focus) and lemma(root) == question.focus),
        "focus_before": float(
            bool(question.focus) and span.start > 0 and lemma(span.doc[span.start - 1]) == question.focus
        ),
        f"length={min(len(words), 6)}": 1.0,
        f"kind={answer}|length={min(len(words), 4)}": 1.0,
        "has_digit": float(any(c.isdigit() for c in span.text)),
        "capitalised": float(span.text[:1].isupper()),
        "has_comma": float(any(t.text == "," for t in span)),
        "has_verb": float(any(t.pos_ == "VERB" for t in span)),
        "sentence_start": float(span.start == sentence.start),
        "in_parentheses": float(span.start > 0 and span.doc[span.start - 1].text == "("),
    }
    f.update(_tree_features(question, span, outside))
    return f


def _tree_features(question: QuestionAnalysis, span, outside: list[int]) -> dict[str, float]:
    """Where the candidate sits in the parse relative to what the question names: how many
    dependency edges from the nearest asked word and from the "what X" noun, and whether the verb
    it belongs to is the question word's own verb, in the same slot ("who founded" -> founder)."""
    root, doc = span.root, span.doc
    tree = min((_tree_distance(root, doc[i]) for i in outside), default=30)
    focus = [t for t in span.sent if question.focus and lemma(t) == question.focus and t not in span]
    to_focus = min((_tree_distance(root, t) for t in focus), default=30)
    head, slot = root.head, root.dep_
    if head.dep_ in ("prep", "agent") and head.head is not head:  # "by X", "in X": the verb above
        slot = "agent" if head.dep_ == "agent" else "prep"
        head = head.head
    own_verb = head is not root and bool(question.wh_head) and lemma(head) == question.wh_head
    f = {
        "log_tree_distance": math.log1p(tree),
        "tree_adjacent": float(tree == 1),
        "tree_near": float(tree <= 2),
        "focus_linked": float(to_focus <= 2),
        "focus_adjacent": float(to_focus == 1),
        "own_verb": float(own_verb),
    }
    if own_verb:
        f[f"own_verb|wh={question.wh_role}|slot={slot}"] = 1.0
    f["clause_coverage"] = _coverage(question, [t for t in _clause(root).subtree if t not in span])
    return f


def _clause(token):
    """The verb whose clause a token is in (the sentence's root when no verb is above it)."""
    for t in token.ancestors:
        if t.pos_ in ("VERB", "AUX"):
            return t
    return token.sent.root


def _coverage(question: QuestionAnalysis, tokens) -> float:
    """Share of the question's content words among `tokens` (by lemma)."""
    if not question.terms:
        return 0.0
    found = {lemma(t) for t in tokens if question.asks(t)} | {t.lower_ for t in tokens if question.asks(t)}
    return len(found & question.terms) / len(question.terms)


def _tree_distance(a, b) -> int:
    """Dependency edges between two tokens of one parse, through their lowest common ancestor."""
    up = {t.i: n for n, t in enumerate([a, *a.ancestors])}
    for n, t in enumerate([b, *b.ancestors]):
        if t.i in up:
            return n + up[t.i]
    return 30


def _text(text: str) -> str:
    return text.strip().strip(",;:")


class Reader(Logistic):
    """A linear score per candidate; a softmax over one sentence's candidates gives P(answer)."""

    def best(self, found: list[Candidate]) -> tuple[Candidate, float] | None:
        """The most probable candidate and its probability among `found`; None without candidates."""
        if not found:
            return None
        scores = [self.score(c.features) for c in found]
        top = max(scores)
        total = sum(math.exp(s - top) for s in scores)
        n = scores.index(top)
        return found[n], 1.0 / total

    def pick(self, question: QuestionAnalysis, sentence) -> tuple[str, float]:
        """The short answer in a parsed sentence and its probability; ("", 0.0) when none is sure enough."""
        best = self.best(candidates(question, sentence)) if question.wants_phrase else None
        if best is None or best[1] < MIN_PROBABILITY:
            return "", 0.0
        return best[0].text, best[1]


def load_reader(path: str = str(WEIGHTS), sha256: str | None = None) -> Reader:
    """The trained reader; its weights file is checked against the sha256 it was written with."""
    expected = WEIGHTS_SHA256 if sha256 is None else sha256
    return Reader(*load_weights(path, expected, "evals.train_reader"))
