"""Load test: N concurrent gradio_client clients send M questions in total to the web app on 127.0.0.1.

    python -m evals.loadtest                                  # 20 clients, 200 questions, --generator none
    python -m evals.loadtest --clients 4 --questions 24 --generator packaged:qwen2.5-coder-0.5b-instruct
    python -m evals.loadtest --url http://127.0.0.1:7860/     # a server that is already running

Without --url it starts `python app.py` on a free loopback port with a temporary index, waits until the
page answers, and stops it afterwards. Questions are the gold questions, repeated in turn. It checks:
- no request fails;
- every answer belongs to its own question: the JSON echoes the question that was sent, and (when the
  answers are deterministic, as without a generator) it equals the answer the same server gave to that
  question when asked alone beforehand, so an answer handed to the wrong session would show;
and reports latency p50/p95/max and throughput in LOADTEST.md and LOADTEST.json.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from qa.evaluation.machine import free_port, git_commit, load_average, machine
from qa.evaluation.metrics import nearest_rank

ROOT = Path(__file__).resolve().parents[1]


def gold_questions(path: Path) -> list[str]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return list(dict.fromkeys(row["question"] for row in rows))


def comparable(out: dict) -> dict:
    """The parts of an /ask answer that must not depend on load (timings do)."""
    return {k: v for k, v in out.items() if k != "timings_ms"}


def reference_answers(url: str, questions: list[str]) -> dict[str, dict]:
    """Each question asked alone, one after another: what the answer must be under load too."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    return {q: comparable(client.predict(q, api_name="/ask")) for q in questions}


def run_load(url: str, questions: list[str], clients: int, reference: dict[str, dict] | None = None) -> dict:
    """Send every question once, spread over `clients` concurrent sessions; returns per-request results."""
    from gradio_client import Client

    work: queue.Queue = queue.Queue()
    for i, q in enumerate(questions):
        work.put((i, q))
    results: list[dict] = [{} for _ in questions]

    def session(number: int) -> None:
        try:
            client = Client(url, verbose=False)
        except Exception as e:  # a client that cannot even connect fails every request it would send
            client, error = None, f"{type(e).__name__}: {e}"
        while True:
            try:
                i, q = work.get_nowait()
            except queue.Empty:
                return
            started = time.perf_counter()
            row = {"client": number, "question": q}
            try:
                if client is None:
                    raise RuntimeError(error)
                out = client.predict(q, api_name="/ask")
                row["seconds"] = time.perf_counter() - started
                row["own_question"] = out.get("question") == q
                if reference is not None:
                    row["same_as_alone"] = comparable(out) == reference[q]
                row["abstained"] = out.get("abstained")
                row["server_s"] = (
                    out.get("timings_ms", {}).get("total", 0.0) / 1000
                )  # answering, not queueing
            except Exception as e:  # counted as a failed request, the load goes on
                row["seconds"] = time.perf_counter() - started
                row["error"] = f"{type(e).__name__}: {e}"[:300]
            results[i] = row

    started = time.perf_counter()
    threads = [threading.Thread(target=session, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return summarize(results, clients, time.perf_counter() - started)


def summarize(results: list[dict], clients: int, wall: float) -> dict:
    ok = [r for r in results if "error" not in r]
    latencies = [r["seconds"] for r in ok]
    return {
        "clients": clients,
        "requests": len(results),
        "failed": len(results) - len(ok),
        "wrong_question": sum(not r["own_question"] for r in ok),
        "differs_from_alone": sum(r.get("same_as_alone") is False for r in ok),
        "checked_against_alone": sum("same_as_alone" in r for r in ok),
        "latency_s": {
            "p50": round(statistics.median(latencies), 3) if latencies else None,
            "p95": round(nearest_rank(latencies, 0.95), 3) if latencies else None,
            "max": round(max(latencies), 3) if latencies else None,
        },
        # time the pipeline spent on each answer inside the server; the rest of the latency is the queue
        "answer_s": {
            "p50": round(statistics.median(r["server_s"] for r in ok), 3) if ok else None,
            "p95": round(nearest_rank([r["server_s"] for r in ok], 0.95), 3) if ok else None,
        },
        "wall_s": round(wall, 2),
        "requests_per_s": round(len(ok) / wall, 2) if wall else None,
        "errors": sorted({r["error"] for r in results if "error" in r})[:10],
        "results": results,
    }


@contextmanager
def app_server(generator: str, docs: Path, index_dir: Path | None, timeout: float):
    """`python app.py` on a free loopback port; yields its URL, stops it on exit."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="qa-loadtest-") as tmp:
        env = {
            **os.environ,
            "QA_PORT": str(port),
            "QA_HOST": "127.0.0.1",
            "QA_GENERATOR_MODEL": generator,
            "QA_DOCS_DIR": str(docs),
            "QA_INDEX_DIR": str(index_dir or Path(tmp) / "index"),
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
        }
        env.pop("QA_AUTH", None)
        log = open(Path(tmp) / "server.log", "w")
        server = subprocess.Popen(
            [sys.executable, str(ROOT / "app.py")], cwd=ROOT, env=env, stdout=log, stderr=log
        )
        url = f"http://127.0.0.1:{port}/"
        try:
            deadline = time.monotonic() + timeout
            while True:
                if server.poll() is not None:
                    raise SystemExit(f"the server stopped: {(Path(tmp) / 'server.log').read_text()[-2000:]}")
                if time.monotonic() > deadline:
                    raise SystemExit(f"the server was not ready within {timeout:.0f} s")
                try:  # the page is served at once; questions are answered once start-up is done
                    with urllib.request.urlopen(url + "api/status", timeout=2) as r:
                        if json.loads(r.read()).get("ready"):
                            break
                except (OSError, ValueError):
                    pass  # not listening yet
                time.sleep(0.5)
            yield url
        finally:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            log.close()


def write_report(summary: dict, settings: dict, out: Path, name: str = "LOADTEST") -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    box = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "commit": git_commit(),
        **machine(),
        # the machine may be shared: latency under someone else's load is not the product's alone
        "load_average_1_5_15min": load_average(1),
    }
    data = {"machine": box, "settings": settings, **summary}
    json_path = out / f"{name}.json"
    json_path.write_text(json.dumps(data, indent=1, ensure_ascii=False))
    lat = summary["latency_s"]
    verdict = "PASS" if passed(summary) else "FAIL"
    lines = [
        "# Load test",
        "",
        f"`python -m evals.loadtest {settings['command']}` — {box['date']}, commit {box['commit']}, "
        f"{box['cpu']} ({box['cores']} cores; load average {box['load_average_1_5_15min'][0]} at the end, "
        "so other work may have shared the CPU).",
        "",
        f"{summary['clients']} concurrent `gradio_client` sessions sent {summary['requests']} questions "
        f"(the gold questions in turn) to `/ask` on 127.0.0.1, generator `{settings['generator']}`. "
        "Generation runs one request at a time (README, HTTP), so latency is mostly waiting in the queue.",
        "",
        "| check | result |",
        "|---|---|",
        f"| failed requests | {summary['failed']} |",
        f"| answers echoing another question | {summary['wrong_question']} |",
        f"| answers differing from the same question asked alone | {summary['differs_from_alone']} "
        f"of {summary['checked_against_alone']} checked |",
        f"| latency p50 / p95 / max (queue + answer, as a client sees it) | {lat['p50']} s / "
        f"{lat['p95']} s / "
        f"{lat['max']} s |",
        f"| answer time inside the server p50 / p95 | {summary['answer_s']['p50']} s / "
        f"{summary['answer_s']['p95']} s |",
        f"| wall time, throughput | {summary['wall_s']} s, {summary['requests_per_s']} answers/s |",
        f"| verdict | **{verdict}** |",
        "",
    ]
    if summary["errors"]:
        lines += ["Errors:", "", *[f"- `{e}`" for e in summary["errors"]], ""]
    lines.append(f"Every request is in `{json_path.name}` (client, question, seconds, checks).")
    md_path = out / f"{name}.md"
    md_path.write_text("\n".join(lines) + "\n")
    return md_path, json_path


def passed(summary: dict) -> bool:
    return summary["failed"] == 0 and summary["wrong_question"] == 0 and summary["differs_from_alone"] == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.loadtest", description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=20, help="concurrent sessions (default 20)")
    parser.add_argument("--questions", type=int, default=200, help="questions in total (default 200)")
    parser.add_argument(
        "--generator", default="none", help="QA_GENERATOR_MODEL for the server (default none)"
    )
    parser.add_argument("--url", help="use this running server instead of starting one")
    parser.add_argument("--docs", default=str(ROOT / "seeds"), help="document folder (default seeds/)")
    parser.add_argument("--index", help="index folder for the started server (default: a temporary one)")
    parser.add_argument(
        "--gold", default=str(ROOT / "evals" / "gold.jsonl"), help="where the questions come from"
    )
    parser.add_argument("--no-reference", action="store_true", help="skip asking each question alone first")
    parser.add_argument("--timeout", type=float, default=900, help="seconds to wait for the server to start")
    parser.add_argument("--name", default="LOADTEST", help="report file names: NAME.md, NAME.json")
    parser.add_argument(
        "--out", default=str(ROOT / "evals"), help="where LOADTEST.md/.json go (default evals/)"
    )
    args = parser.parse_args(argv)

    distinct = gold_questions(Path(args.gold))
    questions = [distinct[i % len(distinct)] for i in range(args.questions)]
    # Without a generator answers are deterministic, so each can be compared with the one given alone.
    check_alone = not args.no_reference and args.generator == "none"

    @contextmanager
    def given(url):
        yield url

    server = (
        given(args.url)
        if args.url
        else app_server(
            args.generator, Path(args.docs), Path(args.index) if args.index else None, args.timeout
        )
    )
    with server as url:
        reference = reference_answers(url, sorted(set(questions))) if check_alone else None
        summary = run_load(url, questions, args.clients, reference)
    command = " ".join(argv if argv is not None else sys.argv[1:])
    md, js = write_report(
        summary, {"generator": args.generator, "command": command}, Path(args.out), args.name
    )
    lat = summary["latency_s"]
    print(
        f"{summary['requests']} requests from {summary['clients']} clients: {summary['failed']} failed, "
        f"{summary['wrong_question']} wrong question, {summary['differs_from_alone']} differ from alone; "
        f"p50 {lat['p50']} s, p95 {lat['p95']} s -> {md}, {js}"
    )
    return 0 if passed(summary) else 1


if __name__ == "__main__":
    sys.exit(main())
