"""Rebuild the seeds and SQuAD dev/test splits (stdlib only; deterministic).

    python evals/gold/make_splits.py          # from the repo root

seeds: evals/gold.jsonl split within each `type` (types in sorted order, items sorted by
sha256(id)), alternating dev/test with one counter running across the types, so odd-sized
types do not all put their extra item on the same side.

squad: /work/shared/corpora/squad-dev/gold.jsonl (path overridable with SQUAD_GOLD) split by
article (sources[0].file; every item, unanswerable ones included, names its article there),
then from each half a sample of 500 drawn with a fresh random.Random(15), stratified so that
the half's answerable/unanswerable ratio is kept.

Lines are copied byte for byte and written in the source file's order.
The manuals/pdfs gold files are written by hand (see README.md), not by this script.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SQUAD_GOLD = Path(os.environ.get("SQUAD_GOLD", "/work/shared/corpora/squad-dev/gold.jsonl"))

SQUAD_DEV_ARTICLES = (
    "Computational_complexity_theory.txt",
    "Force.txt",
    "French_and_Indian_War.txt",
    "Immune_system.txt",
    "Islamism.txt",
)
SQUAD_TEST_ARTICLES = (
    "Huguenot.txt",
    "Imperialism.txt",
    "Packet_switching.txt",
    "Steam_engine.txt",
    "Yuan_dynasty.txt",
)
SAMPLE = 500
SEED = 15


def read_lines(path: Path) -> list[bytes]:
    """The file's lines as bytes, each ending with b"\\n"."""
    data = path.read_bytes()
    lines = data.splitlines(keepends=True)
    return [ln if ln.endswith(b"\n") else ln + b"\n" for ln in lines if ln.strip()]


def write(path: Path, lines: list[bytes]) -> None:
    path.write_bytes(b"".join(lines))
    print(f"{path.relative_to(REPO)}: {len(lines)}")


def split_seeds() -> None:
    lines = read_lines(REPO / "evals" / "gold.jsonl")
    items = [json.loads(ln) for ln in lines]
    by_type: dict[str, list[int]] = {}
    for i, it in enumerate(items):
        by_type.setdefault(it["type"], []).append(i)
    dev: set[int] = set()
    k = 0
    for t in sorted(by_type):
        for i in sorted(by_type[t], key=lambda i: hashlib.sha256(items[i]["id"].encode()).hexdigest()):
            if k % 2 == 0:
                dev.add(i)
            k += 1
    write(HERE / "seeds.dev.jsonl", [ln for i, ln in enumerate(lines) if i in dev])
    write(HERE / "seeds.test.jsonl", [ln for i, ln in enumerate(lines) if i not in dev])


def split_squad() -> None:
    lines = read_lines(SQUAD_GOLD)
    items = [json.loads(ln) for ln in lines]
    for name, articles in (("dev", SQUAD_DEV_ARTICLES), ("test", SQUAD_TEST_ARTICLES)):
        half = [i for i, it in enumerate(items) if it["sources"][0]["file"] in articles]
        ans = [i for i in half if items[i]["type"] != "unanswerable"]
        una = [i for i in half if items[i]["type"] == "unanswerable"]
        n_ans = round(SAMPLE * len(ans) / len(half))
        rng = random.Random(SEED)
        chosen = set(rng.sample(ans, n_ans)) | set(rng.sample(una, SAMPLE - n_ans))
        write(HERE / f"squad.{name}.jsonl", [ln for i, ln in enumerate(lines) if i in chosen])


if __name__ == "__main__":
    split_seeds()
    split_squad()
