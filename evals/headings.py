"""Precision and recall of section-heading detection (qa/ingest/sections.py) against hand labels.

    python -m evals.headings                       # the labelled corpora, one row each
    python -m evals.headings --show                # and every detection and miss

evals/gold/headings.jsonl labels every one-line paragraph of up to 80 characters of the corpora
below (the detector only considers one-line paragraphs of up to 60): {"corpus", "file", "line"
(the paragraph's first line), "text", "heading", "kind"}. kind is "section" (a heading that divides
the text: "OPTIONS", "2.3 Types", "## Usage"), "term" (a definition-list entry heading its
description: "-k --keep", "'ffi_type_void'", "BC_BASE_MAX"), "title" (the document's own name at its
top, not a section) or "other" (captions, datelines, breadcrumbs, code, lead-ins "For example:").
"heading" is true for sections and terms. A detection on an unlabelled paragraph counts as wrong.
A corpus with no labels (SQuAD articles have no headings) counts its detections only.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from pathlib import Path

from qa.config import load_settings
from qa.ingest.analysis import parse_paragraphs
from qa.ingest.corpus import read_document
from qa.ingest.sections import heading_paragraphs
from qa.nlp import load_nlp

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "evals" / "gold" / "headings.jsonl"
CORPORA = {
    "seeds": ROOT / "seeds",
    "manuals": ROOT / "evals" / "corpora" / "manuals" / "docs",
    "pdfs": ROOT / "evals" / "corpora" / "pdfs" / "docs",
    "markdown": ROOT / "evals" / "corpora" / "markdown" / "docs",
    "squad": Path("/work/shared/corpora/squad-dev/docs"),  # skipped where absent
}


def detections(folder: Path, nlp) -> dict[tuple[str, int], str]:
    """(file name, first line) -> text of every paragraph heading_paragraphs() marks, over a folder."""
    found = {}
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        parsed = parse_paragraphs(read_document(path, folder), nlp)
        for n in heading_paragraphs(parsed):
            found[(path.name, parsed[n].user_data["first_line"])] = parsed[n].text
    return found


def score(gold: list[dict], found: dict[tuple[str, int], str]) -> dict:
    """Counts and rates for one corpus: precision over detections, recall per kind."""
    labels = {(g["file"], g["line"]): g for g in gold}
    right = sum(labels.get(key, {}).get("heading", False) for key in found)
    missed = [g for g in gold if g["heading"] and _key(g) not in found]
    wrong = [f"{f}:{n} {t!r}" for (f, n), t in found.items() if not labels.get((f, n), {}).get("heading")]
    kinds = Counter(g["kind"] for g in gold)
    hit = Counter(g["kind"] for g in gold if (g["file"], g["line"]) in found)
    positives = kinds["section"] + kinds["term"]
    return {
        "detected": len(found),
        "precision": right / len(found) if found else None,
        "recall": (hit["section"] + hit["term"]) / positives if positives else None,
        "recall_section": hit["section"] / kinds["section"] if kinds["section"] else None,
        "recall_term": hit["term"] / kinds["term"] if kinds["term"] else None,
        "titles_detected": f"{hit['title']}/{kinds['title']}",
        "wrong": sorted(wrong),
        "missed": sorted(f"{_key(g)[0]}:{_key(g)[1]} {g['text']!r}" for g in missed),
    }


def _key(row: dict) -> tuple[str, int]:
    return row["file"], row["line"]


def _rate(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--show", action="store_true", help="list wrong detections and missed headings")
    ap.add_argument("--json", action="store_true", help="print the scores as JSON")
    args = ap.parse_args()
    gold: dict[str, list[dict]] = defaultdict(list)
    for line in GOLD.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        gold[row["corpus"]].append(row)
    nlp = load_nlp(load_settings().language_model)
    folders = {name: folder for name, folder in CORPORA.items() if folder.is_dir()}
    scores = {name: score(gold[name], detections(folder, nlp)) for name, folder in folders.items()}
    if args.json:
        print(json.dumps(scores, indent=1))
        return
    print("| corpus | detected | precision | recall | recall sections | recall terms | titles detected |")
    print("|---|---|---|---|---|---|---|")
    for name, s in scores.items():
        print(
            f"| {name} | {s['detected']} | {_rate(s['precision'])} | {_rate(s['recall'])} | "
            f"{_rate(s['recall_section'])} | {_rate(s['recall_term'])} | {s['titles_detected']} |"
        )
    if args.show:
        for name, s in scores.items():
            for kind in ("wrong", "missed"):
                for item in s[kind]:
                    print(f"{name} {kind}: {item}")


if __name__ == "__main__":
    main()
