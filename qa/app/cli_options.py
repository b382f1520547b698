"""The `qa` command's arguments: its subcommands and their options, the settings options every
subcommand takes, and the Settings they make (flags over QA_* environment variables over defaults)."""

from __future__ import annotations

import argparse

from qa.config import Settings, load_settings

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


def _settings_options(parser: argparse.ArgumentParser) -> None:
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

    _index_command(sub)
    _question_commands(sub)
    _eval_command(sub)
    _serve_command(sub)
    return parser


def _index_command(sub) -> None:
    """qa index [--full]."""
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
    _settings_options(p)


def _question_commands(sub) -> None:
    """qa search, qa ask (one question or a --batch) and qa chat."""
    p = sub.add_parser("search", help="show the passages retrieved for a query")
    p.add_argument("query", help="the query; - reads it from standard input")
    p.add_argument("--json", action="store_true", help="print JSON")
    _settings_options(p)

    p = sub.add_parser("ask", help="answer a question, with cited source lines")
    p.add_argument("question", nargs="?", help="the question; - reads it from standard input")
    p.add_argument("--batch", metavar="FILE", help='JSONL of {"id": ..., "question": ...}; - for stdin')
    p.add_argument("--json", action="store_true", help="print JSON (one object per line with --batch)")
    _settings_options(p)

    p = sub.add_parser("chat", help="a conversation in the terminal (follow-up questions work)")
    _settings_options(p)


def _eval_command(sub) -> None:
    """qa eval: one --gold file or a --suite of corpora."""
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
    _settings_options(p)


def _serve_command(sub) -> None:
    """qa serve: the chat page and the JSON API."""
    p = sub.add_parser("serve", help="serve the web chat (same as python app.py)")
    p.add_argument("--host", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default 7860)")
    p.add_argument("--share", action="store_true", help="also open a public Gradio share link")
    _settings_options(p)


def settings_from(args: argparse.Namespace) -> Settings:
    """The settings of a run: the flags given, over QA_* environment variables, over the defaults."""
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
