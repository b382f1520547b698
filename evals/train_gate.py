"""Train the answerability gate (qa/answer/gate.py) on part of the development corpus.

Training questions: the SQuAD dev-half articles' questions that are NOT in the dev sample
(evals/gold/squad.dev.jsonl), answerable and unanswerable; the split of evals/training.py.
Every evidence unit the pipeline selects for a question that does not contradict it
(gate.contradicts) is one example: a positive when it holds
one of the question's gold answers (SQuAD normalisation), a negative otherwise, and every unit of
an unanswerable question is a negative. The dev sample is left for choosing the threshold; the
test half (other articles) and the other corpora only for reporting.

    python -m evals.train_gate            # writes qa/answer/gate_weights.json and its sha256
"""

from __future__ import annotations

import sys
from pathlib import Path

from tqdm import tqdm

from evals.training import parse_args, squad_pipeline, training_items, write_weights
from qa.answer import gate
from qa.answer.logistic import fit
from qa.answer.question import analyse_question
from qa.evaluation.metrics import contains_any


def examples(pipeline, items: list[dict]) -> tuple[list[dict], list[int]]:
    rows, labels = [], []
    retriever = pipeline.retriever
    for item in tqdm(items, desc="evidence", unit="q", file=sys.stderr):
        question = item["question"]
        context = pipeline._context(question, retriever.search(question, pipeline.settings.top_k))
        asked = gate.Asked.of(analyse_question(question, pipeline.nlp), context.common_terms)
        best = max((e.score for e in context.evidence), default=0.0)
        for rank, unit in enumerate(context.evidence):
            document = context.file_tokens.get(unit.file, frozenset())
            parse = pipeline.parsed(unit)
            if gate.contradicts(asked, unit, parse, document, context.idf):
                continue  # never answers, whatever the model says
            rows.append(gate.unit_features(asked, unit, rank, best, parse, context.idf, document))
            labels.append(int(bool(item["any_of"]) and contains_any(unit.text, item["any_of"])))
    return rows, labels


def main(argv: list[str] | None = None) -> int:
    args = parse_args(__doc__, argv)
    pipeline = squad_pipeline(args.index)
    items = training_items()
    rows, labels = examples(pipeline, items)
    print(f"{len(items)} questions, {len(rows)} units, {sum(labels)} hold an answer", file=sys.stderr)
    write_weights(fit(rows, labels, l2=args.l2), gate.WEIGHTS, Path(gate.__file__), 20)
    return 0


if __name__ == "__main__":
    sys.exit(main())
