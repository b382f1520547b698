"""What the chat page shows, as Markdown or HTML strings; every text from a document or a user is
escaped here, so nothing in an article can run in the page.

Citations are links "#cite=<file>:<line>"; the page's script (page_assets.py) turns a click on one
into a request for the lines around it, shown by `render_source`. An answer taken from someone's
reported opinion or words is shown as theirs ("According to …:", from `Answer.speaker`), never
as the bot's own.
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote

from qa.answer.attribution import according_to
from qa.records import Answer, Citation

BAR = 5  # blocks of a passage's relevance bar


def render_answer(answer: Answer, titles: dict[str, str] | None = None) -> str:
    """Markdown of an answer: the short answer first when there is one, then each cited line once
    (never a sentence the answer already gave), each with a link to open it in its document.

    An answer taken from a sentence that reports someone's opinion or words (`Answer.speaker`) is
    shown as theirs: "According to Mayor Ruiz: **40 million euros**"."""
    titles = titles or {}
    cited = _unique(answer.citations)
    lead = f"{_escape(according_to(answer.speaker))}: " if answer.speaker else ""
    if answer.short_answer:
        parts = [f"{lead}**{_escape(answer.short_answer)}**"]
        # the text leads with the short answer, then its quote: show the quote once, as a cited line
        quote = answer.text.removeprefix(f"{answer.short_answer}. ")
        if not any(_contains(c.text, quote) for c in cited):  # generated wording: say it too
            parts.append(_escape(quote))
    else:
        parts = [lead + _escape(answer.text)]
    for c in cited:
        link = _cite_link(c, titles)
        if answer.short_answer or not _repeats(answer.text, c.text):
            parts.append(f"> {_escape(c.text)}\n>\n> — {link}")
        else:
            parts.append(f"— {link}")
    return "\n\n".join(parts)


def _unique(citations: tuple[Citation, ...]) -> list[Citation]:
    seen, out = set(), []
    for c in citations:
        if (c.file, c.line) not in seen:
            seen.add((c.file, c.line))
            out.append(c)
    return out


def _cite_link(c: Citation, titles: dict[str, str]) -> str:
    title = titles.get(c.file) or c.file
    where = f"p.{c.page} line {c.page_line}" if c.page is not None else f"line {c.line}"
    label = _escape(f"{title}, {where}").replace("[", "(").replace("]", ")")
    return f"[{label}](#cite={quote(c.file)}:{c.line})"


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def _contains(line: str, text: str) -> bool:
    return bool(_norm(text)) and _norm(text) in _norm(line)


def _repeats(answer: str, line: str) -> bool:
    """Whether quoting `line` under `answer` would say a sentence of the answer again."""
    sentences = [s for s in re.split(r"(?<=[.!?。])\s+", answer) if len(_norm(s)) > 12]
    return _contains(answer, line) or any(_contains(line, s) for s in sentences)


def _escape(text: str) -> str:
    """HTML-escaped, with Markdown's emphasis and link characters made literal."""
    return re.sub(r"([\\`*_\[\]])", r"\\\1", html.escape(text))


def render_passages(answer: Answer) -> str:
    """The retrieved passages, best first, with a relevance bar relative to the best (no raw scores)."""
    if not answer.hits:
        return "_No passages retrieved._"
    best = max(h.score for h in answer.hits) or 1.0
    blocks = []
    for h in answer.hits:
        c = h.chunk
        filled = max(1, round(BAR * h.score / best)) if h.score > 0 else 0
        bar = "▰" * filled + "▱" * (BAR - filled)
        where = (
            f"p.{c.page} line {c.page_line}" if c.page is not None else f"lines {c.first_line}–{c.last_line}"
        )
        blocks.append(
            f"**{h.rank}.** `{html.escape(c.file)}` {where} "
            f'<span title="relevance, relative to the best passage">{bar}</span>'
            f"\n\n> {_escape(c.text)}"
        )
    return "\n\n".join(blocks)


def render_source(source: dict) -> str:
    """HTML of a document's lines around a cited line (qa.app.library.Library.source), the cited
    line marked and scrolled to by the page."""
    rows = []
    for row in source["lines"]:
        cited = row["line"] == source["line"]
        number = f"p.{row['page']} {row['page_line']}" if "page" in row else str(row["line"])
        text = html.escape(row["text"])
        rows.append(
            f'<li class="{"qa-cited" if cited else ""}"><span class="qa-n">{number}</span>'
            f"{f'<mark>{text}</mark>' if cited else text}</li>"
        )
    where = next((r for r in source["lines"] if r["line"] == source["line"]), {})
    spot = f"page {where['page']}, line {where['page_line']}" if "page" in where else f"line {source['line']}"
    return (
        f'<div class="qa-source"><div class="qa-source-head"><b>{html.escape(source["title"])}</b>'
        f"<br><small>{html.escape(source['file'])} · {spot}</small></div>"
        f'<ol class="qa-lines">{"".join(rows)}</ol></div>'
    )


def render_documents(listing: dict) -> str:
    """HTML of what the bot knows: how many documents, when indexed, their titles, and the files
    left out with the reason."""
    items = []
    for d in listing["documents"]:
        pages = f" · {d['pages']} pages" if d["pages"] else ""
        added = " <em>added here</em>" if d["uploaded"] else ""
        items.append(
            f'<li><span class="qa-title">{html.escape(d["title"])}</span>{added}'
            f"<br><small>{html.escape(d['file'])} · {d['lines']} lines{pages}</small></li>"
        )
    skipped = "".join(
        f"<li>{html.escape(s['file'])}: {html.escape(s['reason'])}</li>" for s in listing["skipped"]
    )
    when = html.escape(listing["indexed"].replace("T", " ")[:16])
    out = (
        f'<div class="qa-docs"><p><b>{listing["count"]} documents</b> · indexed {when}</p>'
        f'<ul class="qa-doc-list">{"".join(items)}</ul>'
    )
    if skipped:
        out += f'<p><b>Left out</b></p><ul class="qa-skipped">{skipped}</ul>'
    return out + "</div>"


ICONS = {"waiting": "○", "running": "▸", "done": "✓", "off": "–", "failed": "✗"}


def render_status(status: dict) -> str:
    """HTML of the start-up steps: what each is doing, a bar while the index builds."""
    if status["ready"] and all(s["state"] in ("done", "off") for s in status["steps"]):
        return ""
    lead = (
        "Ready: ask away."
        if status["ready"]
        else "Starting: the question box and the example questions open when the chat can answer."
    )
    rows = []
    for s in status["steps"]:
        bar = ""
        if s["state"] == "running" and s["total"]:
            bar = f'<progress max="{s["total"]}" value="{s["done"]}"></progress>'
        detail = f" — {html.escape(s['detail'])}" if s["detail"] else ""
        rows.append(f'<li class="qa-step-{s["state"]}">{ICONS[s["state"]]} {s["name"]}{detail} {bar}</li>')
    starting = "" if status["ready"] else " qa-starting"  # the page's script keeps examples off meanwhile
    return f'<div class="qa-status{starting}"><p>{lead}</p><ul>{"".join(rows)}</ul></div>'
