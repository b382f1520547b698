"""Cold and warm start of the chat: `python app.py` in a subprocess, timed until its page answers
and until it answers a question (a cold start builds the index after the page is up).

Cold: an empty model cache and no index (the generator is converted, the index built).
Warm: the same folders again. After the start one question goes through the HTTP API, then the
app's peak resident memory (VmHWM, Linux) is read before it is stopped. The OS file cache stays
warm in both cases (the wheels' files were read before); a truly cold disk adds its read time.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from qa.evaluation.machine import free_port

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "What was Jiangxi's 2020 recovered fund amount?"


def peak_rss_mb(pid: int) -> float | None:
    """Peak resident set size of a live process (Linux VmHWM), in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _wait_ready(url: str, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the app exited with code {proc.returncode} before it was ready")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"the app was not ready within {timeout:.0f} s")


def _wait_for_generator(url: str, proc: subprocess.Popen, start: float, timeout: float) -> float | None:
    """Seconds from start until /api/status shows the generator step settled: loaded (or off), else
    None when it failed or did not settle in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(url + "api/status", timeout=2) as response:
                steps = {s["name"]: s["state"] for s in json.load(response)["steps"]}
        except (OSError, ValueError, KeyError):
            steps = {}
        state = steps.get("generator")
        if state in ("done", "off"):
            return time.perf_counter() - start
        if state == "failed":
            return None
        time.sleep(0.2)
    return None


NOT_READY = "still starting"  # qa.app.library.NotReady: the index or models are still loading


def _ask(url: str, timeout: float) -> float:
    """Seconds for one answer through the /ask endpoint, asked again while the app replies that it
    is still starting (it serves its page before a cold index is built)."""
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    client = Client(url, verbose=False)
    deadline = time.monotonic() + timeout
    while True:
        t = time.perf_counter()
        try:
            client.predict(QUESTION, api_name="/ask")
            return time.perf_counter() - t
        except AppError as e:
            if NOT_READY not in str(e):
                raise RuntimeError(f"the app refused the question: {e}") from e
            if time.monotonic() > deadline:
                raise TimeoutError(f"the app was still starting after {timeout:.0f} s") from e
        time.sleep(0.2)


def start_app(env_overrides: dict[str, str], cache_dir: Path, index_dir: Path, timeout: float = 900) -> dict:
    """Start app.py with these folders; seconds to ready, first answer, peak RSS."""
    port = free_port()
    env = {
        **os.environ,
        **env_overrides,
        "QA_CACHE_DIR": str(cache_dir),
        "QA_INDEX_DIR": str(index_dir),
        "QA_PORT": str(port),
        "QA_HOST": "127.0.0.1",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
    }
    env.pop("QA_AUTH", None)
    url = f"http://127.0.0.1:{port}/"
    log = tempfile.TemporaryFile()
    t = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        _wait_ready(url, proc, timeout)
        ready_s = time.perf_counter() - t
        answer_s = _ask(url, timeout)
        answering_s = time.perf_counter() - t
        # The page answers before the generator has loaded (in the background); memory peaks after.
        loaded_s = _wait_for_generator(url, proc, t, timeout)
        return {
            "ready_s": ready_s,
            "first_answer_s": answer_s,
            "answering_s": answering_s,
            "generator_loaded_s": loaded_s,
            "peak_rss_mb": peak_rss_mb(proc.pid),
        }
    except (RuntimeError, TimeoutError) as e:
        log.seek(0)
        tail = log.read().decode(errors="replace")[-600:]
        return {"error": f"{e}; app output ends: {tail}"}
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _build_index(index_dir: Path, env: dict[str, str]) -> None:
    """Build the seed index in-process, so a warm-only start finds it ready."""
    from qa.config import load_settings
    from qa.index.indexer import build_index
    from qa.retrieval.embedding import SentenceTransformerEmbedder

    settings = load_settings(docs_dir=ROOT / "seeds", index_dir=index_dir)
    build_index(settings, SentenceTransformerEmbedder(settings.embedding_model), progress=False)


def run_startup(
    rows: dict[str, dict[str, str]], cold: bool = True, warm_cache: Path | None = None, progress=print
) -> dict[str, Any]:
    """{row: {"cold": {...}, "warm": {...}}} for each row of QA_* environment overrides.

    cold=False measures the warm start only, with `warm_cache` (the user's converted models) and a
    freshly built index.
    """
    out: dict[str, Any] = {}
    for name, env in rows.items():
        with tempfile.TemporaryDirectory(prefix="qa-bench-start-") as tmp:
            index = Path(tmp) / "index"
            row: dict[str, Any] = {"env": env}
            if cold:
                cache = Path(tmp) / "cache"
                progress(f"startup: {name}, cold (empty model cache, no index)")
                row["cold"] = start_app(env, cache, index)
            else:
                cache = Path(warm_cache or Path(tmp) / "cache")
                _build_index(index, env)
            progress(f"startup: {name}, warm")
            row["warm"] = start_app(env, cache, index)
            out[name] = row
            progress(f"startup: {name}: {json.dumps(row)}")
    return out
