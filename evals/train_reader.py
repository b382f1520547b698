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

import sys
from pathlib import Path

from tqdm import tqdm

from evals.training import parse_args, squad_pipeline, training_items, write_weights
from qa.answer.evidence import select_evidence
from qa.answer.question import analyse_question
from qa.answer.reader import WEIGHTS, fit, unit_candidates
from qa.evaluation.metrics import token_f1

POSITIVE_F1 = 0.5


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
    args = parse_args(__doc__, argv)
    pipeline = squad_pipeline(args.index)
    items = training_items()
    rows, labels = examples(pipeline, items)
    print(f"{len(items)} questions, {len(rows)} candidates, {sum(labels)} positive", file=sys.stderr)
    write_weights(fit(rows, labels, l2=args.l2), WEIGHTS, Path(sys.modules["qa.answer.reader"].__file__), 15)
    return 0


if __name__ == "__main__":
    sys.exit(main())
