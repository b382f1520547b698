"""The `qa` command: index, search, ask, chat, eval and serve.

Errors meant for users (QAError) print as one line and exit with status 1. The arguments are in
qa/app/cli_options.py, what is printed in qa/app/terminal.py, `ask --batch` in qa/app/cli_batch.py.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

from qa.app.cli_batch import ask_batch
from qa.app.cli_options import build_parser, settings_from
from qa.app.terminal import format_answer, read_arg, say, to_json
from qa.errors import InputError, QAError
from qa.inputs import clean_question

__all__ = ["COMMANDS", "build_parser", "format_answer", "main", "open_retriever", "settings_from"]

log = logging.getLogger("qa")


def cmd_index(args, settings) -> int:
    from qa.index.freshness import live_build_problem, stale_reasons
    from qa.index.indexer import build_index
    from qa.retrieval.embedding import SentenceTransformerEmbedder

    if not args.full:
        try:
            reasons = stale_reasons(settings)
        except QAError:  # missing or corrupt: either way, build
            reasons = ["no usable index"]
        if not reasons:
            problem = live_build_problem(settings)  # what `ask` would refuse, though no file changed
            if not problem:
                print(f"index in {settings.index_dir} is up to date (use --full to rebuild it all)")
                return 0
            say(f"repairing the index: {problem.removesuffix(': run `qa index`')}")
    embedder = SentenceTransformerEmbedder(settings.embedding_model)
    report = build_index(settings, embedder, progress=True, full=args.full)
    print(
        f"indexed {report.chunks} chunks from {report.files} files in {report.seconds:.1f} s -> {report.path}"
    )
    if report.reused_files:
        print(
            f"  {report.files - report.reused_files} new or changed files embedded ({report.embedded_chunks} "
            f"chunks), {report.reused_files} unchanged files reused"
        )
    for file in report.removed_files:
        say(f"removed {file}")
    for s in report.skipped:
        say(f"skipped {s.file}: {s.reason}")
    return 0


def open_retriever(settings):
    """The retriever `search`, `ask` and `chat` use. A missing or stale index is built first when
    that is estimated within QA_AUTO_BUILD_SECONDS, said on stderr (what it embeds, how long; bars
    on a terminal); a longer build is refused with the estimate and the `qa index` command to run."""
    from qa.retrieval.retriever import Retriever

    return Retriever.from_settings(
        settings,
        build=True,
        progress=sys.stderr.isatty(),
        max_build_seconds=settings.auto_build_seconds,
    )


def cmd_search(args, settings) -> int:
    query = read_arg(args.query, "query")
    clean_question(query, settings.max_question_chars)  # a bad query loads and builds nothing
    hits = open_retriever(settings).search(query, settings.top_k)
    if args.json:
        print(to_json([h.to_dict() for h in hits], indent=2))
    else:
        for h in hits:
            say(f"{h.rank}. {h.chunk.location} ({h.score:.4f})")
            say(f"   {h.chunk.text[:300]}{'…' if len(h.chunk.text) > 300 else ''}")
    return 0


def cmd_ask(args, settings) -> int:
    from qa.answer.pipeline import Pipeline

    if args.batch:
        return ask_batch(Pipeline(settings, retriever=open_retriever(settings)), args)
    question = read_arg(args.question, "question")
    clean_question(question, settings.max_question_chars)  # a bad question loads and builds nothing
    answer = Pipeline(settings, retriever=open_retriever(settings)).ask(question)
    if args.json:
        print(to_json(answer.to_dict(), indent=2))
    else:
        say(format_answer(answer))
    return 0


def cmd_chat(args, settings) -> int:
    from qa.answer.pipeline import Pipeline

    print("Loading models… (Ctrl-D or 'exit' to leave)", file=sys.stderr)
    pipeline = Pipeline(settings, retriever=open_retriever(settings))
    pipeline.warm_up(generator_in_background=True)
    history: list[tuple[str, str]] = []
    while True:
        try:
            question = input("you> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if question.lower() in ("exit", "quit"):
            return 0
        if not question:
            continue
        try:
            answer = None
            for event in pipeline.stream(question, history):
                if event.kind == "token":
                    say(event.text, file=sys.stderr, end="")
                else:
                    answer = event.answer
            print("\r", end="", file=sys.stderr)
            say(f"bot> {format_answer(answer)}")
            history.append((answer.standalone_question or question, answer.text))
        except InputError as e:
            say(f"error: {e}", file=sys.stderr)


def cmd_eval(args, settings) -> int:
    from qa.evaluation.configs import ablation_configs, select_configs
    from qa.evaluation.report import summary_json, write_report
    from qa.evaluation.runner import run_eval
    from qa.evaluation.suite import CorpusSpec, SuiteOptions, load_suite
    from qa.evaluation.tables import half_table

    if args.suite:
        halves = ("dev", "test") if args.half == "both" else (args.half,)
        corpora, options = load_suite(args.suite, halves)
    else:
        gold = Path(args.gold or "evals/gold.jsonl")
        own_index = settings.index_dir if args.index_dir else None  # else one per corpus in the cache
        corpora = [CorpusSpec(gold.name.split(".")[0], gold, settings.docs_dir, index_dir=own_index)]
        options = SuiteOptions()
    wrap = options.wrap if args.wrap is None else args.wrap
    ablate = options.ablate if args.ablate is None else args.ablate
    curve = options.curve if args.curve is None else args.curve
    run = run_eval(
        corpora,
        select_configs(args.config),
        settings,
        wrap=wrap or None,
        ablations=ablation_configs("" if ablate == "none" else ablate),
        limit=args.limit,
        cache=Path(args.eval_cache),
    )
    paths = write_report(run, args.out, curve=curve, command="qa " + " ".join(sys.argv[1:]))
    info = summary_json(run)
    if args.json:
        print(json.dumps(info, ensure_ascii=False, indent=2))
        return 0
    for half in dict.fromkeys(r.half for r in run.rows):
        print(f"\n{half or 'results'}:" if half else "")
        print("\n".join(half_table([r for r in run.rows if r.half == half])))
        for name, chosen in info["thresholds"][half].items() if curve else ():
            if chosen:
                share = 100 * chosen["accuracy"]
                print(f"best support threshold, {name}: {chosen['threshold']:.2f} ({share:.1f}%)")
    print("wrote " + ", ".join(str(p) for p in paths.values()))
    return 0


def cmd_serve(args, settings) -> int:
    from qa.app.server import serve

    serve(settings, share=args.share)
    return 0


COMMANDS = {
    "index": cmd_index,
    "search": cmd_search,
    "ask": cmd_ask,
    "chat": cmd_chat,
    "eval": cmd_eval,
    "serve": cmd_serve,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return COMMANDS[args.command](args, settings_from(args))
    except QAError as e:
        say(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
