"""What a question asks for, from its spaCy parse: the kind of answer, the entity types that can
be that answer, and the content words an answering sentence should share.

The kind comes from the question words (who, when, where, how many, ...) and, for "what/which
X", from the noun X. Only generic English question vocabulary is listed here: nothing about any
corpus. Analysed once per question and passed down to every answer strategy.

The keyword rules (the keyword check in verify.py and the extractive span) read the question's
wording instead: its key terms (years, numbers, names), the coarse kind of answer it asks for
("number", "name", "date"), whether it asks for a list. Those rules and the tables they share
(months, number words, the year pattern) live here too, in the second half of the module.
"""

from __future__ import annotations

import functools
import re
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
    # The question asks for several things: its "what/which X" noun is plural ("Which provinces …?",
    # "What were the two theories?"), so a list answers it, not one of its items.
    several: bool = False
    # How many things it asks for, when it says: "Which two provinces …?" 2; else 0.
    count: int = 0

    def asks(self, token) -> bool:
        """Whether a spaCy token is one of the question's content words (by lemma or as written)."""
        return lemma(token) in self.terms or token.lower_ in self.terms

    @property
    def wants_phrase(self) -> bool:
        """True when a short phrase can answer; False for why/how/yes-no, answered by the sentence."""
        return self.answer_kind in PHRASE_KINDS


def lemma(token) -> str:
    """A spaCy token's lemma in lower case (its text where the pipeline has no lemmatizer)."""
    return (token.lemma_ or token.text).lower()


def analyse_question(question: str, nlp) -> QuestionAnalysis:
    """Parse the question with `nlp` (a spaCy pipeline) and say what it asks for.

    >>> import spacy; nlp = spacy.blank("en")
    >>> analyse_question("How many people live there?", nlp).answer_kind
    'count'
    """
    doc = nlp(question)
    tokens = [t for t in doc if not t.is_space]
    asking = tokens[_main_wh(tokens) :] if doc.has_annotation("DEP") else tokens
    kind, focus = _kind(asking)
    terms = frozenset(
        lemma(t)
        for t in tokens
        if not (t.is_stop or t.is_punct or t.lower_ in QUESTION_WORDS) and any(c.isalnum() for c in t.text)
    )
    role, head = _wh_role(asking)
    several = any(lemma(t) == focus and t.tag_ in ("NNS", "NNPS") for t in asking) if focus else False
    count = _count(asking, focus)
    return QuestionAnalysis(
        question,
        kind,
        KIND_LABELS[kind],
        terms,
        focus,
        _names(doc, tokens),
        role,
        head,
        several or count > 1,
        count,
    )


def _count(tokens, focus: str) -> int:
    """How many of its "what/which X" things the question asks for: the number the noun's parse
    gives it ("Which two provinces": 2, "What 3 reasons": 3); 0 when it gives none."""
    for t in tokens:
        if focus and lemma(t) == focus:
            for child in t.children:
                if child.dep_ == "nummod":
                    return number_value(child.lower_)
    return 0


def number_value(word: str) -> int:
    """A whole number written in digits or as an English word up to twenty; 0 for anything else.

    >>> number_value("two"), number_value("12"), number_value("several"), number_value("1.5")
    (2, 12, 0, 0)
    """
    if word.isdigit():
        return int(word)
    return _number_word_values().get(word, 0)


@functools.cache
def _number_word_values() -> dict[str, int]:
    """spaCy's own English number words, in order from "zero": their place is their value (read
    when first needed: a parse has loaded spaCy by then, and importing it costs seconds)."""
    from spacy.lang.en.lex_attrs import _num_words

    return {w: i for i, w in enumerate(_num_words[:21])}


def is_number_word(token: str) -> bool:
    """Whether a lexical token is an English number word from "two" up (spaCy's own list): "ten
    aspects" counts, like "10 aspects"; "one" is as often a pronoun ("one of them").

    >>> is_number_word("ten"), is_number_word("million"), is_number_word("one"), is_number_word("tent")
    (True, True, False, False)
    """
    return token in _number_word_tokens()


@functools.cache
def _number_word_tokens() -> frozenset[str]:
    from spacy.lang.en.lex_attrs import _num_words

    return frozenset(t for word in _num_words[2:] for t in tokenize(word))


def _main_wh(tokens) -> int:
    """Index of the first token that may carry the question word: past an opening clause whose
    question word only sets the scene ("When a cell is infected, what does it release?": "when"
    modifies the adverbial clause, "what" asks) when a later question word follows."""
    for i, t in enumerate(tokens):
        if t.lower_ in QUESTION_WORDS:
            later = any(u.lower_ in QUESTION_WORDS for u in tokens[i + 1 :])
            return i + 1 if later and t.head.dep_ == "advcl" else 0
    return 0


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
    return role, lemma(head) if head is not phrase else ""


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
    nxt = tokens[i + 1] if i + 1 < len(tokens) else None
    # "Which function prints …": the small tagger may call the noun a verb. A determiner's head,
    # or a base-form verb right after the question word (a verb there needs "do"), is the noun.
    if nxt is not None and nxt.pos_ == "VERB" and nxt.text.isalpha():
        if (wh.dep_ == "det" and wh.head is nxt) or nxt.tag_ in ("VB", "VBP"):
            return lemma(nxt)
    if wh.dep_ in ("attr", "nsubj") and wh.head.lemma_ == "be":  # "what was the province's amount?"
        for child in wh.head.children:
            if child is not wh and child.dep_ in ("nsubj", "attr") and child.pos_ == "NOUN":
                return child.lemma_.lower()
    for t in tokens[i + 1 : i + 6]:
        if t.lower_ in ("is", "was", "are", "were", "the", "a", "an", "of", "'s", "kind", "type", "sort"):
            continue
        if t.pos_ in ("NOUN", "PROPN") or (not t.pos_ and t.text.isalpha()):
            return lemma(t)
        if t.pos_ in ("VERB", "AUX", "ADP") and t.lower_ not in ("is", "was", "are", "were"):
            break
    return ""


# --- The keyword rules: the question's wording, and the tables they share -------------------------

MONTHS = tuple(
    "January February March April May June July August September October November December".split()
)
MONTH_NAMES = frozenset(m.lower() for m in MONTHS)  # as lexical tokens
YEAR_DIGITS = r"(?:1\d|20)\d\d"  # a four-digit year, 1000-2099
YEAR = re.compile(rf"\b{YEAR_DIGITS}\b")

_NUMBER_Q = re.compile(
    r"\b(how (much|many|long)|by how|amount|number of|figure"
    r"|what (percentage|percent|share|rate|ratio|amount|standard|proportion|number))\b",
    re.I,
)
# "What is the 2024 financing standard?", "At what rate …": a figure, wherever the word sits.
_FIGURE_Q = re.compile(
    r"^\W*(what|at what|by what|how)\b.*\b(percentage|percent|ratio|rate|standard|amount)s?\b", re.I
)
_PERCENT_Q = re.compile(r"\b(percentage|percent|ratio|rate)\b", re.I)
_NAME_Q = re.compile(
    r"\b(who|whom|whose|which (province|provinces|agencies|agency|institute|organi[sz]ation|city)"
    r"|where|what (institute|organi[sz]ation))\b",
    re.I,
)
# "When was it issued?" asks a date; "… emphasize when reviewing 2023" does not.
_DATE_Q = re.compile(
    r"^\W*when\b|\bwhen (?:did|was|were|is|are|will|does|do|has|had)\b"
    r"|\b(what (date|year|month|day)|which year)\b",
    re.I,
)
_REASON_Q = re.compile(r"^\W*why\b|\bwhat (?:is|are|was|were) the (?:main )?reasons?\b", re.I)
# "Which provinces …", "What three suggestions …", "Name some …": the answer is an enumeration.
_LIST_Q = re.compile(
    r"\b(which|what)\s+(?:\w+\s+){0,2}?(?!(?:is|was|has|does|this|its|status|process)\b)[a-z]{3,}s\b"
    r"(?!\s+(?:to|the|a|an|its|their)\b)"  # "Which province plans to …" asks for one
    r"|\bname (?:some|the)\b",
    re.I,
)
# Capitalised, these name nothing: question words and auxiliaries, and words that open clauses.
_NOT_NAMES = QUESTION_WORDS | frozenset("is are was were do does did".split())
_OPENERS = frozenset(
    """according after although besides during following however meanwhile moreover since therefore
    thus while first second third finally furthermore additionally also among based through""".split()
)


def key_terms(question: str) -> dict[str, set[str]]:
    """Years, other numbers and capitalised names in a question, as tokens.

    >>> sorted(key_terms("What was Jiangxi's 2030 fund of 5 million?")["years"])
    ['2030']
    """
    tokens = re.findall(r"[A-Za-z][\w'-]*|\d[\d,.]*%?", question)
    names = set()
    for word in tokens[1:]:  # a question's first word is capitalised whatever it is
        if word[0].isupper() and word.lower() not in _NOT_NAMES and word.lower() not in _OPENERS:
            names.update(tokenize(word))
    years = set(YEAR.findall(question))
    numbers = {t for t in tokenize(question) if t[0].isdigit()} - years
    return {"years": years, "numbers": numbers, "names": names}


_NEGATIVE = re.compile(r"\b(?:not|never|no|none|nor|neither|cannot|without)\b|n['’]t\b", re.I)
_OPEN_CHOICE = re.compile(r"\bor\s+not\b", re.I)  # "whether or not it can be solved" denies nothing


NEGATED_SPAN = 4  # "was not directly attacked": the words a negation denies follow it closely


def negated_words(text: str) -> set[str]:
    """The lexical tokens of the words that the text's negations deny: those in the few words after
    each "not", "no", "n't" ….

    >>> sorted(negated_words("Which cells do not directly attack microbes?"))
    ['attack', 'directly', 'microb']
    """
    text = _OPEN_CHOICE.sub(" ", text)
    denied: set[str] = set()
    for match in _NEGATIVE.finditer(text):
        after = re.findall(r"[\w'-]+", text[match.end() :])[:NEGATED_SPAN]
        denied.update(tokenize(" ".join(after)))
    return denied


def negated(text: str) -> bool:
    """Whether the text says something negatively, anywhere in it.

    >>> negated("Which city was not rebuilt?"), negated("It wasn’t rebuilt."), negated("Nothing notable.")
    (True, True, False)
    >>> negated("Is it known whether or not it halts?")
    False
    """
    return bool(_NEGATIVE.search(_OPEN_CHOICE.sub(" ", text)))


def answer_kind(question: str) -> str:
    """What kind of answer the wording asks for: "number", "name", "date" or "" (the keyword rules'
    coarse kind; QuestionAnalysis.answer_kind is the parse's finer one).

    >>> [answer_kind(q) for q in ["How many were there?", "Who said it?", "When was it issued?", "Why?"]]
    ['number', 'name', 'date', '']
    """
    for kind, pattern in (("date", _DATE_Q), ("number", _NUMBER_Q), ("name", _NAME_Q), ("number", _FIGURE_Q)):
        if pattern.search(question):
            return kind
    return ""


def wants_percentage(question: str) -> bool:
    """
    >>> wants_percentage("By what percentage did it fall?"), wants_percentage("How much did it cost?")
    (True, False)
    """
    return answer_kind(question) == "number" and bool(_PERCENT_Q.search(question))


def asks_reason(question: str) -> bool:
    """Whether the wording asks why.

    >>> asks_reason("Why did it fall?"), asks_reason("What are the main reasons?"), asks_reason("Who?")
    (True, True, False)
    """
    return bool(_REASON_Q.search(question))


def is_list_question(question: str) -> bool:
    """
    >>> questions = ["Which provinces raised it?", "What was the amount?", "What does it say?"]
    >>> [is_list_question(q) for q in questions]
    [True, False, False]
    """
    return bool(_LIST_Q.search(question))


def counts_asked_noun(question: str, text: str) -> bool:
    """Whether the text counts what a "how many <noun>" question asks about ("14 provinces").

    >>> counts_asked_noun("How many provinces plan it?", "14 provinces plan to promote it")
    True
    >>> counts_asked_noun("How many provinces plan it?", "the three medicines, in many provinces")
    False
    """
    m = re.search(r"\bhow many\s+([a-z]+)", question, re.I)
    if not m:
        return False
    noun = tokenize(m.group(1))
    if not noun:
        return False
    for count in re.finditer(r"(\d[\d,.]*|[A-Za-z]+)\s+(?:[a-z-]+\s+){0,2}?([a-z]+)", text):
        number = count.group(1).lower()
        if (number[0].isdigit() or tokenize(number) and is_number_word(tokenize(number)[0])) and (
            tokenize(count.group(2)) == noun
        ):
            return True
    return False
