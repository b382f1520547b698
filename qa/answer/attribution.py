"""Who a sentence reports: the speaker of an opinion or a statement, so that an answer taken from the
sentence is shown as theirs ("According to Mayor Ruiz: 40 million euros"), not as a plain fact.

A sentence reports someone when
- its main verb is a reporting or cognition verb (`REPORTING`: say, believe, think, argue, …;
  `PHRASAL`: point out) with a clause for what is reported and a nominal subject: "Mayor Ruiz
  believes that the bridge will cost 40 million euros.", "The bridge will cost 40 million euros,
  Mayor Ruiz said.", '"…," said Tom Bell.';
- or it opens with "According to X," or ends with ", according to X.": "According to the ministry,
  inflation reached 4.2 percent." ("Fares rise according to demand" reports no one.)

Reporting verbs are read from spaCy's dependency parse (the packaged en_core_web_sm has one). A Doc
without a parse (spaCy's blank pipeline, `blank:en`) has only tokens: then only "According to X" is
found.

A speaker who is "he" or "she" is the person named nearest before them in the paragraph
(`antecedent`): 'Mayor Ana Ruiz backs the tunnel. "It cuts travel times," she added.' gives "Mayor
Ana Ruiz". When the paragraph names no one before them (news: a paragraph of quote ending '…," she
said.'), the nearest of the LOOK_BACK paragraphs before it that names someone does. A named person
is a PERSON entity, or a subject the parser tags as a proper noun that is no other kind of entity
(the small parser misses many names: "Zhang said …"); subjects are preferred, as "he" usually
continues the subject. With no one named before, "she" stays.

`answer_speaker` applies this to an answer: the sentence of a cited unit that holds the answer, read
from the parse stored at index time (qa/ingest/analysis.py), so the whole paragraph is at hand.

Not handled: a reporting verb in a subordinate clause ("Prices rose, which the minister said was a
record"), passives without an agent ("It is believed that …": no speaker to name), "they" (a
group or an organisation; it is shown as "them"), and a name the parser tags as neither a PERSON
nor a proper noun. A subject that is "it", "this" or "there" is no speaker.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from qa.nlp import load_nlp

# Lemmas of verbs that report what someone says, thinks or expects. spaCy has no class for them.
REPORTING = frozenset(
    """
    acknowledge add admit announce argue assert believe claim comment conclude confirm consider contend
    declare deny doubt emphasise emphasize estimate expect explain fear feel forecast guess hope imagine
    insist maintain note observe predict propose reckon recommend remark report reveal say speculate
    state stress suggest suppose suspect tell think urge warn write
    """.split()
)
PHRASAL = frozenset({("point", "out"), ("find", "out")})  # (lemma, particle): "pointed out that …"
NOT_SPEAKERS = frozenset({"it", "this", "that", "there", "which", "what", "these", "those"})
SPEAKER_TAGS = frozenset({"PROPN", "NOUN", "PRON"})
LEFT_OUT = frozenset({"appos", "relcl", "acl"})  # asides in a speaker's phrase: ", a historian at …"
REPORTED = frozenset({"ccomp", "parataxis"})  # the verb's clause: what is said, thought, expected
CLOSING_MARKS = frozenset({",", '"', "”", "’", "'"})
PERSONAL = frozenset({"he", "she", "him", "her"})  # resolved to the person named before them
SUBJECTS = frozenset({"nsubj", "nsubjpass"})
LOOK_BACK = 3  # paragraphs before a "she" searched for the person, when her own paragraph names no one
Earlier = Callable[[object, int], Sequence]  # (a stored paragraph Doc, n) -> up to n paragraphs before it
# How a speaker is named in "According to …": a pronoun in the object case, and the first and second
# person as "the cited text" ("According to us" would read as the bot's own view).
_OBJECT_CASE = {"he": "him", "she": "her", "they": "them"}
_FIRST_PERSON = frozenset({"i", "we", "you", "me", "us"})
_MARKERS = re.compile(r"\s*\[\d+\]")  # the citation markers of a generated answer: "… 723 million yuan [1]."


def speaker(text: str, doc=None, answer: str = "", earlier: Sequence = ()) -> str | None:
    """The speaker phrase of a sentence that reports an opinion or a statement, else None.

    `doc` is the sentence parsed by spaCy (a Doc or a Span; without it the text is only tokenized).
    `answer`, when given, is the part of the sentence an answer was taken from: when it lies in the
    speaker's own words ("Who believes …?" answered "Mayor Ruiz"), the answer is about the speaker,
    not what they said, and None is returned. `earlier`: the paragraphs before the sentence's own
    (spaCy Docs, nearest first), where a "he"/"she" is looked for when its paragraph names no one.

    >>> speaker("According to the harbour office, the ferry sails at 9.")
    'the harbour office'
    >>> speaker("The ferry sails at 9.") is None
    True
    """
    if doc is None:
        doc = load_nlp("blank:en")(text)
    found = _reporting_verb(doc) if _parsed(doc) else None
    found = found or _according_to(doc)
    if found is None:
        return None
    phrase, whole, head = found
    if head is not None and head.lower_ in PERSONAL:
        phrase = antecedent(head, earlier) or phrase
    if answer and (_norm(answer) in _norm(whole) or _norm(answer) in _norm(phrase)):
        return None
    return phrase or None


def antecedent(pronoun, earlier: Sequence = ()) -> str | None:
    """The person a "he"/"she" token stands for: the nearest one named before it in its Doc (the
    paragraph, for a stored parse), a subject preferred; when it names no one, the nearest of the
    `earlier` paragraphs (Docs, nearest first) that does; None when none does.

    Named: a PERSON entity, or a proper-noun subject that is no entity (of another kind: a place, an
    organisation). A subject is named with its titles ("Mayor Ana Ruiz"), as `speaker` names it."""
    for doc, end in [(pronoun.doc, pronoun.i), *((d, len(d)) for d in earlier)]:
        named = _named_before(doc, end)
        if named:
            return named
    return None


def _named_before(doc, end: int) -> str | None:
    """The person named last in doc[:end], a subject preferred (see `antecedent`)."""
    named = []  # (is a subject, where it ends, how it is named)
    for ent in doc.ents:
        if ent.label_ == "PERSON" and ent.end <= end:
            subject = ent.root.dep_ in SUBJECTS
            named.append((subject, ent.end, _phrase(ent.root) if subject else ent.text))
    for token in doc[:end]:
        if token.dep_ in SUBJECTS and token.pos_ == "PROPN" and not token.ent_type_:
            named.append((True, token.i + 1, _phrase(token)))
    subjects = [n for n in named if n[0]] or named
    return max(subjects, key=lambda n: n[1])[2] if subjects else None


def answer_speaker(text: str, short_answer: str, sentences: list, earlier: Earlier | None = None) -> str:
    """Who the sentence behind an answer reports, or "" when the answer is stated as fact.

    `text` and `short_answer` are the answer's ("12 euros. According to …" and "12 euros");
    `sentences` are the spaCy Spans of the sentences the answer cites (stored parses, so a pronoun
    finds its person in the paragraph). The first that holds the answer's quote (or its short answer)
    names the speaker, unless the answer itself names them ("Who sets the fare?" -> "the harbour
    office") or is about the speaker's own phrase. Generated wording no sentence holds gets "".
    `earlier(paragraph, n)` gives up to n paragraphs before a stored paragraph, nearest first
    (qa.ingest.analysis.SentenceIndex.paragraphs_before): a "she" whose own paragraph names no one
    is looked for in the LOOK_BACK paragraphs before it.
    """
    text = _MARKERS.sub("", text)  # a generated answer's "[1]" is no part of any line
    lead = short_answer or text
    quote = text.removeprefix(f"{short_answer}. ") if short_answer else text
    for holds in (quote, lead):
        sentence = next((s for s in sentences if _contains(s.text, holds)), None)
        if sentence is not None:
            before = earlier(sentence.doc, LOOK_BACK) if earlier is not None else ()
            who = speaker(sentence.text, sentence, answer=lead, earlier=before)
            return who if who and not _contains(lead, who) else ""
    return ""


def according_to(who: str) -> str:
    """How an answer names its speaker: "According to Mayor Ruiz", "According to him".

    >>> according_to("she"), according_to("We"), according_to("the harbour office")
    ('According to her', 'According to the cited text', 'According to the harbour office')
    """
    low = who.lower()
    if low in _FIRST_PERSON:
        return "According to the cited text"
    return f"According to {_OBJECT_CASE.get(low, who)}"


def _parsed(doc) -> bool:
    tokens = list(doc)
    return bool(tokens) and any(t.dep_ for t in tokens)


def _reporting_verb(doc):
    """(speaker, the subject's whole phrase, the subject) of a main reporting verb with a nominal
    subject."""
    for verb in doc:
        if not _reports(verb):
            continue
        subject = next((c for c in verb.children if c.dep_ == "nsubj"), None)
        if subject is None or not _speaker_like(subject):
            continue
        main = verb.dep_ == "ROOT" and (
            any(c.dep_ in REPORTED for c in verb.children) or _closing(verb, subject)
        )
        aside = verb.dep_ == "parataxis" and verb.head.dep_ == "ROOT"  # "Prices, he said, will rise."
        if main or aside:
            return _phrase(subject), _text(list(subject.subtree)), subject
    return None


def _closing(verb, subject) -> bool:
    """'…, she said.' or '…," said Tom Bell.': the verb and its subject close the sentence, after a
    comma or a quotation mark (the parser does not always make what comes before their clause)."""
    start = min(subject.left_edge.i, verb.i)
    return start > verb.sent.start and verb.doc[start - 1].text in CLOSING_MARKS


def _reports(verb) -> bool:
    if verb.pos_ not in ("VERB", "AUX"):
        return False
    lemma = verb.lemma_.lower()
    return lemma in REPORTING or any((lemma, c.lower_) in PHRASAL for c in verb.children if c.dep_ == "prt")


def _speaker_like(token) -> bool:
    return token.pos_ in SPEAKER_TAGS and token.lower_ not in NOT_SPEAKERS


def _according_to(doc):
    """(speaker, their whole phrase, its head or None) of "According to X, …" or "…, according to
    X.": X from the parse, or the words up to the next punctuation. Elsewhere "according to" is no attribution
    ("sold according to demand")."""
    tokens = [t for t in doc if not t.is_space]
    for i, token in enumerate(tokens[:-2]):
        if token.lower_ != "according" or tokens[i + 1].lower_ != "to":
            continue
        opens = all(t.is_punct for t in tokens[:i])  # "According to X, …" (perhaps after a quote)
        set_off = i > 0 and tokens[i - 1].text == ","  # "…, according to X."
        if not (opens or set_off):
            continue
        words = []
        for t in tokens[i + 2 :]:
            if t.is_punct:
                break
            words.append(t)
        ends = tokens[i + 2 + len(words)].text if i + 2 + len(words) < len(tokens) else ""
        if not words or (opens and ends != ","):
            continue
        objects = [c for c in tokens[i + 1].children if c.dep_ == "pobj"] if _parsed(doc) else []
        if objects:
            return _phrase(objects[0]), _text(list(objects[0].subtree)), objects[0]
        return _text(words), _text(words), None
    return None


def _phrase(head) -> str:
    """The head's phrase without its asides (appositions, relative clauses): "Professor Lin Wei, a
    historian at Fudan University," -> "Professor Lin Wei"."""
    asides = [t for t in head.subtree if t.dep_ in LEFT_OUT]
    dropped = {t.i for aside in asides for t in aside.subtree}
    return _text([t for t in head.subtree if t.i not in dropped])


def _text(tokens) -> str:
    """The tokens' text without punctuation at either end, a sentence-initial word lower-cased when
    it is not part of a name ("The union" -> "the union", "Analysts" -> "analysts", but "Captain
    Mira Holt" stays)."""
    words = [t.text for t in tokens]
    first = tokens[0] if tokens else None
    named = any(t.pos_ == "PROPN" for t in tokens)
    common = ("DET",) if named else ("DET", "NOUN", "PRON", "ADJ")
    if first is not None and first.is_sent_start and first.pos_ in common and words[0] != "I":
        words[0] = words[0].lower()
    text = "".join(w + t.whitespace_ for w, t in zip(words, tokens, strict=True))
    return text.strip(" ,;:.\"'“”‘’()")


def _norm(text: str) -> str:
    return " ".join("".join(ch if ch.isalnum() else " " for ch in text.lower()).split())


def _contains(text: str, part: str) -> bool:
    return bool(_norm(part)) and _norm(part) in _norm(text)
