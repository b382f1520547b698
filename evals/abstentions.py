"""Why the answer gate refuses: every training-pool question (evals/training.py) through the pipeline's
own evidence and keyword check, printing for each wrong outcome the question, the top evidence unit and
the check that refused it.

A false abstention is an answerable question the pipeline abstains on; a missed abstention an
unanswerable one it answers. Each unit is judged by the checks of verify.answering_units in turn:
coverage (too few of the question's terms), value (a when/how-many question and no new date or
figure), percent (a percentage asked and none stated), mismatch (a name, year, number or opposite
word the unit contradicts or lacks; the terms are printed). The learned gate's P(answer) is shown
beside it. Only the training pool is read: never the dev sample or the test halves.

    python -m evals.abstentions [--limit N] [--json FILE]
"""

from __future__ import annotations

import argparse
import collections
import json
import sys

from evals.training import squad_pipeline, training_items
from qa.answer import gate, verify
from qa.answer.extractive import has_percentage
from qa.answer.mismatch import question_terms
from qa.answer.question import wants_percentage
from qa.answer.strategies import first_draft, quoted_span
from qa.evaluation.metrics import contains_any
from qa.retrieval.lexical import tokenize


def refusal(question: str, unit, context, parse) -> str:
    """The first keyword check that refuses the unit ("" when it may answer)."""
    covered = verify.question_coverage(tokenize(question), unit, context.lines, context.idf)
    if covered < verify.MIN_COVERAGE:
        return f"coverage {covered:.2f}"
    kind = verify.value_kind(question, context.analysis())
    if kind in verify._VALUE_LABELS and not verify._states_value(kind, unit, set(tokenize(question)), parse):
        return f"value:{kind}"
    if kind == "number" and wants_percentage(question) and not has_percentage(unit.text):
        return "percent"
    terms = question_terms(question, context.common_terms)
    missing = verify._mismatch(
        terms, unit, context.lines, context.common_terms, context.file_tokens, context.idf
    )
    return f"mismatch:{','.join(sorted(missing))}" if missing else ""


def examine(pipeline, item: dict, model) -> dict:
    """One question's outcome, with every evidence unit's refusal and gate probability."""
    question = item["question"]
    hits = pipeline.retriever.search(question, pipeline.settings.top_k)
    context = pipeline._context(question, hits)
    draft = first_draft(context, pipeline._disabled)
    answer = draft.text if draft else ""
    if draft is None and context.answering:  # the generator would write; its fallback is the quoted span
        answer = quoted_span(context, context.answering)[0]
    scored = dict(
        (id(e), p)
        for p, e in gate.scored_units(
            context.analysis(),
            context.evidence,
            pipeline.parsed,
            context.idf,
            context.file_tokens,
            model,
            context.common_terms,
        )
    )
    units = [
        {
            "text": e.text,
            "gold": bool(item["any_of"]) and contains_any(e.text, item["any_of"]),
            "refusal": refusal(question, e, context, pipeline.parsed),
            "gate": round(scored.get(id(e), -1.0), 3),  # -1: the shared contradiction check refused it
        }
        for e in context.evidence
    ]
    return {
        "id": item["id"],
        "question": question,
        "answerable": bool(item["any_of"]),
        "gold": item["any_of"],
        "abstained": draft is None and not context.answering,
        "answer": answer,
        "right": bool(answer) and bool(item["any_of"]) and contains_any(answer, item["any_of"]),
        "units": units,
    }


def category(row: dict) -> str:
    """A false abstention's category: the refusal of the first gold-holding unit, else 'no gold unit'."""
    gold = next((u for u in row["units"] if u["gold"]), None)
    if gold is None:
        return "no gold unit"
    return gold["refusal"].split(":")[0].split(" ")[0] or "(passes)"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", default=".qa-cache/eval-index/squad-train")
    ap.add_argument("--limit", type=int, default=0, help="only the first N questions")
    ap.add_argument("--json", help="write every row here")
    ap.add_argument("--quiet", action="store_true", help="counts only")
    args = ap.parse_args(argv)
    pipeline = squad_pipeline(args.index)
    model = gate.load_gate()
    items = training_items()[: args.limit or None]
    rows = [examine(pipeline, item, model) for item in items]
    false = [r for r in rows if r["answerable"] and r["abstained"]]
    missed = [r for r in rows if not r["answerable"] and not r["abstained"]]
    for r in [] if args.quiet else false:
        print(f"\nQ {r['question']}  gold={r['gold'][:2]}  [{category(r)}]")
        for u in r["units"]:
            mark = "*" if u["gold"] else " "
            print(f"   {mark} {u['refusal'] or 'ok':28.28} g={u['gate']:.2f} {u['text'][:150]}")
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    print(
        f"\nanswerable {len(answerable)}: right {sum(r['right'] for r in answerable)}, "
        f"abstained {len(false)} ({len(false) / max(1, len(answerable)):.1%})"
    )
    print("false abstentions by refusal of the first gold unit:", collections.Counter(map(category, false)))
    print(
        f"unanswerable {len(unanswerable)}: abstained {len(unanswerable) - len(missed)} "
        f"({(len(unanswerable) - len(missed)) / max(1, len(unanswerable)):.1%})"
    )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
