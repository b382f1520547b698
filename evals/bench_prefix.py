"""Prompt prefix reuse, measured: first token and total time with and without it, on both backends.

    python -m evals.bench_prefix --index /tmp/qaidx   # 30 gold questions -> evals/PREFIX-CACHE.md/.json
    python -m evals.bench_prefix --limit 5 --out /tmp/p

The prompts are the verified pipeline's own (evals.compare_backends.collect_prompts). Both backends
are loaded once in this one process and every question runs four times, interleaved: transformers
with and without the prefix cache (the order alternates between questions), then llama-cpp with
its prefix reuse (its context still holds the previous question's prompt) and without (context
reset). A further prompt, not measured, warms both up first. Greedy decoding: the text with and
without reuse must be the same, and the report says where it is not.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import qa
from evals.compare_backends import collect_prompts, token_counter
from qa.evaluation.machine import load_text, run_meta
from qa.evaluation.metrics import percentile
from qa.generation.factory import make_generator
from qa.generation.prefix_cache import common_prefix_length

BACKENDS = ("transformers", "llama-cpp")
MODES = ("reuse", "scratch")  # with the prefix cache, and computing every prompt from scratch


def timed_reply(generator, messages) -> dict:
    """First-token and total wall time (ms) of one generation, and its text."""
    t = time.perf_counter()
    first, pieces = None, []
    for piece in generator.stream(messages):
        if first is None:
            first = (time.perf_counter() - t) * 1000
        pieces.append(piece)
    return {"first_token_ms": first, "total_ms": (time.perf_counter() - t) * 1000, "reply": "".join(pieces)}


def tokens_already_evaluated(generator, prompt_ids: list[int]) -> int:
    """Prompt tokens the generator can start from in reuse mode (llama.cpp keeps at least one to evaluate)."""
    if hasattr(generator, "_llama"):  # llama.cpp reuses what its context holds from the last prompt
        held = generator._llama._input_ids.tolist()
        return min(common_prefix_length(held, prompt_ids), len(prompt_ids) - 1)
    cached = generator._prefix.cached
    if cached is None or prompt_ids[: len(cached.token_ids)] != cached.token_ids:
        return 0
    return len(cached.token_ids)


def run_question(generators: dict, counters: dict, messages, turn: int) -> dict:
    """One question on every backend and mode; transformers alternates which mode goes first."""
    out = {}
    for backend in BACKENDS:
        generator, ids = generators[backend], list(counters[backend](messages))
        modes = MODES if backend == "llama-cpp" or turn % 2 == 0 else MODES[::-1]
        for mode in modes:
            generator.reuse_prefix = mode == "reuse"
            reused = tokens_already_evaluated(generator, ids) if mode == "reuse" else 0
            out[f"{backend} {mode}"] = {"prompt_tokens": len(ids), "reused_tokens": reused}
            out[f"{backend} {mode}"].update(timed_reply(generator, messages))
    return out


def stop_criterion_build_ms(generator, repeats: int = 3) -> float:
    """What generate(stop_strings=...) spent on every call before the criterion was built once."""
    from transformers.generation import StopStringCriteria

    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        StopStringCriteria(generator._tokenizer, ["\n"])
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def summarize(rows: list[dict], config: str) -> dict:
    runs = [r["runs"][config] for r in rows]
    evaluated = [x["prompt_tokens"] - x["reused_tokens"] for x in runs]
    backend, mode = config.split(" ")
    other = f"{backend} {'scratch' if mode == 'reuse' else 'reuse'}"
    same = sum(r["runs"][config]["reply"] == r["runs"][other]["reply"] for r in rows)
    first = [x["first_token_ms"] for x in runs if x["first_token_ms"] is not None]
    return {
        "config": config,
        "first_token_ms_p50": percentile(first, 50),
        "first_token_ms_p95": percentile(first, 95),
        "total_ms_p50": percentile([x["total_ms"] for x in runs], 50),
        "total_ms_p95": percentile([x["total_ms"] for x in runs], 95),
        "prompt_tokens_p50": percentile([x["prompt_tokens"] for x in runs], 50),
        "reused_tokens_p50": percentile([x["reused_tokens"] for x in runs], 50),
        "evaluated_tokens_p50": percentile(evaluated, 50),
        # first token time per prompt token evaluated: the prefill cost that remains
        "ms_per_evaluated_token_p50": percentile(
            [
                x["first_token_ms"] / n
                for x, n in zip(runs, evaluated, strict=True)
                if x["first_token_ms"] and n
            ],
            50,
        ),
        "same_text_as_other_mode": f"{same}/{len(rows)}",
    }


def ratio(slow, fast) -> str:
    return f"{slow / fast:.2f}x" if slow and fast else "-"


def markdown(meta: dict, summary: list[dict], rows: list[dict]) -> str:
    by = {s["config"]: s for s in summary}
    out = [
        "# Prompt prefix reuse: time to first token",
        "",
        f"Run {meta['date']} at commit `{meta['commit']}` with `{meta['command']}` "
        f"({meta['minutes']:.1f} min). "
        f"Machine: {meta['machine']}; load average {meta['load_before']} before, {meta['load_after']} after "
        "(above the core count means other work shared the CPU: absolute times are inflated, the "
        "side-by-side ratios hold better). "
        f"Model {meta['model']}, greedy, max {meta['max_new_tokens']} new tokens; {len(rows)} gold "
        "questions, the verified pipeline's own prompts, each run in all four configurations in turn.",
        "",
        "| configuration | first token p50 / p95 ms | total p50 / p95 ms | prompt tokens p50 | reused p50 "
        "| evaluated p50 | ms per evaluated token p50 | same text as the other mode |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in summary:
        out.append(
            f"| {s['config']} | {s['first_token_ms_p50']:,.0f} / {s['first_token_ms_p95']:,.0f} | "
            f"{s['total_ms_p50']:,.0f} / {s['total_ms_p95']:,.0f} | {s['prompt_tokens_p50']:.0f} | "
            f"{s['reused_tokens_p50']:.0f} | {s['evaluated_tokens_p50']:.0f} | "
            f"{s['ms_per_evaluated_token_p50']:.1f} | {s['same_text_as_other_mode']} |"
        )
    out += ["", "Speed-up from reuse (scratch / reuse, p50):", ""]
    for backend in BACKENDS:
        reuse, scratch = by[f"{backend} reuse"], by[f"{backend} scratch"]
        out.append(
            f"- {backend}: first token {ratio(scratch['first_token_ms_p50'], reuse['first_token_ms_p50'])}, "
            f"total {ratio(scratch['total_ms_p50'], reuse['total_ms_p50'])}"
        )
    out += ["", "## What bounds the first token now", "", *first_token_bounds(by)]
    across = sum(
        r["runs"]["transformers reuse"]["reply"] == r["runs"]["llama-cpp reuse"]["reply"] for r in rows
    )
    out += [
        "",
        f"The two backends gave the same text on {across}/{len(rows)} questions (not expected to be exact: "
        "llama.cpp computes on the quantized weights, transformers on de-quantized floats).",
        "",
        f"Building the transformers stop-at-line-end criterion took {meta['stop_criterion_ms']:.0f} ms "
        "(median of 3); generate(stop_strings=...) paid it on every call; both modes above now build it "
        "once.",
        "",
        "## Per question",
        "",
        *per_question(rows),
    ]
    return "\n".join(out) + "\n"


def first_token_bounds(by: dict[str, dict]) -> list[str]:
    """Per backend: what a prompt token costs, and how many fit in a first token under 1 s."""
    out = []
    for backend in BACKENDS:
        reuse, scratch = by[f"{backend} reuse"], by[f"{backend} scratch"]
        per_token = scratch["ms_per_evaluated_token_p50"]
        out.append(
            f"- {backend}: {scratch['ms_per_evaluated_token_p50']:.1f} ms per prompt token from scratch, "
            f"{reuse['ms_per_evaluated_token_p50']:.1f} ms per evaluated token with reuse; the "
            f"question-specific part (p50 {reuse['evaluated_tokens_p50']:.0f} tokens: numbered evidence "
            f"and question) alone costs ~{reuse['evaluated_tokens_p50'] * per_token:,.0f} ms at the scratch "
            f"rate. A first token under 1 s allows about {1000 / per_token:.0f} evaluated tokens at this "
            "load."
        )
    return out


def per_question(rows: list[dict]) -> list[str]:
    """The per-question table: tokens, first-token times and replies of both backends and modes."""
    out = [
        "| id | prompt tokens | reused tf / llama | first token ms tf reuse / scratch "
        "| llama reuse / scratch | same text tf / llama | reply (transformers, reuse) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        x = r["runs"]
        tf = [x["transformers reuse"], x["transformers scratch"]]
        ll = [x["llama-cpp reuse"], x["llama-cpp scratch"]]
        out.append(
            f"| {r['id']} | {tf[0]['prompt_tokens']} | {tf[0]['reused_tokens']} / {ll[0]['reused_tokens']} | "
            f"{tf[0]['first_token_ms']:,.0f} / {tf[1]['first_token_ms']:,.0f} | "
            f"{ll[0]['first_token_ms']:,.0f} / {ll[1]['first_token_ms']:,.0f} | "
            f"{'yes' if tf[0]['reply'] == tf[1]['reply'] else 'NO'} / "
            f"{'yes' if ll[0]['reply'] == ll[1]['reply'] else 'NO'} | {tf[0]['reply'].replace('|', '/')} |"
        )
    return out


def gold_prompt_args(doc: str, limit_help: str, report: str) -> argparse.ArgumentParser:
    """--gold, --index, --limit and --out: the options of the benchmarks that time the generator on the
    gold questions' prompts (this one and evals/bench_first_token.py); `report` names what --out gets."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold", default="evals/gold.jsonl")
    parser.add_argument("--index", help="index folder (default: settings)")
    parser.add_argument("--limit", type=int, default=30, help=limit_help)
    parser.add_argument("--out", default="evals", help=f"where {report}.md/.json go")
    return parser


def main(argv: list[str] | None = None) -> None:
    parser = gold_prompt_args(__doc__, "questions that reach the generator", "PREFIX-CACHE")
    args = parser.parse_args(argv)
    started, load_before = time.perf_counter(), load_text()
    settings = qa.load_settings(index_dir=args.index)
    prompts = collect_prompts(settings.replace(generator_model="none"), Path(args.gold), args.limit + 1)
    warm, prompts = prompts[-1], prompts[:-1]
    generators = {b: make_generator(settings.replace(generator_backend=b)) for b in BACKENDS}
    for generator in generators.values():
        generator.warm_up()
        generator.generate(warm["messages"])
    counters = {b: token_counter(g) for b, g in generators.items()}
    rows = []
    for turn, p in enumerate(prompts):
        rows.append({"id": p["id"], "runs": run_question(generators, counters, p["messages"], turn)})
        print(
            p["id"],
            {k: round(v["first_token_ms"] or 0) for k, v in rows[-1]["runs"].items()},
            file=sys.stderr,
        )
    summary = [summarize(rows, f"{b} {m}") for b in BACKENDS for m in MODES]
    meta = {
        **run_meta("evals.bench_prefix", argv, load_before),
        "model": settings.generator_model,
        "max_new_tokens": settings.max_new_tokens,
        "stop_criterion_ms": stop_criterion_build_ms(generators["transformers"]),
        "minutes": (time.perf_counter() - started) / 60,
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "PREFIX-CACHE.json").write_text(
        json.dumps({"meta": meta, "summary": summary, "rows": rows}, indent=1)
    )
    (out / "PREFIX-CACHE.md").write_text(markdown(meta, summary, rows))
    print((out / "PREFIX-CACHE.md").read_text())


if __name__ == "__main__":
    main()
