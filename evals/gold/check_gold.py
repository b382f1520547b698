"""Check the gold files in evals/gold/ against their documents (stdlib + pypdf only).

    python evals/gold/check_gold.py            # from anywhere; exit 1 on any error

For every item of every `NAME.{dev,test}.jsonl` here:
- the fields are there and typed as the format says; ids are unique across all the files;
- an unanswerable item has empty `answers`, `any_of` and `sources` (SQuAD's own unanswerable
  items keep the paragraph their question was written on, as its source file has them);
- an answerable item cites existing lines of an existing file, and every `any_of` string (for the
  seeds, which have none: every `must_contain` string) occurs in the cited lines after
  normalisation; for hard-wrapped text the cited lines are joined with a space, and also with a
  line-end hyphen removed ("mod-" + "ification"), so an answer may run across a line break;
- the split is sound: dev and test share no id; squad halves share no article, manuals and pdfs
  halves share no document; seeds.dev + seeds.test are evals/gold.jsonl line for line, and every
  squad line is a line of the SQuAD gold file, byte for byte.

Line numbers are 1-based as `cat -n` counts them. For a PDF they count through the text pypdf
extracts: the pages' `extract_text()` in order, each followed by a newline unless it ends with one.

SQUAD_DIR overrides the SQuAD corpus folder (default: ../shared/corpora/squad-dev beside the repo,
else /work/shared/corpora/squad-dev).
"""

from __future__ import annotations

import json
import os
import re
import string
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent


def _squad_dir() -> Path:
    if os.environ.get("SQUAD_DIR"):
        return Path(os.environ["SQUAD_DIR"])
    beside = REPO.parent / "shared" / "corpora" / "squad-dev"
    return beside if beside.is_dir() else Path("/work/shared/corpora/squad-dev")


SQUAD = _squad_dir()
DOCS = {
    "seeds": REPO / "seeds",
    "squad": SQUAD / "docs",
    "manuals": REPO / "evals" / "corpora" / "manuals" / "docs",
    "pdfs": REPO / "evals" / "corpora" / "pdfs" / "docs",
}

_PUNCT = str.maketrans("", "", string.punctuation)
_ARTICLES = re.compile(r"\b(a|an|the)\b")
_THOUSANDS = re.compile(r"(?<=\d)[,\u00a0\u2009\u202f](?=\d{3}(?!\d))")


def squad_normalize(text: str) -> str:
    """Lower case, punctuation and a/an/the removed, whitespace collapsed (SQuAD's rule)."""
    text = text.lower().translate(_PUNCT)
    return " ".join(_ARTICLES.sub(" ", text).split())


def casefold_normalize(text: str) -> str:
    """The seeds' must_contain rule: casefold, thousands separators dropped, whitespace collapsed."""
    return " ".join(_THOUSANDS.sub("", text).casefold().split())


def pdf_lines(path: Path) -> list[str]:
    import pypdf

    chunks = []
    for page in pypdf.PdfReader(str(path)).pages:
        text = page.extract_text() or ""
        chunks.append(text if text.endswith("\n") else text + "\n")
    return "".join(chunks).split("\n")[:-1]


def pdf_lines_project(path: Path) -> list[str]:
    """How qa/ingest/pdf_text.py numbers lines (pages stripped at the end, joined by newlines)."""
    import pypdf

    pages = []
    for page in pypdf.PdfReader(str(path)).pages:
        text = page.extract_text() or ""
        pages.append(text.replace("\r\n", "\n").replace("\r", "\n").rstrip())
    return "\n".join(pages).split("\n")


_cache: dict[Path, list[str]] = {}


def doc_lines(path: Path) -> list[str]:
    if path not in _cache:
        if path.suffix.lower() == ".pdf":
            _cache[path] = pdf_lines(path)
        else:
            text = path.read_bytes().decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
            _cache[path] = text.split("\n")[:-1] if text.endswith("\n") else text.split("\n")
    return _cache[path]


def joined(lines: list[str]) -> tuple[str, str]:
    """The lines joined with spaces, and joined with line-end hyphens removed."""
    plain = " ".join(lines)
    dehyph = ""
    for i, line in enumerate(lines):
        s = line.strip()
        if i < len(lines) - 1 and s.endswith("-"):
            dehyph += s[:-1]
        else:
            dehyph += s + " "
    return plain, dehyph


class Checker:
    def __init__(self) -> None:
        self.errors: list[str] = []
        self.notes: list[str] = []
        self.ids: dict[str, str] = {}

    def err(self, msg: str) -> None:
        self.errors.append(msg)

    def check_file(self, path: Path) -> list[tuple[bytes, dict]]:
        corpus = path.name.split(".")[0]
        docs = DOCS[corpus]
        rows = []
        for n, raw in enumerate(path.read_bytes().splitlines(keepends=True), 1):
            if not raw.strip():
                continue
            where = f"{path.name}:{n}"
            try:
                item = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as e:
                self.err(f"{where}: not a UTF-8 JSON line ({e})")
                continue
            rows.append((raw, item))
            self.check_item(where, corpus, docs, item)
        return rows

    def check_item(self, where: str, corpus: str, docs: Path, item: dict) -> None:
        needed = ["id", "question", "answers", "sources", "type"]
        needed += ["must_contain"] if corpus == "seeds" else ["any_of"]
        for key in needed:
            if key not in item:
                self.err(f"{where}: no {key!r}")
                return
        iid = item["id"]
        if iid in self.ids:
            self.err(f"{where}: id {iid} also in {self.ids[iid]}")
        self.ids[iid] = where
        if not isinstance(item["question"], str) or not item["question"].strip():
            self.err(f"{where}: empty question")
        needles = item["must_contain"] if corpus == "seeds" else item["any_of"]
        norm = casefold_normalize if corpus == "seeds" else squad_normalize
        if item["type"] == "unanswerable":
            if item["answers"] or needles or (item["sources"] and corpus != "squad"):
                self.err(f"{where}: unanswerable item with answers/any_of/sources")
            return
        if corpus in ("manuals", "pdfs") and item["type"] != "answerable":
            self.err(f"{where}: type {item['type']!r}")
        if not needles or not item["sources"]:
            self.err(f"{where}: answerable item without any_of/must_contain or sources")
            return
        if item.get("derived"):
            # seeds items whose answer is computed from several figures (e.g. a sum): not verbatim
            self.notes.append(f"{where} ({iid}): derived answer, must_contain not looked for")
            needles = []
        cited: list[str] = []
        for src in item["sources"]:
            path = docs / src["file"]
            if not path.is_file():
                self.err(f"{where}: no file {path}")
                return
            lines = doc_lines(path)
            for ln in src["lines"]:
                if not isinstance(ln, int) or not 1 <= ln <= len(lines):
                    self.err(f"{where}: {src['file']} has no line {ln}")
                    return
            cited.extend(lines[ln - 1] for ln in sorted(src["lines"]))
        plain, dehyph = joined(cited)
        hay_plain, hay_dehyph = norm(plain), norm(dehyph)
        singles = [norm(c) for c in cited]
        for needle in needles:
            nn = norm(needle)
            if not nn:
                msg = f"{where} ({iid}): {needle!r} is empty after normalisation (matches any answer)"
                (self.notes.append if corpus == "squad" else self.err)(msg)
            elif any(nn in s for s in singles):
                pass
            elif nn in hay_plain or nn in hay_dehyph:
                how = "a hyphenated line break" if nn not in hay_plain else "a line break"
                self.notes.append(f"{where} ({iid}): {needle!r} runs across {how}")
            else:
                self.err(f"{where} ({iid}): {needle!r} not in the cited lines")

    def check_split(self, name: str, dev: list[tuple[bytes, dict]], test: list[tuple[bytes, dict]]) -> None:
        dev_ids = {i["id"] for _, i in dev}
        test_ids = {i["id"] for _, i in test}
        if dev_ids & test_ids:
            self.err(f"{name}: ids in both halves: {sorted(dev_ids & test_ids)[:5]}")
        if name in ("squad", "manuals", "pdfs"):

            def files(rows):
                return {
                    s["file"]
                    for _, i in rows
                    if i["type"] != "unanswerable" or name == "squad"
                    for s in i["sources"]
                }

            both = files(dev) & files(test)
            if both:
                self.err(f"{name}: documents in both halves: {sorted(both)}")
        if name == "seeds":
            src = [
                ln
                for ln in (REPO / "evals" / "gold.jsonl").read_bytes().splitlines(keepends=True)
                if ln.strip()
            ]
            src = [ln if ln.endswith(b"\n") else ln + b"\n" for ln in src]
            if sorted(src) != sorted(r for r, _ in dev + test):
                self.err("seeds: dev + test are not evals/gold.jsonl line for line")
        if name == "squad":
            src = {ln.rstrip(b"\n") for ln in (SQUAD / "gold.jsonl").read_bytes().splitlines()}
            missing = [i["id"] for r, i in dev + test if r.rstrip(b"\n") not in src]
            if missing:
                self.err(f"squad: lines not copied byte for byte: {missing[:5]}")


def main() -> int:
    c = Checker()
    names = sorted({p.name.split(".")[0] for p in HERE.glob("*.jsonl")})
    if not names:
        print("no gold files")
        return 1
    print(f"{'file':<22}{'items':>7}{'answerable':>12}{'unanswerable':>14}")
    for name in names:
        halves = {}
        for half in ("dev", "test"):
            path = HERE / f"{name}.{half}.jsonl"
            if not path.exists():
                c.err(f"{name}: no {path.name}")
                continue
            rows = c.check_file(path)
            halves[half] = rows
            una = sum(1 for _, i in rows if i.get("type") == "unanswerable")
            print(f"{path.name:<22}{len(rows):>7}{len(rows) - una:>12}{una:>14}")
        if len(halves) == 2:
            c.check_split(name, halves["dev"], halves["test"])
    for pdf in sorted(DOCS["pdfs"].glob("*.pdf")):
        if pdf_lines(pdf) != pdf_lines_project(pdf):
            c.notes.append(f"{pdf.name}: line numbering differs from qa/ingest/pdf_text.py's page join")
    for note in c.notes:
        print("note:", note)
    for e in c.errors:
        print("ERROR:", e)
    print(f"{len(c.errors)} errors, {len(c.notes)} notes")
    return 1 if c.errors else 0


if __name__ == "__main__":
    sys.exit(main())
