"""Speed benchmark: start-up, per-question latency by row, index build, and index scaling.

    python -m evals.bench                      # the full run (see README "Benchmark")
    python -m evals.bench --quick              # 8 questions, 10k scaling, warm start only: minutes
    python -m evals.bench --skip-scaling --limit 20
    python -m evals.bench --only scaling --scaling-sizes 10000,100000

Writes BENCH.md, BENCH.json and BENCH.png into --out (default evals/). Every comparison runs in
the same process and run, and is reported as ratios too: the machine may be shared and noisy.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from qa.evaluation.machine import git_commit, library_versions, load_average, machine

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("startup", "answers", "build", "scaling")
FULL_SIZES = "10000,100000,1000000"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m evals.bench",
        description=__doc__.split("\n\n")[0],
        epilog="\n".join(__doc__.split("\n\n")[1:]),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--quick", action="store_true", help="a fast check: --limit 8, 10k scaling, warm start only"
    )
    p.add_argument("--only", choices=PARTS, action="append", help="run only this part (repeatable)")
    for part in PARTS:
        p.add_argument(f"--skip-{part}", action="store_true", help=f"leave out the {part} part")
    p.add_argument("--gold", default=str(ROOT / "evals" / "gold.jsonl"), help="gold questions (JSONL)")
    p.add_argument("--limit", type=int, help="only the first N gold questions (default all)")
    p.add_argument("--rows", help="comma-separated answer rows (default all; see evals/bench_answers.py)")
    p.add_argument("--scaling-sizes", help=f"corpus sizes for scaling (default {FULL_SIZES})")
    p.add_argument("--scaling-types", default="flat,hnsw,ivf", help="index types for scaling (also: ivfsq8)")
    p.add_argument(
        "--max-build-minutes",
        type=float,
        default=6,
        help="skip a scaling build projected (n log n from the previous size) to take longer "
        "(default 6; 0 builds everything)",
    )
    p.add_argument("--no-cold", action="store_true", help="start-up: skip the empty-cache start")
    p.add_argument(
        "--out", default=str(ROOT / "evals"), help="folder for BENCH.md/.json/.png (default evals/)"
    )
    p.add_argument("-v", "--verbose", action="store_true", help="log details")
    args = p.parse_args(argv)
    if args.quick:
        args.limit = args.limit or 8
        args.scaling_sizes = args.scaling_sizes or "10000"
        args.no_cold = True
    args.scaling_sizes = [int(s) for s in (args.scaling_sizes or FULL_SIZES).split(",")]
    wanted = set(args.only or PARTS)
    args.parts = [part for part in PARTS if part in wanted and not getattr(args, f"skip_{part}")]
    return args


def memory_bandwidth_gbs(mb: int = 256) -> float:
    """Single-thread copy bandwidth (read + write bytes per second), best of 5: the decode bound."""
    import numpy as np

    src = np.ones(mb * 2**20 // 8)
    dst = np.empty_like(src)
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        np.copyto(dst, src)
        best = min(best, time.perf_counter() - t)
    return 2 * src.nbytes / best / 1e9


def startup_rows() -> dict[str, dict[str, str]]:
    import importlib.util

    rows = {"transformers": {"QA_GENERATOR_BACKEND": "transformers"}}
    if importlib.util.find_spec("llama_cpp") is not None:
        rows["llama-cpp"] = {"QA_GENERATOR_BACKEND": "llama-cpp"}
    return rows


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s"
    )
    from qa.config import load_settings

    base = load_settings(docs_dir=ROOT / "seeds", index_dir=ROOT / "index")
    started = datetime.now().astimezone()
    clock = time.perf_counter()
    result: dict[str, Any] = {
        "date": started.isoformat(timespec="seconds"),
        "commit": git_commit(changes=" (qa/ has uncommitted changes)"),
        "command": "python -m evals.bench " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": {**machine(), "load_average": load_average(), **library_versions()},
        "settings": {k: str(v) for k, v in vars(base).items() if k not in ("host", "port")},
        "parts": args.parts,
    }
    result["machine"]["copy_bandwidth_gbs_1thread"] = round(memory_bandwidth_gbs(), 1)

    def say(message: str) -> None:
        print(f"[{time.perf_counter() - clock:7.1f} s] {message}", file=sys.stderr, flush=True)

    result.update(run_parts(args, base, say))
    result["machine"]["load_average_end"] = load_average()
    result["duration_s"] = time.perf_counter() - clock

    from .bench_report import write_reports

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    paths = write_reports(result, out)
    say(f"wrote {', '.join(str(p) for p in paths)}")
    return 0


def run_parts(args: argparse.Namespace, base, say) -> dict[str, Any]:
    """The result of each part asked for, by its key in BENCH.json."""
    result: dict[str, Any] = {}
    if "startup" in args.parts:
        from .bench_startup import run_startup

        result["startup"] = run_startup(
            startup_rows(), cold=not args.no_cold, warm_cache=base.cache_dir, progress=say
        )
    if "build" in args.parts:
        from .bench_answers import index_build, retrieval_parts

        say("index build on the seed articles")
        result["build"] = index_build(base)
        say("retrieval parts")
        result["retrieval_parts"] = retrieval_parts(base, Path(args.gold), args.limit)
    if "answers" in args.parts:
        from .bench_answers import default_rows, run_rows

        rows = default_rows()
        if args.rows:
            names = args.rows.split(",")
            rows = [r for r in rows if r.name in names]
        result["answers"] = run_rows(rows, base, Path(args.gold), args.limit, progress=say)
    if "scaling" in args.parts:
        from .bench_scaling import run_scaling

        kinds = args.scaling_types.split(",")
        budget = args.max_build_minutes * 60 if args.max_build_minutes else None
        done, skipped = run_scaling(args.scaling_sizes, kinds, progress=say, max_build_s=budget)
        result["scaling"] = [r.to_dict() for r in done]
        result["scaling_skipped"] = skipped
    return result


if __name__ == "__main__":
    sys.exit(main())
