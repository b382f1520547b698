"""BENCH.md, BENCH.json and BENCH.png (evals/bench_figure.py) from one benchmark run's result dict."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .bench_figure import figure

HERE = Path(__file__).resolve().parent
BASELINE = "baseline-plain"
# Weights read per generated token by the default generator (Qwen2.5-Coder-0.5B, 630M parameters).
QWEN_PARAMS = 630e6


def _f(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def _ratio(value: float | None, base: float | None) -> str:
    return f"{value / base:.2f}x" if value is not None and base else "–"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(r) + " |" for r in rows),
    ]


GENERATING_ROWS = ("verified-always", "verified-always-llama-cpp")  # the generator writes every answer


def targets(result: dict[str, Any]) -> list[list[str]]:
    """The issue's targets next to what this run measured."""
    rows = []
    answers = result.get("answers", {})
    parts = result.get("retrieval_parts", {})
    if parts:
        v = parts.get("hybrid_search_p50_ms")
        rows.append(["retrieval p50, seed corpus (hybrid)", "< 10 ms", _f(v, 2) + " ms", _ok(v, 10)])
    million = [r for r in result.get("scaling", []) if r["n"] >= 1_000_000 and r["recall_at_10"] >= 0.95]
    if million:
        best = min(million, key=lambda r: r["query_p50_ms_1thread"])
        v = best["query_p50_ms_1thread"]
        rows.append(
            [
                "vector search p50 at 1M, recall@10 >= 0.95",
                "< 20 ms",
                f"{v:.2f} ms ({best['index_type']}, recall {best['recall_at_10']:.3f})",
                _ok(v, 20),
            ]
        )
    # The default shows its answer at once when a quoted line answers; the -always rows time the generator.
    quoted = "first answer text p50 (token, or the quoted answer)"
    timed = [("verified", "the default", "first_text_p50_ms", quoted)]
    timed += [(n, f"`{n}`", "first_token_p50_ms", "time to first token p50") for n in GENERATING_ROWS]
    for name, label, first_key, first_label in timed:
        s = answers.get(name, {}).get("summary")
        if not s:
            continue
        for key, what, limit in ((first_key, first_label, 1000), ("total_p50_ms", "total answer p50", 3000)):
            v = s.get(key)
            rows.append([f"{what} ({label})", f"< {limit / 1000:.0f} s", _f(v, 0) + " ms", _ok(v, limit)])
    for name, start in result.get("startup", {}).items():
        v = start.get("warm", {}).get("ready_s")
        rows.append([f"warm-cache start of the chat ({name})", "< 15 s", _f(v) + " s", _ok(v, 15)])
    return rows


def _ok(value: float | None, limit: float) -> str:
    return "–" if value is None else ("met" if value < limit else "**not met**")


def answers_section(answers: dict[str, Any]) -> list[str]:
    base = answers.get(BASELINE, {}).get("summary", {})
    rows, skipped = [], []
    for name, r in answers.items():
        if "skipped" in r:
            skipped.append(f"- `{name}` skipped: {r['skipped']}")
            continue
        s = r["summary"]
        rows.append(
            [
                f"`{name}`",
                _f(s["questions"]),
                f"{_f(s['retrieve_p50_ms'], 2)} / {_f(s['retrieve_p95_ms'], 2)}",
                f"{_f(s.get('first_text_p50_ms'), 0)} / {_f(s.get('first_text_p95_ms'), 0)}",
                f"{_f(s['first_token_p50_ms'], 0)} / {_f(s['first_token_p95_ms'], 0)}",
                _f(s["decode_tokens_per_s_p50"]),
                f"{_f(s['total_p50_ms'], 0)} / {_f(s['total_p95_ms'], 0)}",
                f"{s['generated_share']:.0%}",
                _ratio(s["total_p50_ms"], base.get("total_p50_ms")),
                _ratio(s["first_token_p50_ms"], base.get("first_token_p50_ms")),
            ]
        )
    header = [
        "row",
        "questions",
        "retrieval p50 / p95 ms",
        "first answer text p50 / p95 ms",
        "first token p50 / p95 ms (generated answers)",
        "decode tok/s p50",
        "total p50 / p95 ms",
        "answers generated",
        "total p50 vs baseline",
        "first token vs baseline",
    ]
    return [*_table(header, rows), "", *skipped]


def scaling_section(scaling: list[dict[str, Any]]) -> list[str]:
    flat = {r["n"]: r for r in scaling if r["index_type"] == "flat"}
    rows = []
    for r in scaling:
        f = flat.get(r["n"])
        rows.append(
            [
                f"{r['n']:,}",
                r["index_type"],
                r["search_param"] or "exact",
                _f(r["build_s"]),
                _f(r["memory_mb"]),
                _f(r["query_p50_ms_1thread"], 3),
                _f(r["query_p50_ms_all_threads"], 3),
                _ratio(r["query_p50_ms_1thread"], f["query_p50_ms_1thread"]) if f else "–",
                f"{r['recall_at_10']:.3f}",
                _f(r["min_param_for_target"]),
            ]
        )
    header = [
        "vectors",
        "index",
        "search parameter",
        "build s",
        "memory MB",
        "query p50 ms (1 thread)",
        "query p50 ms (all threads)",
        "query vs flat",
        "recall@10",
        "smallest parameter for recall 0.95",
    ]
    lines = _table(header, rows)
    lines += [
        "",
        "Recall@10 by search parameter (efSearch for HNSW, nprobe for IVF), batched ms per query:",
        "",
    ]
    for r in scaling:
        if r["sweep"]:
            cells = ", ".join(
                f"{s['param']}: {s['recall']:.3f} ({s['batch_ms_per_query']:.2f} ms)" for s in r["sweep"]
            )
            lines.append(f"- {r['n']:,} {r['index_type']}: {cells}")
    return lines


def bounds_section(result: dict[str, Any]) -> list[str]:
    """Decode speed against the memory-bandwidth bound: every token reads all weights once."""
    bw = result["machine"].get("copy_bandwidth_gbs_1thread")
    answers = result.get("answers", {})
    lines = []
    for name in GENERATING_ROWS:
        rate = answers.get(name, {}).get("summary", {}).get("decode_tokens_per_s_p50")
        if not (rate and bw):
            continue
        if name == "verified-always":
            bytes_per_param = 2 if result["machine"].get("avx512_bf16") else 4
            dtype = "bfloat16" if bytes_per_param == 2 else "float32"
        else:
            bytes_per_param, dtype = 1.06, "GGUF (about 8.5 bits a weight)"
        weights_gb = QWEN_PARAMS * bytes_per_param / 1e9
        bound = bw / weights_gb
        lines.append(
            f"- `{name}`: {weights_gb:.2f} GB of {dtype} weights read per token; at {bw:.0f} GB/s "
            f"(one-thread copy) the bound is about {bound:.0f} tokens/s; "
            f"measured {rate:.1f} ({rate / bound:.0%} of it)."
        )
    return lines


def first_token_bound(result: dict[str, Any], stages: Path = HERE / "FIRST-TOKEN.json") -> list[str]:
    """Time to first token against its compute bound: prefill of the evidence prompt, from the
    stage-by-stage run (evals/FIRST-TOKEN.md) on this machine, beside this run's first tokens."""
    from .bench_first_token import QWEN_PREFILL_FLOPS

    try:
        stage_run = json.loads(stages.read_text())
        rows = stage_run["summary"]
        best_gflops = max(stage_run["meta"]["matmul_gflops"].values())
    except (OSError, ValueError, KeyError):
        return []
    gflop_per_token = QWEN_PREFILL_FLOPS / 1e9
    tokens = max(r["evaluated_tokens_p50"] for name, r in rows.items() if name.startswith("after "))
    bound_ms = tokens * gflop_per_token / best_gflops * 1000
    answers = result.get("answers", {})
    measured = [
        f"`{name}` {answers[name]['summary']['first_token_p50_ms']:,.0f} ms"
        for name in GENERATING_ROWS
        if answers.get(name, {}).get("summary", {}).get("first_token_p50_ms")
    ]
    meta = stage_run["meta"]
    return [
        f"- First token: prefill of the evidence prompt. Qwen2.5-0.5B costs {gflop_per_token:.2f} GFLOP per "
        f"prompt token; the evidence prompt puts about {tokens:.0f} tokens through prefill after the reused "
        f"fixed prefix (evals/FIRST-TOKEN.md, {meta['date']}, commit `{meta['commit']}`). At the best matmul "
        f"rate measured on this machine ({best_gflops:.0f} GFLOP/s, two threads) that takes at least "
        f"{bound_ms:,.0f} ms, so under 1 s needs {best_gflops / gflop_per_token:.0f} prompt "
        f"tokens or fewer. Measured first token p50 here: {', '.join(measured) or 'none'} (llama-cpp "
        "prefills on one thread by default: two threads halve it on an idle machine and triple it on a "
        "shared one)."
    ]


def markdown(result: dict[str, Any]) -> str:
    lines = _header(result)
    if rows := targets(result):
        lines += ["## Targets", "", *_table(["target", "goal", "measured", ""], rows), ""]
    if result.get("startup"):
        lines += _startup(result)
    if result.get("answers"):
        lines += _answers(result)
    lines += _build(result)
    if result.get("scaling"):
        lines += _scaling(result)
    return "\n".join(lines) + "\n"


def _header(result: dict[str, Any]) -> list[str]:
    m = result["machine"]
    return [
        "# Speed benchmark",
        "",
        f"Run {result['date']} at commit `{result['commit']}` with `{result['command'].strip()}` "
        f"({result['duration_s'] / 60:.1f} minutes).",
        "",
        f"Machine: {m.get('cpu')}, {m.get('cores')} cores, {m.get('ram_gb')} GB RAM, avx512_bf16 "
        f"{'yes' if m.get('avx512_bf16') else 'no'}; "
        f"one-thread copy bandwidth {m.get('copy_bandwidth_gbs_1thread')} GB/s. "
        f"Load average at start {', '.join(f'{x:.1f}' for x in m['load_average'])}, at end "
        f"{', '.join(f'{x:.1f}' for x in m['load_average_end'])}: above the core count means other work "
        "shared the CPU and absolute times are inflated; the ratios, measured side by side, hold better.",
        f"Software: Python {m.get('python')}, torch {m.get('torch')}, transformers {m.get('transformers')}, "
        f"faiss {m.get('faiss')}, llama-cpp-python {m.get('llama_cpp') or 'not installed'}.",
        "",
    ]


def _startup(result: dict[str, Any]) -> list[str]:
    lines = [
        "## Start-up of the chat",
        "",
        "`python app.py` until its page answers, then one question over HTTP, asked again while the "
        "app replies that it is still starting (index and models). Answering is when the first "
        "answer arrived (from the start); first answer is that one question's own time. The page "
        "answers before the generator has loaded: it loads in the background, and quoted answers do "
        "not wait for it. Generator loaded is when /api/status showed it loaded (from the start); "
        "peak RSS is taken after that.",
        "",
    ]
    if run := result.get("startup_run"):  # start-up measured again in a run of its own
        lines += [f"Measured in a run of its own, {run['date']} at commit `{run['commit']}`.", ""]
    rows = []
    for name, s in result["startup"].items():
        for kind in ("cold", "warm"):
            if kind in s:
                r = s[kind]
                rows.append(
                    [
                        name,
                        kind,
                        _f(r.get("ready_s")),
                        _f(r.get("answering_s")),
                        _f(r.get("first_answer_s"), 2),
                        _f(r.get("generator_loaded_s")),
                        _f(r.get("peak_rss_mb"), 0),
                        r.get("error", "")[:200],
                    ]
                )
    lines += _table(
        [
            "configuration",
            "model cache",
            "ready s",
            "answering s",
            "first answer s",
            "generator loaded s",
            "peak RSS MB",
            "error",
        ],
        rows,
    )
    return lines + [
        "",
        "Cold: empty model cache (the GGUF is converted once) and no index (built at start).",
        "",
    ]


def _answers(result: dict[str, Any]) -> list[str]:
    lines = ["## Answers, per question", ""]
    lines += [
        "Every row answers the same gold questions, interleaved (one question on every row, "
        "then the next). Times are wall clock from the question to the first streamed token and to "
        "the final answer; decode tokens/s counts the generator's tokens after the first. "
        "`baseline-plain` is the plain RAG baseline of the evaluation (dense top-3 passages in, "
        "the model's words out). Rows that answer "
        "without the generator (abstentions, extractive answers, name lists) have no first token; "
        "their first answer text is the whole answer. `verified` is the default (the generator "
        "writes only when no quoted line answers); the `-always` rows have it write every answer.",
        "",
        *answers_section(result["answers"]),
        "",
    ]
    if bounds := bounds_section(result) + first_token_bound(result):
        lines += ["### What bounds generation", "", *bounds, ""]
    return lines


def _build(result: dict[str, Any]) -> list[str]:
    """The index build and the retrieval parts, each when the run measured it."""
    lines = []
    if result.get("build"):
        b = result["build"]
        lines += [
            "## Index build and retrieval on the seed corpus",
            "",
            f"{b['files']} files, {b['chunks']} chunks: built in {b['seconds_median']:.2f} s (median of "
            f"{len(b['runs_s'])}; model loaded beforehand), {b['chunks_per_s']:.0f} chunks/s.",
            "",
        ]
    if p := result.get("retrieval_parts"):
        rows = [
            [k.replace("_p50_ms", ""), _f(p[k], 2), _f(p[k.replace("p50", "p95")], 2)]
            for k in p
            if k.endswith("_p50_ms")
        ]
        lines += [
            f"Retrieval parts ({p['chunks']} chunks, {p['index_type']} index, questions embedded with "
            f"{p.get('query_runtime', 'torch')}; the other runtime's time for the same question beside it):",
            "",
            *_table(["part", "p50 ms", "p95 ms"], rows),
            "",
        ]
    return lines


def _scaling(result: dict[str, Any]) -> list[str]:
    return [
        "## Scaling of the vector index",
        "",
        "Synthetic clustered 384-dim vectors (see evals/bench_scaling.py), built with the product's "
        "`qa.index.faiss_index.build_index`. Memory is the serialized index size. Query p50 is one query "
        "at a time, as the chat asks; recall@10 is against exact search over 200 queries from the same "
        "distribution. `auto` picks flat up to 50k vectors of 384 dimensions, IVF above.",
        "",
        *scaling_section(result["scaling"]),
        "",
        *(
            f"- {s['index_type']} at {s['n']:,} skipped: {s['reason']}"
            for s in result.get("scaling_skipped", [])
        ),
        "",
    ]


def write_reports(result: dict[str, Any], out: Path) -> list[Path]:
    md, js, png = out / "BENCH.md", out / "BENCH.json", out / "BENCH.png"
    js.write_text(json.dumps(result, indent=1, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    written = [js]
    if figure(result, png):
        written.append(png)
    text = markdown(result)
    if png in written:
        text += "\n![latency by row and index scaling](BENCH.png)\n"
    md.write_text(text, encoding="utf-8")
    return [md, *written]
