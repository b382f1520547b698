"""The `qa` command: index, search, ask, chat, eval and serve.

Errors meant for users (QAError) print as one line and exit with status 1.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from qa.config import load_settings
from qa.errors import InputError, QAError
from qa.inputs import clean_question, printable

log = logging.getLogger("qa")

EXAMPLES = """examples:
  qa index                              build (or rebuild) the index of seeds/
  qa index --docs ~/papers              index another folder (.txt, .md, .html, .pdf)
  qa index --full                       re-read and re-embed every file
  qa search "Jiangxi recovered funds" -k 3
  qa ask "What was Jiangxi's 2020 recovered fund amount?"
  qa ask --json --batch questions.jsonl > answers.jsonl
  echo "Who is Long Guoying?" | qa ask -
  qa chat
  qa eval --gold evals/gold/seeds.dev.jsonl --docs seeds --limit 10
  qa eval --suite evals/suite.json --half dev --ablate none --limit 30
"""


def _common(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("settings (default: QA_* environment variables, then built-in defaults)")
    g.add_argument(
        "--docs",
        dest="docs_dir",
        metavar="DIR",
        help="folder of .txt/.md/.html/.pdf documents (default seeds/)",
    )
    g.add_argument("--index", dest="index_dir", metavar="DIR", help="index folder (default index/)")
    g.add_argument("--cache", dest="cache_dir", metavar="DIR", help="model cache (default ~/.cache/qa)")
    g.add_argument("--embedding-model", metavar="REF", help="packaged:NAME, hub id or local folder")
    g.add_argument(
        "--query-runtime",
        choices=("onnx", "torch"),
        help="how questions are embedded (default onnx: an ONNX copy of the model: same vectors, faster)",
    )
    g.add_argument(
        "--generator",
        dest="generator_model",
        metavar="REF",
        help="packaged:NAME, hub id, local folder or .gguf file; 'none' answers extractively",
    )
    g.add_argument(
        "--generator-url",
        metavar="URL",
        help="an OpenAI-compatible server that writes the answers, e.g. http://127.0.0.1:8080/v1",
    )
    g.add_argument(
        "--generate",
        choices=("when-needed", "always"),
        help="when the generator writes the answer (default when-needed: only when no quoted line answers)",
    )
    g.add_argument("--retrieval", choices=("hybrid", "dense", "bm25"), help="retrieval mode (default hybrid)")
    g.add_argument("-k", "--top-k", type=int, metavar="N", help="passages to retrieve (default 5)")
    g.add_argument(
        "--vector-store", choices=("faiss", "qdrant"), help="where the vectors live (default faiss)"
    )
    g.add_argument(
        "--qdrant-url",
        metavar="URL",
        help="Qdrant server or cluster (default: in-process, in the index folder)",
    )
    g.add_argument("--dtype", dest="generator_dtype", choices=("auto", "float32", "bfloat16"))
    g.add_argument(
        "--backend",
        dest="generator_backend",
        choices=("auto", "transformers", "llama-cpp"),
        help="generation backend (default auto: llama-cpp when installed, else transformers)",
    )
    g.add_argument(
        "--index-type",
        choices=("auto", "flat", "hnsw", "ivf", "ivfsq8"),
        help="FAISS index (default auto: exact up to ~50k chunks, then IVF)",
    )
    g.add_argument("-v", "--verbose", action="store_true", help="log progress and decisions")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qa",
        description="Ask questions about a folder of articles; answers cite the source lines they rest on.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "index", help="build or update the index of the document folder (.txt, .md, .html, .pdf)"
    )
    p.add_argument(
        "--full",
        "--force",
        dest="full",
        action="store_true",
        help="rebuild everything, even unchanged files (default: only new and changed files are embedded)",
    )
    _common(p)

    p = sub.add_parser("search", help="show the passages retrieved for a query")
    p.add_argument("query", help="the query; - reads it from standard input")
    p.add_argument("--json", action="store_true", help="print JSON")
    _common(p)

    p = sub.add_parser("ask", help="answer a question, with cited source lines")
    p.add_argument("question", nargs="?", help="the question; - reads it from standard input")
    p.add_argument("--batch", metavar="FILE", help='JSONL of {"id": ..., "question": ...}; - for stdin')
    p.add_argument("--json", action="store_true", help="print JSON (one object per line with --batch)")
    _common(p)

    p = sub.add_parser("chat", help="a conversation in the terminal (follow-up questions work)")
    _common(p)

    p = sub.add_parser(
        "eval",
        help="score answers against gold question sets, corpus by corpus",
        description="Score answers against gold question sets. Either one --gold file over --docs, or a "
        "--suite of corpora run side by side (each with its own cached index, its hard-wrapped copy and "
        "one ablation row per answer strategy); writes REPORT.md/.json into --out.",
    )
    what = p.add_mutually_exclusive_group()
    what.add_argument("--gold", metavar="FILE", help="one gold JSONL over --docs (default evals/gold.jsonl)")
    what.add_argument("--suite", metavar="FILE", help="a suite of corpora, e.g. evals/suite.json")
    p.add_argument(
        "--half", choices=("dev", "test", "both"), default="dev", help="which half of the suite (default dev)"
    )
    p.add_argument(
        "--config", action="append", metavar="NAME", help="configuration row (repeatable; default: default)"
    )
    p.add_argument(
        "--wrap",
        type=int,
        metavar="COLS",
        help="also run each corpus hard-wrapped at COLS columns; 0 = off (default: the suite's, else off)",
    )
    p.add_argument(
        "--ablate",
        metavar="NAMES",
        help="one row per answer strategy switched off: all, a,b or none (default: the suite's, else none)",
    )
    p.add_argument("--curve", action="store_true", default=None, help="draw the answer/abstain trade-off")
    p.add_argument(
        "--limit", type=int, metavar="N", help="only N gold items per corpus, spread over the file"
    )
    p.add_argument(
        "--out", default="evals", metavar="DIR", help="where REPORT.md/.json and curves go (default evals/)"
    )
    p.add_argument(
        "--eval-cache",
        default=".qa-cache",
        metavar="DIR",
        help="indexes and wrapped copies of the corpora (default .qa-cache/)",
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    _common(p)

    p = sub.add_parser("serve", help="serve the web chat (same as python app.py)")
    p.add_argument("--host", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default 7860)")
    p.add_argument("--share", action="store_true", help="also open a public Gradio share link")
    _common(p)
    return parser


def settings_from(args: argparse.Namespace):
    names = (
        "docs_dir",
        "index_dir",
        "cache_dir",
        "embedding_model",
        "query_runtime",
        "generator_model",
        "generator_url",
        "generate",
        "retrieval",
        "top_k",
        "generator_dtype",
        "generator_backend",
        "index_type",
        "vector_store",
        "qdrant_url",
        "host",
        "port",
    )
    return load_settings(**{n: getattr(args, n, None) for n in names})


def read_arg(value: str | None, what: str) -> str:
    if value == "-":
        return sys.stdin.read()
    if value is None:
        raise InputError(f"give a {what}, or - to read it from standard input")
    return value


def say(text: str = "", file=None, end: str = "\n") -> None:
    """print() for people: document text cannot drive the terminal (qa.inputs.printable)."""
    print(printable(text), file=file or sys.stdout, end=end, flush=True)


# json.dumps escapes C0 controls but not DEL, C1 (\x9b is a CSI on some terminals) or U+2028/9.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def to_json(obj, indent: int | None = None) -> str:
    """JSON for machines that is also safe on a terminal; the same data once parsed.

    >>> to_json({"t": "a\x1bb\x9bc"})
    '{"t": "a\\\\u001bb\\\\u009bc"}'
    """
    text = json.dumps(obj, ensure_ascii=False, indent=indent)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def format_answer(answer) -> str:
    lines = [answer.text]
    for c in answer.citations:
        lines.append(f"  [{c.location}] {c.text}")
    return "\n".join(lines)


@dataclass(frozen=True)
class BatchItem:
    line: int  # 1-based line of the batch file
    id: str | None
    question: object  # as given; the pipeline checks it
    error: str = ""  # why the line is not a question ("" when it is one)


def _open_batch(path: str):
    """The batch as bytes, so that a bad byte is one bad line rather than a decoding error for all."""
    if path == "-":
        return getattr(sys.stdin, "buffer", None) or io.BytesIO(sys.stdin.read().encode("utf-8", "replace"))
    try:
        return open(path, "rb")
    except OSError as e:
        raise InputError(f"cannot read the batch file {path} ({e.strerror or e})") from None


def batch_items(path: str) -> Iterator[BatchItem]:
    """Every non-blank line of a JSONL batch; a line that is not valid UTF-8 or not a JSON object
    with a "question" becomes an item with an error, and the batch goes on."""
    with _open_batch(path) as stream:
        for number, raw in enumerate(stream, 1):
            if not raw.strip():
                continue
            expected = 'expected {"id": ..., "question": "..."}'
            try:
                item = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError as e:
                yield BatchItem(
                    number, None, None, f"line {number} is not UTF-8 (byte {e.start + 1}): {expected}"
                )
                continue
            except ValueError:
                yield BatchItem(number, None, None, f"line {number} is not JSON: {expected}")
                continue
            if not isinstance(item, dict) or "question" not in item:
                yield BatchItem(number, None, None, f"line {number}: {expected}")
                continue
            qid = item.get("id")
            yield BatchItem(number, None if qid is None else str(qid), item["question"])


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
        return _ask_batch(Pipeline(settings, retriever=open_retriever(settings)), args)
    question = read_arg(args.question, "question")
    clean_question(question, settings.max_question_chars)  # a bad question loads and builds nothing
    answer = Pipeline(settings, retriever=open_retriever(settings)).ask(question)
    if args.json:
        print(to_json(answer.to_dict(), indent=2))
    else:
        say(format_answer(answer))
    return 0


def _ask_batch(pipeline, args) -> int:
    """One output line per input line, in order; bad lines and bad questions are error lines."""
    failures = 0
    for item in batch_items(args.batch):
        out = {"id": item.id, "question": item.question, "error": item.error}
        if not item.error:
            try:
                out = pipeline.ask(item.question).to_dict(id=item.id)
            except InputError as e:  # one bad question does not stop the batch
                out["error"] = str(e)
        if "error" in out:
            failures += 1
            out["line"] = item.line
        if args.json:
            print(to_json(out), flush=True)
        else:
            say(f"[{item.id}] {out.get('answer', out.get('error'))}")
    return 1 if failures else 0


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
    from qa.app.web import serve

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
