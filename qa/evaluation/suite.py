"""Which corpora an evaluation runs: a suite file, or one gold file over one documents folder.

A suite file is JSON; paths in it are relative to the suite file's own folder:

    {"wrap": 80, "ablate": "all", "curve": true,
     "corpora": [{"name": "seeds", "docs": "../seeds",
                  "gold": {"dev": "gold/seeds.dev.jsonl", "test": "gold/seeds.test.jsonl"}}, ...]}

`wrap`, `ablate` and `curve` are the defaults of the options of the same name for a suite run.
Each corpus (and each wrapped copy) gets its own index folder under the evaluation cache, named
by the corpus and a hash of the documents path and the settings that shape the index, so a rerun
updates it incrementally and two settings never share one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from qa.config import Settings
from qa.errors import InputError
from qa.evaluation.wrap import LineMap, wrap_folder

HALVES = ("dev", "test")
# Settings whose value changes what is in an index (a different value needs its own index folder).
INDEX_SETTINGS = (
    "embedding_model",
    "chunk_chars",
    "chunk_overlap",
    "index_type",
    "vector_store",
    "qdrant_url",
)


@dataclass(frozen=True)
class CorpusSpec:
    """One gold file asked over one documents folder."""

    name: str
    gold: Path
    docs: Path
    half: str = ""  # "dev" or "test" in a suite run; "" for a single --gold run
    index_dir: Path | None = None  # an index folder of the user's (--index); None: one in the cache


@dataclass(frozen=True)
class SuiteOptions:
    """What a suite file asks for by default (command-line options override them)."""

    wrap: int | None = None
    ablate: str = ""
    curve: bool = False


@dataclass(frozen=True)
class Variant:
    """A corpus as it is run: the original folder, or a wrapped copy with its line map."""

    name: str  # "seeds" or "seeds-wrapped80"
    corpus: CorpusSpec
    docs: Path
    line_map: LineMap | None = None  # None for the original folder
    wrap: int | None = None

    @property
    def unchanged(self) -> bool:
        """A wrapped copy in which no line was wrapped: the same documents as the original."""
        return self.line_map is not None and all(
            first == last == n for lines in self.line_map.values() for n, (first, last) in lines.items()
        )


def load_suite(path: Path | str, halves: tuple[str, ...]) -> tuple[list[CorpusSpec], SuiteOptions]:
    """The corpora of a suite file for the given halves (dev first), and the suite's options."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"suite file not found: {path}; pass an existing JSON file with --suite") from None
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read suite file {path}: {exc}") from None
    corpora = data.get("corpora") if isinstance(data, dict) else None
    if not isinstance(corpora, list) or not corpora:
        raise InputError(
            f'{path}: expected {{"corpora": [{{"name", "docs", "gold": {{"dev", "test"}}}}, ...]}}'
        )
    base = path.parent
    specs = []
    for half in halves:
        for n, c in enumerate(corpora, start=1):
            ok = isinstance(c, dict) and all(isinstance(c.get(k), str) for k in ("name", "docs"))
            if not ok or not isinstance(c.get("gold"), dict):
                raise InputError(
                    f'{path}: corpus {n} needs "name", "docs" and "gold": {{"dev": ..., "test": ...}}'
                )
            if half not in c["gold"]:
                raise InputError(f'{path}: corpus {c["name"]!r} has no "{half}" gold file')
            specs.append(CorpusSpec(c["name"], base / c["gold"][half], base / c["docs"], half))
    wrap = data.get("wrap")
    if wrap is not None and (type(wrap) is not int or wrap < 10):
        raise InputError(f'{path}: "wrap" must be a number of columns (10 or more) or null')
    options = SuiteOptions(wrap=wrap, ablate=str(data.get("ablate") or ""), curve=bool(data.get("curve")))
    return specs, options


def index_dir_for(cache: Path, name: str, docs: Path, settings: Settings) -> Path:
    """`<cache>/eval-index/<name>-<hash>`: the hash covers the docs path and INDEX_SETTINGS.

    >>> index_dir_for(Path(".c"), "seeds", Path("/x/seeds"), Settings()).name.startswith("seeds-")
    True
    """
    key = {"docs": str(docs.resolve()), **{k: str(getattr(settings, k)) for k in INDEX_SETTINGS}}
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:12]
    return cache / "eval-index" / f"{name}-{digest}"


def variants(corpus: CorpusSpec, wrap: int | None, cache: Path) -> list[Variant]:
    """The corpus itself, then (with `wrap`) its copy hard-wrapped at `wrap` columns."""
    if not corpus.docs.is_dir():
        raise InputError(f"documents folder not found: {corpus.docs} (corpus {corpus.name})")
    out = [Variant(corpus.name, corpus, corpus.docs)]
    if wrap:
        digest = hashlib.sha256(str(corpus.docs.resolve()).encode()).hexdigest()[:12]
        target = cache / "eval-wrapped" / f"{corpus.name}-{digest}-w{wrap}"
        line_map = wrap_folder(corpus.docs, target, wrap)
        out.append(Variant(f"{corpus.name}-wrapped{wrap}", corpus, target, line_map, wrap))
    return out
