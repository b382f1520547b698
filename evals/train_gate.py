"""Train the answerability gate (qa/answer/gate.py) on part of the development corpus.

Training questions: the SQuAD dev-half articles' questions that are NOT in the dev sample
(evals/gold/squad.dev.jsonl), answerable and unanswerable; the same split as evals/train_reader.py.
Every evidence unit the pipeline selects for a question that does not contradict it
(gate.contradicts) is one example: a positive when it holds
one of the question's gold answers (SQuAD normalisation), a negative otherwise, and every unit of
an unanswerable question is a negative. The dev sample is left for choosing the threshold; the
test half (other articles) and the other corpora only for reporting.

    python -m evals.train_gate            # writes qa/answer/gate_weights.json and its sha256
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from tqdm import tqdm

import qa
from evals.train_reader import SQUAD, training_items
from qa.answer import gate
from qa.answer.logistic import fit
from qa.answer.question import analyse_question
from qa.evaluation.metrics import contains_any
from qa.hashing import sha256_file


def examples(pipeline, items: list[dict]) -> tuple[list[dict], list[int]]:
    rows, labels = [], []
    retriever = pipeline.retriever
    for item in tqdm(items, desc="evidence", unit="q", file=sys.stderr):
        question = item["question"]
        context = pipeline._context(question, retriever.search(question, pipeline.settings.top_k))
        analysis = analyse_question(question, pipeline.nlp)
        best = max((e.score for e in context.evidence), default=0.0)
        for rank, unit in enumerate(context.evidence):
            document = context.file_tokens.get(unit.file, frozenset())
            parse = pipeline.parsed(unit)
            if gate.contradicts(analysis, unit, parse, document, context.idf):
                continue  # never answers, whatever the model says
            rows.append(gate.unit_features(analysis, unit, rank, best, parse, context.idf, document))
            labels.append(int(bool(item["any_of"]) and contains_any(unit.text, item["any_of"])))
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
    print(f"{len(items)} questions, {len(rows)} units, {sum(labels)} hold an answer", file=sys.stderr)
    model = fit(rows, labels, l2=args.l2)
    gate.WEIGHTS.write_text(json.dumps(model.to_json(), indent=0, sort_keys=True) + "\n")
    digest = sha256_file(gate.WEIGHTS)
    source = Path(gate.__file__)
    text = re.sub(r'^WEIGHTS_SHA256 = ".*"', f'WEIGHTS_SHA256 = "{digest}"', source.read_text(), flags=re.M)
    source.write_text(text)
    top = sorted(model.weights.items(), key=lambda kv: -abs(kv[1]))[:20]
    largest = (f"{k} {v:+.2f}" for k, v in top)
    print("weights written:", gate.WEIGHTS, digest, "\nlargest:", *largest, sep="\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
