"""Side-by-side measurement of the two generation backends on the same prompts.

    python -m evals.compare_backends                 # 10 gold questions, writes evals/BACKENDS.md/.json
    python -m evals.compare_backends --limit 5 --out /tmp/b

The prompts are the product's own: the verified pipeline runs each gold question with a recording
generator, and the questions that reach the generator (not abstained, not answered by a name list)
are kept, in gold order. Each configuration then runs in its own process, so load time and peak
memory are its own: transformers (the default), llama-cpp with 1 thread and with 2 threads. The
llama-cpp thread counts run again while a busy loop holds one core, as when another user shares
the machine. Configurations run one after another in one run; the report gives ratios as well as
times because the CPU is shared and noisy.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import qa
from qa.evaluation.gold import load_gold
from qa.evaluation.machine import cpu_name, git_commit
from qa.generation.factory import make_generator

CONFIGS = [  # (label, backend, threads, busy core)
    ("transformers", "transformers", 0, False),
    ("llama-cpp 1 thread", "llama-cpp", 1, False),
    ("llama-cpp 2 threads", "llama-cpp", 2, False),
    ("llama-cpp 2 threads, other core busy", "llama-cpp", 2, True),
    ("llama-cpp 1 thread, other core busy", "llama-cpp", 1, True),
]


class RecordingGenerator:
    """Keeps the prompts the pipeline would send and answers nothing (the pipeline then answers
    extractively, which costs no model time)."""

    name = "recorder"

    def __init__(self) -> None:
        self.prompts: list = []

    def stream(self, messages):
        self.prompts.append(messages)
        return iter(())


def collect_prompts(
    settings: qa.Settings, gold: Path, limit: int, retriever: qa.Retriever | None = None
) -> list[dict]:
    """The verified pipeline's own prompts for the first `limit` gold questions that reach the
    generator (with generate=always, every answered one); `retriever` reuses a loaded one, else the
    index is built or updated first (the library never builds unless asked)."""
    recorder = RecordingGenerator()
    settings = settings.replace(generate="always")
    retriever = retriever or qa.Retriever.from_settings(settings, build=True)
    pipeline = qa.Pipeline(settings, retriever=retriever, generator=recorder)
    prompts = []
    for item in load_gold(gold):
        before = len(recorder.prompts)
        pipeline.ask(item.question)
        if len(recorder.prompts) > before:
            prompts.append({"id": item.id, "question": item.question, "messages": recorder.prompts[-1]})
        if len(prompts) == limit:
            break
    return prompts


def rss_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def token_counter(generator):
    """Token ids of a text or chat prompt, through the backend's own tokenizer and chat template."""
    if hasattr(generator, "_llama"):
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        llama = generator._llama
        formatter = Jinja2ChatFormatter(
            template=llama.metadata["tokenizer.chat_template"],
            eos_token=llama._model.token_get_text(llama.token_eos()),
            bos_token=llama._model.token_get_text(llama.token_bos()),
        )

        def ids(text_or_messages):
            if isinstance(text_or_messages, str):
                return llama.tokenize(text_or_messages.encode(), add_bos=False, special=False)
            prompt = formatter(messages=text_or_messages).prompt
            return llama.tokenize(prompt.encode(), add_bos=False, special=True)

        return ids
    tokenizer = generator._tokenizer

    def ids(text_or_messages):
        if isinstance(text_or_messages, str):
            return tokenizer(text_or_messages, add_special_tokens=False)["input_ids"]
        encoded = tokenizer.apply_chat_template(
            text_or_messages, add_generation_prompt=True, tokenize=True, return_dict=True
        )
        return list(encoded["input_ids"])

    return ids


def run_child(settings: qa.Settings, prompts: list[dict]) -> dict:
    """Load one backend, answer every prompt; times in ms, memory in MB."""
    rss_before = rss_mb("VmRSS")
    generator = make_generator(settings)
    t = time.perf_counter()
    generator.warm_up()
    load_ms = (time.perf_counter() - t) * 1000
    count = token_counter(generator)
    rows = []
    for p in prompts:
        stamps, pieces = [], []
        t = time.perf_counter()
        for piece in generator.stream(p["messages"]):
            stamps.append(time.perf_counter() - t)
            pieces.append(piece)
        reply = "".join(pieces).strip()
        tokens = len(count(reply)) if reply else 0
        prompt_ids = list(count(p["messages"]))
        decode_s = stamps[-1] - stamps[0] if len(stamps) > 1 else 0.0
        rows.append(
            {
                "id": p["id"],
                "prompt_tokens": len(prompt_ids),
                "prompt_token_ids_sha": hashlib.sha256(json.dumps(prompt_ids).encode()).hexdigest(),
                "reply": reply,
                "pieces": len(pieces),
                "reply_tokens": tokens,
                "first_token_ms": stamps[0] * 1000 if stamps else None,
                "total_ms": (time.perf_counter() - t) * 1000,
                "decode_tok_s": (tokens - 1) / decode_s if decode_s > 0 and tokens > 1 else None,
            }
        )
    return {
        "load_ms": load_ms,
        "rss_before_load_mb": rss_before,
        "peak_rss_mb": rss_mb("VmHWM"),
        "rows": rows,
    }


def spin() -> subprocess.Popen:
    """A busy loop on one core, standing in for another user of the machine."""
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def run_config(backend: str, threads: int, busy: bool, prompts_file: Path, settings_args: list[str]) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        result_file = Path(out.name)
    spinner = spin() if busy else None
    load_before = os.getloadavg()[0]
    try:
        cmd = [sys.executable, "-m", "evals.compare_backends", "--child", str(prompts_file), str(result_file)]
        env = {**os.environ, "QA_GENERATOR_BACKEND": backend, "QA_THREADS": str(threads)}
        subprocess.run(cmd + settings_args, env=env, check=True)
    finally:
        if spinner is not None:
            spinner.kill()
            spinner.wait()
    result = json.loads(result_file.read_text())
    result_file.unlink()
    result["loadavg_1min_before"] = load_before
    return result


def p50(values) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarize(label: str, result: dict, reference: dict) -> dict:
    rows, ref_rows = result["rows"], {r["id"]: r for r in reference["rows"]}
    same = [r["reply"] == ref_rows[r["id"]]["reply"] for r in rows]
    same_prompt = [r["prompt_token_ids_sha"] == ref_rows[r["id"]]["prompt_token_ids_sha"] for r in rows]
    return {
        "config": label,
        "load_s": result["load_ms"] / 1000,
        "first_token_ms_p50": p50(r["first_token_ms"] for r in rows),
        "total_ms_p50": p50(r["total_ms"] for r in rows),
        "decode_tok_s_p50": p50(r["decode_tok_s"] for r in rows),
        "peak_rss_mb": result["peak_rss_mb"],
        "rss_before_load_mb": result["rss_before_load_mb"],
        "same_answers": f"{sum(same)}/{len(same)}",
        "same_prompt_tokens": f"{sum(same_prompt)}/{len(same_prompt)}",
        "loadavg_1min_before": result["loadavg_1min_before"],
    }


def ratio(a, b) -> str:
    return f"{a / b:.2f}x" if a and b else "-"


def markdown(meta: dict, summary: list[dict], results: dict, prompts: list[dict]) -> str:
    ref = summary[0]
    out = [
        "# Generation backends side by side",
        "",
        f"Run {meta['date']} on {meta['machine']}, commit {meta['commit']}; model {meta['model']}, "
        f"{meta['questions']} gold questions (the verified pipeline's own prompts), greedy decoding, "
        f"max {meta['max_new_tokens']} new tokens. Command: `{meta['command']}`.",
        "",
        "The CPU is shared with other sessions working on this machine, so absolute times are noisy; "
        "configurations ran one after another in this one run, and ratios to the transformers row are "
        "the figures to trust. Each configuration ran in its own process (load time and memory are its "
        "own). Peak RSS includes the Python process with the qa package; the transformers process also "
        "holds torch.",
        "",
        *([f"Note: {meta['note']}.", ""] if meta.get("note") else []),
        "| configuration | load s | first token p50 ms | decode tok/s p50 | answer p50 ms | peak RSS MB "
        "| decode vs transformers | first token vs transformers | same answers | same prompt tokens "
        "| load avg before |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in summary:
        out.append(
            f"| {s['config']} | {s['load_s']:.1f} | {s['first_token_ms_p50']:.0f} | "
            f"{s['decode_tok_s_p50']:.1f} | {s['total_ms_p50']:.0f} | {s['peak_rss_mb']:.0f} | "
            f"{ratio(s['decode_tok_s_p50'], ref['decode_tok_s_p50'])} | "
            f"{ratio(ref['first_token_ms_p50'], s['first_token_ms_p50'])} faster | {s['same_answers']} | "
            f"{s['same_prompt_tokens']} | {s['loadavg_1min_before']:.1f} |"
        )
    out += ["", "## Answers (transformers, then llama-cpp with the default thread count)", ""]
    default = results.get(meta["default_llama_label"], results["transformers"])
    llama_rows = {r["id"]: r for r in default["rows"]}
    out += ["| id | question | transformers | llama-cpp | same |", "|---|---|---|---|---|"]
    for p, t in zip(prompts, results["transformers"]["rows"], strict=True):
        q = p["question"].replace("|", "/")
        l_reply = llama_rows[t["id"]]["reply"]
        out.append(
            f"| {t['id']} | {q} | {t['reply'].replace('|', '/')} | {l_reply.replace('|', '/')} | "
            f"{'yes' if t['reply'] == l_reply else 'no'} |"
        )
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--gold", default="evals/gold.jsonl")
    parser.add_argument("--limit", type=int, default=10, help="questions that reach the generator")
    parser.add_argument("--out", default="evals", help="where BACKENDS.md/.json go")
    parser.add_argument(
        "--backends", default="transformers,llama-cpp", help="comma-separated; transformers always runs"
    )
    parser.add_argument("--child", nargs=2, metavar=("PROMPTS", "RESULT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    settings = qa.load_settings()
    if args.child:
        prompts = json.loads(Path(args.child[0]).read_text())
        Path(args.child[1]).write_text(json.dumps(run_child(settings, prompts)))
        return

    prompts = collect_prompts(settings.replace(generator_model="none"), Path(args.gold), args.limit)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(prompts, f)
        prompts_file = Path(f.name)
    configs = [c for c in CONFIGS if c[1] == "transformers" or c[1] in args.backends.split(",")]
    results = {}
    try:
        for label, backend, threads, busy in configs:
            print(f"running {label} ...", file=sys.stderr, flush=True)
            results[label] = run_config(backend, threads, busy, prompts_file, [])
    finally:
        prompts_file.unlink()
    summary = [summarize(label, results[label], results["transformers"]) for label, *_ in configs]
    from qa.generation.llama_generation import default_threads

    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, {cpu_name()}",
        "commit": git_commit(),
        "model": settings.generator_model,
        "questions": len(prompts),
        "max_new_tokens": settings.max_new_tokens,
        "command": "python -m evals.compare_backends " + " ".join(argv or sys.argv[1:]),
        "default_llama_label": f"llama-cpp {default_threads()} thread{'s' if default_threads() > 1 else ''}",
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "BACKENDS.json").write_text(
        json.dumps({"meta": meta, "summary": summary, "results": results, "prompts": prompts}, indent=1)
    )
    (out / "BACKENDS.md").write_text(markdown(meta, summary, results, prompts))
    print((out / "BACKENDS.md").read_text())


if __name__ == "__main__":
    main()
