"""Section headings: which heading lines a paragraph sits under.

Manuals, man pages, specifications and Markdown say what a passage is about in a heading, not in
the passage: "AUTHOR" over "Philip A. Nelson", "POSIXLY_CORRECT" over "This is the same as the -s
option." A question names the heading's words, so the passage is searched and judged together with
the headings above it (the quoted text and its citation stay the passage's own).

A heading is a paragraph of one short line that does not read as a sentence or a list item: a
Markdown "#" line, or up to HEADING_MAX_WORDS words with no closing sentence punctuation and no
comma, followed by more text. Headings nest by their Markdown level or, in plain text, by
indentation (a man page indents its option names under its section names).

Short lines that are not headings (furniture) are told apart by general signals, not word lists:
the parse reads a clause ("Photo provided by the family" has a passive agent, "the display would be"
a subject and an auxiliary, "For example:" leads in), or holds a date ("Updated on 2024-02-18"); the
line is a breadcrumb ("News · Health"), a shell prompt, comment or code fence, or sits inside one; a
Markdown file's headings are its marked ones. Furniture heads nothing but still ends a run of short
lines. A document with a single unmarked heading has no sections: that line is a title, a dateline
or a caption. Not handled: furniture that reads as a noun phrase and recurs as a section would
("Related Pages" twice over a list of links); a Markdown file's lone underlined title is dropped.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import PurePath

HEADING_MAX_CHARS = 60
HEADING_MAX_WORDS = 8
MAX_DEPTH = 3  # headings kept above a paragraph, nearest last
REPEATED_LINE = 3
_DIGITS = re.compile(r"\d+")
_MARKDOWN = re.compile(r"^(#{1,6})\s+(\S.*?)\s*#*$")
_LIST_ITEM = re.compile(r"^(?:[-*•·‣◦]|\d{1,3}[.)]|[a-zA-Z][.)])\s+")
_SENTENCE_END = ("?", ".", "!", ",", ";")  # a Markdown heading may ask
_CODE = re.compile(r"[<>{}=;]")
_NUMBERED = re.compile(r"^((?:\d+|[A-Z])(?:\.\d+)+|\d+)\.?\s+\S")  # "2.3", "A.1", "4."
LABEL_MAX_WORDS = 3  # "Options:" is a heading, "The files it creates are:" a sentence
_CODE_START = re.compile(r"^(?:[$#/*`%@]|\w+\$\s)")  # "$ make", "#endif", "/* x */", "```js", "eg$ ls"
_BREADCRUMB = re.compile(r"\s[·|»›]\s")  # "News · Health", "Home | Sport": a site's trail or bar
_FENCE = "```"
# A comma is a sentence's or a dateline's ("15:37, July 29, 2023"), except inside brackets, a
# signature's ("j (n,x)"), or between options or symbols, each one token ("-h, --help", "&&, ||")
_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_SYMBOL_LIST = re.compile(r"^(?:-\S*|[^\w\s,]+)(?:,\s*(?:-\S*|[^\w\s,]+))+$")
_QUOTES = "'\"`‘’“”"
_SETEXT = re.compile(r"^(?:=+|-+)$")  # the line under a Markdown "Title" that makes it a heading
_MARKDOWN_FILES = (".md", ".markdown")
_SUBJECTS = {"nsubj", "nsubjpass", "csubj", "expl"}


def heading(text: str, indent: int = 0) -> tuple[int, str] | None:
    """(level, text) when a one-line paragraph reads as a heading, else None; a lower level is an
    outer heading: Markdown's level, else by indentation and then section number.

    >>> heading("## Installing"), heading("2.1 Types"), heading("NAME"), heading("POSIXLY_CORRECT", 7)
    ((1, 'Installing'), (1, '2.1 Types'), (9, 'NAME'), (79, 'POSIXLY_CORRECT'))
    >>> heading("It works."), heading("(Finish)"), heading("15:37, July 29, 2023"), heading("- one item")
    (None, None, None, None)
    >>> heading("struct tm {"), heading("The main features are:"), heading("Options:")
    (None, None, (9, 'Options:'))
    """
    text = text.strip()
    markdown = _MARKDOWN.match(text)
    if markdown:
        text = markdown.group(2)
    words = text.split()
    if not words or len(text) > HEADING_MAX_CHARS or len(words) > HEADING_MAX_WORDS:
        return None
    if (
        text.endswith(_SENTENCE_END[1 if markdown else 0 :])
        or ("," in _BRACKETED.sub("", text) and not _SYMBOL_LIST.match(text))
        or text.startswith(("(", "[", '"'))
        or _LIST_ITEM.match(text)
    ):
        return None
    if _CODE.search(text) or (text.endswith(":") and len(words) > LABEL_MAX_WORDS):
        return None  # a line of code or markup; a sentence leading in to a list ("It offers:")
    bare = text.strip(_QUOTES).replace(" ", "")  # "'E'", a quoted term, is all word
    wordlike = sum(ch.isalnum() or ch in "_-" for ch in bare)
    if not any(ch.isalpha() for ch in text) or wordlike < 0.6 * len(bare):
        return None  # a rule line, a page number, a row of dots
    if markdown:
        return len(markdown.group(1)) - 1, text
    numbered = _NUMBERED.match(text)  # "2.3.1 Types" sits under "2.3 Structures"
    return indent * 10 + (numbered.group(1).count(".") if numbered else 9), text


def section_paths(
    paragraphs: list[tuple[str, int, bool]], furniture: frozenset[int] = frozenset()
) -> list[tuple[str, ...]]:
    """For each paragraph of one document, (text, indent, is one line), the headings it sits under,
    outermost first (a heading's own path holds the headings above it). `furniture`: positions of
    one-line paragraphs shaped like headings that are not (captions, code; see _outline).

    >>> section_paths([("NAME", 0, True), ("bc - a calculator.", 7, True), ("OPTIONS", 0, True),
    ...                ("-s", 7, True), ("Be strict.", 14, True)])
    [(), ('NAME',), (), ('OPTIONS',), ('OPTIONS', '-s')]
    """
    levels = _headings(paragraphs, furniture)
    paths: list[tuple[str, ...]] = []
    open_headings: list[tuple[int, str]] = []  # the headings in force, outermost first
    for found in levels:
        if found is None:
            paths.append(tuple(text for _, text in open_headings[-MAX_DEPTH:]))
            continue
        level, _ = found
        while open_headings and open_headings[-1][0] >= level:
            open_headings.pop()
        paths.append(tuple(text for _, text in open_headings[-MAX_DEPTH:]))
        open_headings.append(found)
    return paths


def _headings(
    paragraphs: list[tuple[str, int, bool]], furniture: frozenset[int] = frozenset()
) -> list[tuple[int, str] | None]:
    """heading() of each one-line paragraph, furniture aside, that heads something: text follows it
    that is not a heading-like line of its own level or above, furniture included (a run of short
    lines, a poem, a list of names or lines of code, heads nothing), and it is not a running
    header: a line repeated, page numbers aside, REPEATED_LINE times or more ("Chapter 2: Usage
    14") heads pages, not sections. A document whose only heading is unmarked (no Markdown "#")
    has none."""
    shapes = [heading(text, indent) if one_line else None for text, indent, one_line in paragraphs]
    found = [None if n in furniture else h for n, h in enumerate(shapes)]
    repeats = Counter(_DIGITS.sub("", h[1]) for h in found if h)
    out: list[tuple[int, str] | None] = []
    for n, h in enumerate(found):
        after = shapes[n + 1] if n + 1 < len(shapes) else (0, "")  # the last line heads nothing
        heads = h is not None and (after is None or after[0] > h[0])
        out.append(h if heads and repeats[_DIGITS.sub("", h[1])] < REPEATED_LINE else None)
    found_at = [n for n, h in enumerate(out) if h]
    if len(found_at) == 1 and not _MARKDOWN.match(paragraphs[found_at[0]][0].strip()):
        return [None] * len(out)  # a lone unmarked "heading" divides nothing: a title, dateline or caption
    return out


PATH_SEPARATOR = " / "  # between the headings of a path written as one line


def heading_text(path: tuple[str, ...]) -> str:
    """The headings of a path as one line, outermost first ("" for none)."""
    return PATH_SEPARATOR.join(path)


def heading_path(text: str) -> tuple[str, ...]:
    """The headings of a line written by heading_text, outermost first (() for "").

    >>> heading_path(heading_text(("OPTIONS", "-s"))), heading_path("")
    (('OPTIONS', '-s'), ())
    """
    return tuple(text.split(PATH_SEPARATOR)) if text else ()


def document_sections(parsed: list) -> list[tuple[str, ...]]:
    """section_paths of one document's parsed paragraphs (spaCy Docs from analysis.parse_paragraphs,
    in order)."""
    return section_paths(*_outline(parsed))


def heading_paragraphs(parsed: list) -> dict[int, int]:
    """Which of one document's parsed paragraphs are headings: position -> level (see heading())."""
    return {n: found[0] for n, found in enumerate(_headings(*_outline(parsed))) if found}


def reads_as_clause(doc) -> bool:
    """Whether a parsed one-line paragraph reads as a sentence or a dateline, not as a name for the
    text under it: a passive agent (a caption, "Photo provided by the family"), a subject with an
    auxiliary or copula ("the display would be"), a date or time with a figure ("Updated on
    2024-02-18"), a last word that leaves it unfinished ("has two blocks and"), or a lead-in to a
    list or example: a colon after a verb or a preposition ("For example:"). Gerunds and
    imperatives ("Installing the tools", "Install a package") still name sections. False without a
    parse (a blank pipeline has no dependencies or entities)."""
    if any(t.dep_ == "agent" for t in doc):
        return True
    if any(t.dep_ in _SUBJECTS for t in doc) and any(t.pos_ == "AUX" for t in doc):
        return True
    if any(e.label_ in ("DATE", "TIME") and any(ch.isdigit() for ch in e.text) for e in doc.ents):
        return True
    words = [t for t in doc if not (t.is_punct or t.is_space)]
    if words and words[-1].pos_ in ("CCONJ", "DET"):
        return True
    # "For example:", "Consider this definition:": a lead-in to what follows; "Options:" names it
    verb = any(t.pos_ in ("VERB", "AUX") and t.tag_ != "VBG" for t in doc)
    return doc.text.rstrip().endswith(":") and bool(words) and (verb or words[0].pos_ in ("ADP", "SCONJ"))


def may_head(text: str) -> bool:
    """Whether a line that heading() accepts could still name a section by its characters alone: not a
    shell prompt, comment, preprocessor line or code fence, not a breadcrumb. Markdown "#" lines may."""
    text = text.strip()
    if _MARKDOWN.match(text):
        return True
    return not (_CODE_START.match(text) or _BREADCRUMB.search(text))


def _outline(parsed: list) -> tuple[list[tuple[str, int, bool]], frozenset[int]]:
    """(text, indent, may be a heading) of each parsed paragraph, and the furniture among them.
    A paragraph may be a heading when it is one line outside a code fence and, in a Markdown file,
    a "#" line or an underlined title (the rest of a Markdown file is text). It is furniture when
    may_head() rejects it or, unless a Markdown file marks it, reads_as_clause()."""
    file = parsed[0].user_data.get("file", "") if parsed else ""
    markdown_file = PurePath(file).suffix.lower() in _MARKDOWN_FILES
    out, furniture, fenced = [], set(), False  # fenced: inside a ``` block, which may span blank lines
    for n, doc in enumerate(parsed):
        text, breaks = doc.text, doc.user_data.get("breaks") or []
        marked = bool(_MARKDOWN.match(text.strip()))
        if markdown_file and not marked:
            nxt = parsed[n + 1].text.strip() if n + 1 < len(parsed) else ""
            marked = bool(_SETEXT.match(nxt)) and not breaks
        candidate = not breaks and not fenced and (marked or not markdown_file)
        trusted = markdown_file and marked  # "# Why is it slow?" in a .md file; in a PDF, a shell comment
        if candidate and not (may_head(text) and (trusted or not reads_as_clause(doc))):
            furniture.add(n)
        out.append((text, doc.user_data.get("indent", 0), candidate))
        starts = [0] + [b + 1 for b in breaks]
        fenced ^= sum(text[a:].lstrip().startswith(_FENCE) for a in starts) % 2 == 1
    return out, frozenset(furniture)
