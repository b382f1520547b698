"""What a question asks for, from its spaCy parse: the kind of answer, the entity types that can
be that answer, and the content words an answering sentence should share.

The kind comes from the question words (who, when, where, how many, ...) and, for "what/which
X", from the noun X. Only generic English question vocabulary is listed here: nothing about any
corpus. Analysed once per question and passed down to every answer strategy.
"""

from __future__ import annotations

from dataclasses import dataclass

from qa.retrieval.lexical import tokenize

# answer kind -> spaCy entity labels that can be that answer, best first
KIND_LABELS: dict[str, tuple[str, ...]] = {
    "person": ("PERSON", "ORG", "NORP", "GPE"),
    "date": ("DATE", "TIME"),
    "place": ("GPE", "LOC", "FAC", "ORG"),
    "count": ("CARDINAL", "QUANTITY", "MONEY", "PERCENT"),
    "amount": ("MONEY", "QUANTITY", "PERCENT", "CARDINAL"),
    "duration": ("DATE", "TIME", "QUANTITY", "CARDINAL"),
    "quantity": ("QUANTITY", "CARDINAL", "PERCENT", "MONEY"),
    "percent": ("PERCENT", "CARDINAL"),
    "money": ("MONEY", "CARDINAL", "QUANTITY"),
    "organization": ("ORG", "NORP", "GPE"),
    "thing": (),  # a noun phrase of any kind
    "reason": (),  # why: a clause, so the sentence answers
    "manner": (),  # how: likewise
    "yes-no": (),
}
# Kinds answered by a short phrase; the others by the supporting sentence.
PHRASE_KINDS = frozenset(k for k in KIND_LABELS if k not in ("reason", "manner", "yes-no"))
# "what/which X": nouns X that ask for a date, a figure or a place rather than any noun phrase
FOCUS_KINDS = {
    **dict.fromkeys(("year", "date", "day", "month", "century", "decade", "time", "period", "era"), "date"),
    **dict.fromkeys(("percentage", "percent", "proportion", "share", "ratio"), "percent"),
    **dict.fromkeys(("number", "population", "total", "count"), "count"),
    "amount": "amount",
    **dict.fromkeys(("size", "length", "distance", "speed", "temperature", "weight"), "quantity"),
    **dict.fromkeys(("price", "cost", "fee", "budget", "salary", "wage", "revenue"), "money"),
    **dict.fromkeys(("city", "country", "state", "province", "region", "place", "location", "town"), "place"),
    **dict.fromkeys(("person", "man", "woman", "people", "author", "leader", "president", "king"), "person"),
    **dict.fromkeys(
        ("company", "organization", "organisation", "agency", "group", "party", "team"), "organization"
    ),
}
QUESTION_WORDS = frozenset("what which who whom whose when where why how".split())


@dataclass(frozen=True)
class QuestionAnalysis:
    """What one question asks for."""

    text: str
    answer_kind: str  # a key of KIND_LABELS
    labels: tuple[str, ...]  # entity labels that can answer, best first; () = any noun phrase
    terms: frozenset[str]  # lower-case lemmas of the content words (no question or stop words)
    focus: str = ""  # the noun of "what/which X" ("year"), lower-case lemma
    # Names of people, places, bodies and things (proper nouns and named entities), as the
    # lexical tokens of qa.retrieval.lexical.tokenize: a sentence about something else cannot answer.
    names: frozenset[str] = frozenset()
    # The question word's part in the sentence: its phrase's dependency label ("nsubj" for "who
    # wrote", "dobj" for "what did they build") and the lemma of the word it attaches to ("build").
    wh_role: str = ""
    wh_head: str = ""

    @property
    def wants_phrase(self) -> bool:
        """True when a short phrase can answer; False for why/how/yes-no, answered by the sentence."""
        return self.answer_kind in PHRASE_KINDS


def analyse_question(question: str, nlp) -> QuestionAnalysis:
    """Parse the question with `nlp` (a spaCy pipeline) and say what it asks for.

    >>> import spacy; nlp = spacy.blank("en")
    >>> analyse_question("How many people live there?", nlp).answer_kind
    'count'
    """
    doc = nlp(question)
    tokens = [t for t in doc if not t.is_space]
    kind, focus = _kind(tokens)
    terms = frozenset(
        (t.lemma_ or t.text).lower()
        for t in tokens
        if not (t.is_stop or t.is_punct or t.lower_ in QUESTION_WORDS) and any(c.isalnum() for c in t.text)
    )
    role, head = _wh_role(tokens)
    return QuestionAnalysis(question, kind, KIND_LABELS[kind], terms, focus, _names(doc, tokens), role, head)


def _wh_role(tokens) -> tuple[str, str]:
    """(dependency label, head lemma) of the question word's phrase; ("", "") without a parse.
    "What protein does it make?": "what" modifies "protein", the object of "make": ("dobj", "make")."""
    wh = next((t for t in tokens if t.lower_ in QUESTION_WORDS), None)
    if wh is None or not wh.dep_:
        return "", ""
    phrase = wh
    if wh.lower_ == "how" and wh.head.pos_ in ("ADJ", "ADV") and wh.head.dep_ == "amod":
        phrase = wh.head.head  # "how many stages"
    elif wh.dep_ in ("det", "poss"):
        phrase = wh.head  # "what protein", "whose book"
    role, head = phrase.dep_, phrase.head
    if head.dep_ == "prep" and head.head is not head:  # "in what year", "for which company"
        head = head.head
    return role, (head.lemma_ or head.text).lower() if head is not phrase else ""


# Entity labels that name something; dates, times and figures are values, not names
NAME_LABELS = frozenset("PERSON NORP FAC ORG GPE LOC PRODUCT EVENT WORK_OF_ART LAW LANGUAGE".split())


def _names(doc, tokens) -> frozenset[str]:
    """Tokens of the question's proper nouns and named entities. A pipeline without a tagger
    (spaCy's blank one) gives no parts of speech: then capitalised words after the first count."""
    if doc.has_annotation("TAG") or doc.has_annotation("ENT_IOB"):
        words = [
            t.text
            for t in tokens
            if (t.ent_type_ in NAME_LABELS or (t.pos_ == "PROPN" and not t.ent_type_))
            and t.lower_ not in QUESTION_WORDS
        ]
    else:
        words = [t.text for t in tokens[1:] if t.text[:1].isupper() and t.lower_ not in QUESTION_WORDS]
    return frozenset(tokenize(" ".join(words)))


def _kind(tokens) -> tuple[str, str]:
    """(answer kind, focus noun) from the first question word and what follows it."""
    words = [t.lower_ for t in tokens]
    for i, word in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if word in ("who", "whom", "whose"):
            return "person", ""
        if word == "when":
            return "date", ""
        if word == "where":
            return "place", ""
        if word == "why":
            return "reason", ""
        if word == "how":
            return _how(nxt, tokens[i + 1] if i + 1 < len(tokens) else None), ""
        if word in ("what", "which"):
            focus = _focus(tokens, i)
            return FOCUS_KINDS.get(focus, "thing"), focus
    if tokens and tokens[0].lower_ in _YES_NO_OPENERS:
        return "yes-no", ""
    return "thing", ""


_YES_NO_OPENERS = frozenset("is are was were do does did can could will would has have had should".split())


def _how(nxt: str, token) -> str:
    if nxt == "many":
        return "count"
    if nxt == "much":
        return "amount"
    if nxt in ("long", "old"):
        return "duration"
    if token is not None and token.pos_ in ("ADJ", "ADV") or nxt in ("far", "big", "large", "high", "tall"):
        return "quantity"
    return "manner"


def _focus(tokens, i: int) -> str:
    """The noun a "what/which" asks about: "what year", "which of the cities", "what is the population of"."""
    wh = tokens[i]
    if wh.dep_ == "det" and wh.head.pos_ in ("NOUN", "PROPN"):  # "what year", "which province"
        return wh.head.lemma_.lower()
    if wh.dep_ in ("attr", "nsubj") and wh.head.lemma_ == "be":  # "what was the province's amount?"
        for child in wh.head.children:
            if child is not wh and child.dep_ in ("nsubj", "attr") and child.pos_ == "NOUN":
                return child.lemma_.lower()
    for t in tokens[i + 1 : i + 6]:
        if t.lower_ in ("is", "was", "are", "were", "the", "a", "an", "of", "'s", "kind", "type", "sort"):
            continue
        if t.pos_ in ("NOUN", "PROPN") or (not t.pos_ and t.text.isalpha()):
            return (t.lemma_ or t.text).lower()
        if t.pos_ in ("VERB", "AUX", "ADP") and t.lower_ not in ("is", "was", "are", "were"):
            break
    return ""
