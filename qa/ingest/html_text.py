"""The visible text of an HTML page, one line per block, for indexing and citing.

Line numbers of an HTML document are lines of this text (what a reader sees), not lines
of the markup: `<p>`, headings, list items, table rows and `<br>` each start a new line.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Elements whose content is never shown on the page.
HIDDEN = {"script", "style", "head", "title", "template", "noscript", "svg", "iframe", "object"}
# Elements that start and end a line of their own (a table row is one line, its cells spaced).
BLOCKS = {
    "address", "article", "aside", "blockquote", "body", "caption", "dd", "details", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "html", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "tfoot",
    "thead", "tr", "ul",
}  # fmt: skip
VOID = {"br", "hr", "img", "input", "meta", "link", "wbr", "area", "base", "col", "embed", "source"}
_SPACES = re.compile(r"[ \t\f\v\u00a0\u200b]+")


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0  # depth inside hidden elements
        self.pre = 0  # depth inside <pre>, where line breaks are kept

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in HIDDEN and tag not in VOID:
            self.hidden += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in BLOCKS:
            self.parts.append("\n")
            self.pre += tag == "pre"

    def handle_startendtag(self, tag: str, attrs) -> None:
        if tag == "br" or tag in BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in BLOCKS:
            self.parts.append("\n")
            self.pre = max(0, self.pre - (tag == "pre"))
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        if self.pre:
            self.parts.append(data)
        else:
            self.parts.append(_SPACES.sub(" ", data.replace("\r", " ").replace("\n", " ")))


def html_to_text(source: str) -> str:
    """Visible text with one line per block; scripts, styles and comments dropped.

    >>> html_to_text("<html><head><style>p{}</style></head><body><h1>Title</h1>"
    ...              "<p>One &amp; <b>two</b>.<br>Three.</p><script>x()</script></body></html>")
    'Title\\nOne & two.\\nThree.'

    Does not apply CSS (text hidden by a stylesheet is kept) and does not run scripts.
    """
    parser = _VisibleText()
    parser.feed(source)
    parser.close()
    lines = [_SPACES.sub(" ", line).strip() for line in "".join(parser.parts).split("\n")]
    out: list[str] = []
    for line in lines:  # blank runs left by nested blocks collapse to nothing
        if line:
            out.append(line)
    return "\n".join(out)
