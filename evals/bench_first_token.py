"""Time to first token on the generator path, stage by stage, before and after the fixes, both backends.

    python -m evals.bench_first_token --index /tmp/qaidx   # 30 gold questions -> evals/FIRST-TOKEN.md/.json
    python -m evals.bench_first_token --limit 5 --out /tmp/ft

Every question runs through the verified pipeline with generate=always on each variant and backend
in turn (interleaved, so drift in the load of the shared machine hits all alike):

- `before`: the evidence sentences embedded on every torch thread, the transformers prefix cache
  copied with copy.deepcopy, 4 numbered sentences in the prompt (the code as it was);
- `after`: evidence embedded on one torch thread, the prefix cache copied by cloning its tensors;
- `after-N`: as `after`, with only the best N evidence sentences in the prompt.

llama.cpp keeps the previous prompt in its context; before each question it is cut back to the
fixed prefix (system prompt and few-shot turns), as a new question finds it in the chat. Times are
wall clock from the question (as the chat sees them); "wait" is the part before the generator is
called, "generator" the part from the call to its first piece.
"""

from __future__ import annotations

import copy
import json
import sys
import time
from pathlib import Path

import qa
import qa.generation.prefix_cache
from evals.bench_prefix import gold_prompt_args
from evals.compare_backends import token_counter
from qa.answer.pipeline import Pipeline
from qa.evaluation.gold import load_gold
from qa.evaluation.machine import load_text, run_meta
from qa.evaluation.metrics import percentile
from qa.generation.factory import make_generator
from qa.retrieval.embedding import SentenceTransformerEmbedder
from qa.retrieval.retriever import Retriever

BACKENDS = ("transformers", "llama-cpp")
FIXED_PREFIX_TOKENS = {"llama-cpp": 178, "transformers": 175}  # measured in evals/PREFIX-CACHE.md
# Prefill FLOPs per prompt token: 2 x the parameters a prompt token passes through (Qwen2.5-0.5B:
# 24 layers of hidden 896, MLP 4864, 2 key/value heads of 64; embeddings are a lookup and the output
# head runs for the last token only).
QWEN_LAYER_PARAMS = 896 * 896 * 2 + 896 * 128 * 2 + 3 * 896 * 4864
QWEN_PREFILL_FLOPS = 2 * 24 * QWEN_LAYER_PARAMS


class TimedGenerator:
    """Passes a generator through, recording each prompt and the time to its first piece."""

    def __init__(self, generator, backend: str):
        self.inner, self.backend, self.name = generator, backend, generator.name
        self.last: dict = {}

    def warm_up(self) -> None:
        self.inner.warm_up()

    def stream(self, messages):
        if self.backend == "llama-cpp":  # forget the last question: keep only the fixed prefix
            llama, keep = self.inner._llama, FIXED_PREFIX_TOKENS["llama-cpp"]
            if llama.n_tokens > keep:
                llama._ctx.kv_cache_seq_rm(-1, keep, -1)
                llama.n_tokens = keep
        self.last = {"messages": messages}
        t = time.perf_counter()
        for piece in self.inner.stream(messages):
            self.last.setdefault("generator_first_ms", (time.perf_counter() - t) * 1000)
            yield piece


def time_answer(pipeline: Pipeline, question: str) -> dict:
    """Wall clock from the question to the first token and to the answer; the pipeline's stage timings."""
    start = time.perf_counter()
    first, pieces, answer = None, [], None
    for event in pipeline.stream(question):
        if event.kind == "token":
            first = first if first is not None else time.perf_counter()
            pieces.append(event.text)
        elif event.answer is not None:
            answer = event.answer
    return {
        "first_token_ms": (first - start) * 1000 if first is not None else None,
        "total_ms": (time.perf_counter() - start) * 1000,
        "retrieve_ms": answer.timings_ms.get("retrieve"),
        "evidence_ms": answer.timings_ms.get("evidence"),
        "method": answer.method,
        "reply": "".join(pieces),
    }


def variants(sentences: list[int]) -> dict[str, dict]:
    """{name: {"one_thread": evidence on one torch thread, "clone": clone copy, "prompt_sentences"}}."""
    out = {
        "before": {"one_thread": False, "clone": False, "prompt_sentences": 4},
        "after": {"one_thread": True, "clone": True, "prompt_sentences": 4},
    }
    for n in sentences:
        out[f"after-{n}"] = {"one_thread": True, "clone": True, "prompt_sentences": n}
    return out


def prefix_build_ms(generator, messages, repeats: int = 3) -> float:
    """What a transformers generation paid when its prompt's prefix was not kept (before several
    prefixes were kept, every benchmark question on the shared model: the plain baseline's prompt
    evicted the evidence prompt's prefix)."""
    from qa.generation.prefix_cache import PrefixCache

    times = []
    for _ in range(repeats):
        fresh = PrefixCache(generator._model, generator._tokenizer)
        ids = generator._tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_dict=True)
        t = time.perf_counter()
        fresh.past_for(messages, list(ids["input_ids"]))
        times.append((time.perf_counter() - t) * 1000)
    return percentile(times, 50)


def matmul_gflops(threads: int, rows: int = 200) -> float:
    """fp32 GFLOP/s of torch on an MLP-shaped matmul (rows x 896 @ 896 x 4864), best of 5."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    a, b = torch.randn(rows, 896), torch.randn(896, 4864)
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(10):
            a @ b
        best = min(best, (time.perf_counter() - t) / 10)
    torch.set_num_threads(before)
    return 2 * rows * 896 * 4864 / best / 1e9


def run(settings, questions: list[str], sentences: list[int], say) -> list[dict]:
    embedder = SentenceTransformerEmbedder(settings.embedding_model)
    retriever = Retriever.from_settings(settings, embedder=embedder, build=True, progress=False)
    generators = {
        b: TimedGenerator(make_generator(settings.replace(generator_backend=b)), b) for b in BACKENDS
    }
    counters = {}
    pipelines = {}
    for name, v in variants(sentences).items():
        for b in BACKENDS:
            s = settings.replace(
                generator_backend=b, generate="always", prompt_sentences=v["prompt_sentences"]
            )
            pipelines[name, b] = (v, Pipeline(s, retriever=retriever, generator=generators[b]))
    for b, g in generators.items():
        g.warm_up()
        counters[b] = token_counter(g.inner)
    deep, clone = copy.deepcopy, qa.generation.prefix_cache.copy_cache
    rows, evidence_prompt = [], None
    for i, question in enumerate([questions[-1]] + questions[:-1]):  # the last one only warms up
        row = {"question": question, "runs": {}}
        for (name, b), (v, pipeline) in pipelines.items():
            embedder.one_thread_max_texts = 64 if v["one_thread"] else 0
            qa.generation.prefix_cache.copy_cache = clone if v["clone"] else deep
            generators[b].last = {}
            sample = time_answer(pipeline, question)
            last = generators[b].last
            prompt = len(counters[b](last["messages"])) if "messages" in last else None
            run_ = {
                "first_token_ms": sample["first_token_ms"],
                "total_ms": sample["total_ms"],
                "retrieve_ms": sample["retrieve_ms"],
                "evidence_ms": sample["evidence_ms"],
                "generator_first_ms": last.get("generator_first_ms"),
                "prompt_tokens": prompt,
                "evaluated_tokens": prompt - FIXED_PREFIX_TOKENS[b] if prompt else None,
                "method": sample["method"],
                "reply": sample["reply"],
            }
            if run_["first_token_ms"] is not None and run_["generator_first_ms"] is not None:
                run_["wait_ms"] = run_["first_token_ms"] - run_["generator_first_ms"]
            row["runs"][f"{name} {b}"] = run_
            if "messages" in last and b == "transformers":
                evidence_prompt = last["messages"]
        qa.generation.prefix_cache.copy_cache = clone
        if i:
            rows.append(row)
        say(
            f"{i}/{len(questions) - 1} "
            + str({k: round(r["first_token_ms"] or 0) for k, r in row["runs"].items()})
        )
    return rows, prefix_build_ms(generators["transformers"].inner, evidence_prompt)


KEYS = (
    "retrieve_ms",
    "evidence_ms",
    "wait_ms",
    "generator_first_ms",
    "first_token_ms",
    "total_ms",
    "evaluated_tokens",
)


def summarize(rows: list[dict]) -> dict[str, dict]:
    out = {}
    for config in rows[0]["runs"]:
        runs = [r["runs"][config] for r in rows]
        s = {f"{k}_p50": percentile([x[k] for x in runs if x.get(k) is not None], 50) for k in KEYS}
        s["first_token_ms_p95"] = percentile([x["first_token_ms"] for x in runs if x["first_token_ms"]], 95)
        per_token = [
            x["generator_first_ms"] / x["evaluated_tokens"]
            for x in runs
            if x.get("generator_first_ms") and x.get("evaluated_tokens")
        ]
        s["prefill_tokens_per_s_p50"] = 1000 / percentile(per_token, 50) if per_token else None
        s["generated"] = sum(x["first_token_ms"] is not None for x in runs)
        out[config] = s
    return out


def fmt(x, digits: int = 0) -> str:
    return "–" if x is None else f"{x:,.{digits}f}"


def markdown(meta: dict, summary: dict[str, dict], rows: list[dict]) -> str:
    out = [
        "# Time to first token on the generator path",
        "",
        f"Run {meta['date']} at commit `{meta['commit']}` with `{meta['command']}` "
        f"({meta['minutes']:.1f} min). "
        f"Machine: {meta['machine']}; load average {meta['load_before']} before, {meta['load_after']} after "
        "(above the core count means other work shared the CPU: absolute times are inflated, the "
        f"side-by-side ratios hold better). {len(rows)} gold questions, generate=always, every "
        "variant and backend in turn per question. Wait = question to the generator call (retrieval, "
        "evidence selection, prompt); generator = call to first piece (tokenization, prefix copy, "
        "prefill, first decode step).",
        "",
        "| variant | retrieval p50 ms | evidence p50 ms | wait p50 ms | generator p50 ms "
        "| first token p50 / p95 ms | total p50 ms "
        "| evaluated tokens p50 | prefill tok/s p50 | first token vs before |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for config, s in summary.items():
        backend = config.split(" ")[1]
        base = summary[f"before {backend}"]["first_token_ms_p50"]
        ratio = f"{base / s['first_token_ms_p50']:.2f}x" if base and s["first_token_ms_p50"] else "–"
        out.append(
            f"| {config} | {fmt(s['retrieve_ms_p50'], 1)} | {fmt(s['evidence_ms_p50'])} | "
            f"{fmt(s['wait_ms_p50'])} | {fmt(s['generator_first_ms_p50'])} | "
            f"{fmt(s['first_token_ms_p50'])} / {fmt(s['first_token_ms_p95'])} | {fmt(s['total_ms_p50'])} | "
            f"{fmt(s['evaluated_tokens_p50'])} | {fmt(s['prefill_tokens_per_s_p50'])} | {ratio} |"
        )
    out += ["", "## What bounds the rest", "", *prefill_bounds(meta["matmul_gflops"], summary)]
    out += [
        "",
        "Computing the transformers prefix (system prompt and few-shot turns) took "
        f"{meta['prefix_build_ms']:,.0f} ms "
        "(median of 3). Before the prefix cache kept several prefixes, evals/bench.py paid it on every "
        "`verified-always` question: its transformers model also served `baseline-plain`, whose prompt "
        "evicted the evidence prompt's prefix.",
    ]
    return "\n".join(out) + "\n"


def prefill_bounds(gf: dict[str, float], summary: dict[str, dict]) -> list[str]:
    """Prefill's FLOPs per token against the measured matmul rate (GFLOP/s on "1" and "2" threads),
    and what that bounds each variant's first token to."""
    flops = QWEN_PREFILL_FLOPS / 1e9
    out = [
        f"Prefill costs ~{flops:.2f} GFLOP per prompt token (2 x the {QWEN_PREFILL_FLOPS / 2e6:.0f}M "
        "parameters of Qwen2.5-0.5B's 24 layers a token passes through; the output head runs once). "
        f"torch fp32 on an MLP-shaped matmul reached {gf['1']:.0f} GFLOP/s on one thread and "
        f"{gf['2']:.0f} on two (best of before and after the run), so prefill cannot beat "
        f"~{gf['1'] / flops:.0f} tok/s on one thread, ~{gf['2'] / flops:.0f} on two. Measured prefill "
        "rates are in the table (generator time / evaluated tokens, which includes the first decode "
        "step and, for transformers, the streamer holding text back to a word's end).",
        "",
    ]
    best = max(gf["1"], gf["2"])
    for config, s in summary.items():
        if s["prefill_tokens_per_s_p50"] and s["evaluated_tokens_p50"]:
            rate = s["prefill_tokens_per_s_p50"]
            out.append(
                f"- {config}: {rate:.0f} tok/s is {rate * flops:.0f} GFLOP/s, "
                f"{rate * flops / gf['1']:.0%} of the one-thread matmul rate; its "
                f"{s['evaluated_tokens_p50']:.0f} evaluated tokens need >= "
                f"{s['evaluated_tokens_p50'] * flops / best * 1000:,.0f} ms even at the better matmul rate."
            )
    return out


QUALITY = (
    "accuracy",
    "f1",
    "citation_precision",
    "citation_recall",
    "abstention_unanswerable",
    "false_abstention",
)


def quality_rows(spec: str) -> list[dict]:
    """[{"prompt_sentences", "commit", summary figures...}] from `qa eval` REPORT.json files given as
    "4=path,3=path" (the evaluation runs apart: a 127-question run takes ~10 minutes a variant)."""
    rows = []
    for part in filter(None, spec.split(",")):
        n, path = part.split("=", 1)
        report = json.loads(Path(path).read_text())
        # One row: "configs"/"gold" in reports before qa eval ran suites, "rows"/"corpora" since.
        (config,) = report.get("configs") or report["rows"]
        same = sum(1 for r in report["results"] if r["metrics"].get("correct"))
        items = report["gold"]["items"] if "gold" in report else sum(c["items"] for c in report["corpora"])
        rows.append(
            {
                "prompt_sentences": int(n),
                "config": config.get("name") or config["config"],
                "commit": report["commit"],
                "date": report["date"],
                "items": items,
                "correct_items": same,
                **{k: config["summary"].get(k) for k in QUALITY},
            }
        )
    return rows


def quality_markdown(rows: list[dict]) -> list[str]:
    if not rows:
        return []
    out = [
        "",
        "## Answer quality with fewer prompt sentences",
        "",
        f"`qa eval --config {rows[0]['config']}` on the {rows[0]['items']} gold items, "
        "`QA_PROMPT_SENTENCES` set per run (same machine, same index; speed fixes above do not change "
        "answers).",
        "",
        "| prompt sentences | HEAD when written | accuracy (answerable) | token F1 | citation precision "
        "| citation recall "
        "| abstains on unanswerable | false abstention |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        out.append(
            f"| {r['prompt_sentences']} | `{r['commit']}` | {r['accuracy']:.1%} | {r['f1']:.3f} | "
            f"{r['citation_precision']:.1%} | {r['citation_recall']:.1%} | "
            f"{r['abstention_unanswerable']:.1%} | {r['false_abstention']:.1%} |"
        )
    return out


def main(argv: list[str] | None = None) -> None:
    parser = gold_prompt_args(__doc__, "gold questions", "FIRST-TOKEN")
    parser.add_argument(
        "--sentences", default="3", help="prompt sizes for after-N variants (comma-separated)"
    )
    parser.add_argument("--quality", default="", help="N=REPORT.json,... from `qa eval` runs per prompt size")
    args = parser.parse_args(argv)
    started, load_before = time.perf_counter(), load_text()
    settings = qa.load_settings(index_dir=args.index)
    questions = [g.question for g in load_gold(Path(args.gold))[: args.limit + 1]]
    sentences = [int(n) for n in args.sentences.split(",") if n]

    def say(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.0f} s] {message}", file=sys.stderr, flush=True)

    gflops_before = {"1": matmul_gflops(1), "2": matmul_gflops(2)}
    rows, prefix_ms = run(settings, questions, sentences, say)
    meta = {
        **run_meta("evals.bench_first_token", argv, load_before),
        # the better of a measurement before and after the run: the machine is shared
        "matmul_gflops": {k: max(v, matmul_gflops(int(k))) for k, v in gflops_before.items()},
        "prefix_build_ms": prefix_ms,
        "minutes": (time.perf_counter() - started) / 60,
    }
    summary = summarize(rows)
    quality = quality_rows(args.quality)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "FIRST-TOKEN.json").write_text(
        json.dumps({"meta": meta, "summary": summary, "quality": quality, "rows": rows}, indent=1)
    )
    (out / "FIRST-TOKEN.md").write_text(
        markdown(meta, summary, rows) + "\n".join(quality_markdown(quality)) + "\n"
    )
    print((out / "FIRST-TOKEN.md").read_text())


if __name__ == "__main__":
    main()
