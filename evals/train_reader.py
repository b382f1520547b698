"""Train the reader (qa/answer/reader.py) on part of the development corpus, report on the rest.

Training questions: the SQuAD dev-half articles' questions that are NOT in the dev sample
(evals/gold/squad.dev.jsonl), answerable and unanswerable. The dev sample is left for choosing
the abstention threshold; the test half (other articles) and the other corpora only for
reporting. A candidate phrase is a positive when its token F1 with a gold answer is >= 0.5;
every candidate of an unanswerable question is a negative, so the best candidate's probability
also says how well the evidence supports any answer.

    python -m evals.train_reader            # writes qa/answer/reader_weights.json and its sha256
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from tqdm import tqdm

import qa
from qa.answer.evidence import select_evidence
from qa.answer.question import analyse_question
from qa.answer.reader import WEIGHTS, fit, unit_candidates
from qa.evaluation.metrics import token_f1
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
POSITIVE_F1 = 0.5


def training_items() -> list[dict]:
    held = {json.loads(line)["id"] for line in (ROOT / "evals/gold/squad.dev.jsonl").open()}
    items = [json.loads(line) for line in (SQUAD / "gold.jsonl").open()]
    return [i for i in items if i["sources"][0]["file"] in DEV_ARTICLES and i["id"] not in held]


def examples(pipeline, items: list[dict]) -> tuple[list[dict], list[int]]:
    nlp = pipeline.nlp
    retriever = pipeline.retriever
    rows, labels = [], []
    for item in tqdm(items, desc="candidates", unit="q", file=sys.stderr):
        question = item["question"]
        hits = retriever.search(question, pipeline.settings.top_k)
        evidence = select_evidence(
            question,
            hits,
            pipeline.evidence_embedder,
            retriever.bm25.idf,
            pipeline.line_text,
            pipeline.sentences,
            4,
        )
        analysis = analyse_question(question, nlp)
        if not analysis.wants_phrase:
            continue
        for cand in unit_candidates(analysis, evidence, pipeline.parsed):
            good = bool(item["any_of"]) and (token_f1(cand.text, item["any_of"]) or 0.0) >= POSITIVE_F1
            rows.append(cand.features)
            labels.append(int(good))
    return rows, labels


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--index", default=".qa-cache/eval-index/squad-train", help="index folder for the articles"
    )
    ap.add_argument("--l2", type=float, default=1.0)
    args = ap.parse_args(argv)
    settings = qa.load_settings(docs_dir=str(SQUAD / "docs"), index_dir=args.index, generator_model="none")
    retriever = qa.Retriever.from_settings(settings, build=True, progress=True)  # builds the index if needed
    pipeline = qa.Pipeline(settings, retriever=retriever)
    items = training_items()
    rows, labels = examples(pipeline, items)
    print(f"{len(items)} questions, {len(rows)} candidates, {sum(labels)} positive", file=sys.stderr)
    reader = fit(rows, labels, l2=args.l2)
    WEIGHTS.write_text(json.dumps(reader.to_json(), indent=0, sort_keys=True) + "\n")
    digest = sha256_file(WEIGHTS)
    source = Path(sys.modules["qa.answer.reader"].__file__)
    text = re.sub(r'^WEIGHTS_SHA256 = ".*"', f'WEIGHTS_SHA256 = "{digest}"', source.read_text(), flags=re.M)
    source.write_text(text)
    top = sorted(reader.weights.items(), key=lambda kv: -abs(kv[1]))[:15]
    print("weights written:", WEIGHTS, digest, "\nlargest:", *(f"{k} {v:+.2f}" for k, v in top), sep="\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
