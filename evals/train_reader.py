"""Train the reader (qa/answer/reader.py) on part of the development corpus and report it on a held-out fold.

Training questions: the answerable SQuAD dev-article questions outside the dev sample (see
evals/training.py). For each, the sentence is the first of the question's evidence units that holds
a gold answer, as the pipeline would quote it; the reader learns which of that sentence's phrases is
the answer (the candidates with the best token F1 against the gold answers, if it is >= 0.5), by a
softmax over the sentence's candidates. A fifth of the questions (by id) is held out first: the
report compares the reader's short answers with the rules' (qa/answer/short_answer.py) on them and
shows F1 against the probability below which the sentence answers alone. Then the reader is
trained on all of them and the weights written.

    python -m evals.train_reader            # writes qa/answer/reader_weights.json and its sha256
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from evals.training import parse_args, squad_pipeline, training_items, write_weights
from qa.answer.logistic import fit_listwise
from qa.answer.question import analyse_question
from qa.answer.reader import WEIGHTS, Reader, candidates
from qa.answer.short_answer import short_answer
from qa.evaluation.metrics import squad_normalize, token_f1

POSITIVE_F1 = 0.5
HELD_OUT = 5  # one question in HELD_OUT is held out for the report


@dataclass
class Example:
    id: str
    answers: list[str]
    candidates: list  # reader.Candidate
    rules: str  # the rules' short answer
    sentence: str

    def f1(self, short: str) -> float:
        """F1 of the answer given: the short answer, or the sentence where there is none."""
        return token_f1(short or self.sentence, self.answers) or 0.0


def examples(pipeline, items: list[dict]) -> list[Example]:
    nlp, retriever = pipeline.nlp, pipeline.retriever
    out = []
    for item in tqdm(items, desc="sentences", unit="q", file=sys.stderr):
        answers = item["any_of"]
        if not answers:
            continue
        question = item["question"]
        evidence = pipeline._context(question, retriever.search(question, pipeline.settings.top_k)).evidence
        wanted = [squad_normalize(a) for a in answers]
        unit = next((u for u in evidence if any(w in squad_normalize(u.text) for w in wanted)), None)
        analysis = analyse_question(question, nlp)
        if unit is None or not analysis.wants_phrase:
            continue
        sentence = pipeline.parsed(unit)
        found = candidates(analysis, sentence)
        out.append(Example(item["id"], answers, found, short_answer(analysis, sentence), unit.text))
    return out


def train(data: list[Example], l2: float) -> Reader:
    groups, targets = [], []
    for ex in data:
        scores = [token_f1(c.text, ex.answers) or 0.0 for c in ex.candidates]
        best = max(scores, default=0.0)
        if best < POSITIVE_F1:
            continue
        right = [float(s == best) for s in scores]
        groups.append([c.features for c in ex.candidates])
        targets.append([r / sum(right) for r in right])
    model = fit_listwise(groups, targets, l2=l2, steps=600)
    return Reader(model.weights, model.mean, model.scale)


def report(reader: Reader, held: list[Example]) -> dict:
    """Mean F1 on the held-out fold: the rules, the reader, and the reader below each cut-off."""
    picks = []
    for ex in held:
        best = reader.best(ex.candidates)
        picks.append((best[0].text, best[1]) if best else ("", 0.0))
    n = len(held)
    out = {
        "questions": n,
        "oracle": sum(max((ex.f1(c.text) for c in ex.candidates), default=0.0) for ex in held) / n,
        "sentence": sum(ex.f1("") for ex in held) / n,
        "rules": sum(ex.f1(ex.rules) for ex in held) / n,
        "reader": sum(ex.f1(text) for ex, (text, _) in zip(held, picks, strict=True)) / n,
    }
    for cut in (0.1, 0.2, 0.3, 0.4, 0.5):
        f1 = [ex.f1(text if p >= cut else "") for ex, (text, p) in zip(held, picks, strict=True)]
        given = sum(p >= cut for _, p in picks) / n
        out[f"reader p>={cut}"] = f"F1 {sum(f1) / n:.3f}, short answer given {given:.0%}"
    return out


def _held(item_id: str) -> bool:
    return int(hashlib.sha256(item_id.encode()).hexdigest(), 16) % HELD_OUT == 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(__doc__, argv, l2=5.0)  # 5-fold cross-validation on the pool liked 5 over 1 and 20
    pipeline = squad_pipeline(args.index)
    data = examples(pipeline, training_items())
    fold = [ex for ex in data if not _held(ex.id)]
    held = [ex for ex in data if _held(ex.id)]
    print(f"{len(data)} sentences holding an answer ({len(held)} held out)", file=sys.stderr)
    print(json.dumps(report(train(fold, args.l2), held), indent=1), file=sys.stderr)
    write_weights(train(data, args.l2), WEIGHTS, Path(sys.modules["qa.answer.reader"].__file__), 15)
    return 0


if __name__ == "__main__":
    sys.exit(main())
