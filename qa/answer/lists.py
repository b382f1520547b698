"""A list answers a question that asks for several things.

"Which provinces plan it?" against "Tianjin, Anhui and Yunnan plan it": the reader picks one phrase
("Yunnan"), but the question's plural noun asks for all of them. When the pick is one item of a
coordination in the sentence's parse, the short answer becomes the whole coordination.

"Which two provinces promote it?" also says how many: a sentence coordinating exactly two things
the question does not name ("Jilin and Hainan promote it") answers before one that does not, and
that coordination is the short answer.
"""

from __future__ import annotations

from qa.answer.question import QuestionAnalysis

MAX_LIST_TOKENS = 40  # a longer "list" is a run of clauses, not names


def whole_list(question: QuestionAnalysis, sentence, pick: str) -> str:
    """The coordination of the parsed `sentence` (a spaCy Span) that `pick` is an item of, when the
    question asks for several things; else `pick` unchanged.

    >>> import spacy
    >>> from dataclasses import replace
    >>> from spacy.tokens import Doc
    >>> words = "Tianjin , Anhui and Yunnan plan it .".split()
    >>> heads, deps = [5, 0, 0, 2, 2, 5, 5, 5], "nsubj punct conj cc conj ROOT dobj punct".split()
    >>> doc = Doc(spacy.blank("en").vocab, words=words, heads=heads, deps=deps)
    >>> asks = QuestionAnalysis("Which provinces plan it?", "place", (), frozenset(), "province")
    >>> whole_list(replace(asks, several=True), doc[:], "Yunnan"), whole_list(asks, doc[:], "Yunnan")
    ('Tianjin , Anhui and Yunnan', 'Yunnan')
    """
    if not (question.several and pick):
        return pick
    start = sentence.text.find(pick)
    if start < 0:
        return pick
    span = sentence.char_span(start, start + len(pick), alignment_mode="expand")
    if span is None:
        return pick
    top = span.root
    while top.dep_ == "conj" and top.head.i != top.i:  # spaCy makes a new Token per access: compare .i
        top = top.head
    items = [t for t in top.subtree if t.dep_ == "conj" and _conjunct_of(t, top)]
    if not items:
        return pick
    first, last = top.left_edge.i, max(t.right_edge.i for t in items) + 1
    if last - first > MAX_LIST_TOKENS or first < sentence.start or last > sentence.end:
        return pick
    whole = sentence.doc[first:last].text.strip(" ,;:")
    return whole if pick in whole else pick


def _conjunct_of(token, top) -> bool:
    """Whether a "conj" token hangs off `top` through other conjuncts only."""
    while token.dep_ == "conj" and token.head.i != token.i:
        token = token.head
        if token.i == top.i:
            return True
    return False


LIST_HEADS = frozenset({"NOUN", "PROPN"})  # items of a list of things; verbs coordinate actions


def counted_list(question: QuestionAnalysis, sentence) -> str:
    """The first coordination in the parsed `sentence` (a spaCy Span) of exactly `question.count`
    names, none of them a word the question asks with: entities of the kind it wants (places for
    "Which two provinces"), or proper nouns when it wants no kind of entity (any two nouns would do
    for "What two things": "structures and processes"); "" when the question gives no count or the
    sentence has no such list.

    >>> import spacy
    >>> from dataclasses import replace
    >>> from spacy.tokens import Doc
    >>> words = "Jilin and Hainan promote care .".split()
    >>> pos = "PROPN CCONJ PROPN VERB NOUN PUNCT".split()
    >>> doc = Doc(spacy.blank("en").vocab, words=words, heads=[3, 0, 0, 3, 3, 3], pos=pos,
    ...           deps="nsubj cc conj ROOT dobj punct".split(), ents=["B-GPE", "O", "B-GPE", "O", "O", "O"])
    >>> asks = QuestionAnalysis("Which two provinces promote care?", "place", ("GPE",), frozenset({"care"}))
    >>> counted_list(replace(asks, count=2), doc[:]), counted_list(replace(asks, count=3), doc[:])
    ('Jilin and Hainan', '')
    """
    if question.count < 2:
        return ""
    for top in sentence:
        if top.dep_ == "conj" or top.pos_ not in LIST_HEADS:
            continue
        items = [top] + [t for t in top.subtree if t.dep_ == "conj" and _conjunct_of(t, top)]
        if len(items) != question.count or not all(_item(question, t) for t in items):
            continue
        first, last = top.left_edge.i, max(t.right_edge.i for t in items) + 1
        if last - first <= MAX_LIST_TOKENS and sentence.start <= first and last <= sentence.end:
            return sentence.doc[first:last].text.strip(" ,;:")
    return ""


def _item(question: QuestionAnalysis, token) -> bool:
    """Whether a conjunct can be one of the things asked for: a name the question does not use, an
    entity of a type it wants or, when it wants none, a proper noun."""
    if token.pos_ not in LIST_HEADS or question.asks(token):
        return False
    return token.ent_type_ in question.labels if question.labels else token.pos_ == "PROPN"
