"""What the trainers of the learned answer parts share: the training split of the development corpus, a
pipeline over its articles, and writing weights with their checksum into the module that loads them.

Training questions: the SQuAD dev-half articles' questions that are NOT in the dev sample
(evals/gold/squad.dev.jsonl), answerable and unanswerable. The dev sample is left for choosing
thresholds; the test half (other articles) and the other corpora only for reporting.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import qa
from qa.answer.logistic import Logistic
from qa.hashing import sha256_file

ROOT = Path(__file__).resolve().parent.parent
SQUAD = ROOT.parent / "shared" / "corpora" / "squad-dev"
DEV_ARTICLES = (
    "Computational_complexity_theory.txt",
    "Force.txt",
    "French_and_Indian_War.txt",
    "Immune_system.txt",
    "Islamism.txt",
)


def training_items() -> list[dict]:
    held = {json.loads(line)["id"] for line in (ROOT / "evals/gold/squad.dev.jsonl").open()}
    items = [json.loads(line) for line in (SQUAD / "gold.jsonl").open()]
    return [i for i in items if i["sources"][0]["file"] in DEV_ARTICLES and i["id"] not in held]


def parse_args(description: str, argv: list[str] | None, l2: float = 1.0) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--index", default=".qa-cache/eval-index/squad-train", help="index folder for the articles"
    )
    ap.add_argument("--l2", type=float, default=l2, help=f"L2 penalty of the weights (default {l2})")
    return ap.parse_args(argv)


def squad_pipeline(index: str) -> qa.Pipeline:
    """A pipeline (no generator) over the SQuAD articles, building their index if needed."""
    settings = qa.load_settings(docs_dir=str(SQUAD / "docs"), index_dir=index, generator_model="none")
    retriever = qa.Retriever.from_settings(settings, build=True, progress=True)
    return qa.Pipeline(settings, retriever=retriever)


def write_weights(model: Logistic, weights: Path, module: Path, largest: int) -> None:
    """Write the weights, set `WEIGHTS_SHA256` in the module that checks them, and print the largest."""
    weights.write_text(json.dumps(model.to_json(), indent=0, sort_keys=True) + "\n")
    digest = sha256_file(weights)
    text = re.sub(r'^WEIGHTS_SHA256 = ".*"', f'WEIGHTS_SHA256 = "{digest}"', module.read_text(), flags=re.M)
    module.write_text(text)
    top = sorted(model.weights.items(), key=lambda kv: -abs(kv[1]))[:largest]
    print("weights written:", weights, digest, "\nlargest:", *(f"{k} {v:+.2f}" for k, v in top), sep="\n")
