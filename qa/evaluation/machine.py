"""Where and when a run happened: the commit of this package's repository, the machine and its load;
and a free loopback port for a server a benchmark starts. Shared by `qa eval` and the evals/ runners.

Rank percentiles for benchmark summaries are in qa/evaluation/metrics.py, beside `percentile`.
"""

from __future__ import annotations

import os
import platform
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]  # the checkout holding this package (for git)
CPU_NAME_KEYS = ("model name", "hardware", "cpu model")  # x86, then ARM and MIPS spellings


def _git(*args: str) -> str:
    """git's output in the checkout holding this package; "" when git or the checkout is missing."""
    try:
        out = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip()


def git_commit(changes: str = "") -> str:
    """Short hash of HEAD of the repository holding this package, or "unknown"; `changes` is
    appended when qa/ has uncommitted changes (a run of code that no commit holds)."""
    sha = _git("rev-parse", "--short", "HEAD") or "unknown"
    if changes and _git("status", "--porcelain", "qa"):
        sha += changes
    return sha


def _proc(name: str) -> str:
    """Text of /proc/<name> ("" where there is none: not Linux, or not readable)."""
    try:
        return Path("/proc", name).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def cpu_name() -> str:
    """The CPU model (from /proc/cpuinfo where there is one), else what platform knows, else "unknown"."""
    for line in _proc("cpuinfo").splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() in CPU_NAME_KEYS and value.strip():
            return value.strip()
    return platform.processor() or "unknown"


def cpu_flag(flag: str) -> bool:
    """Whether /proc/cpuinfo lists the flag (e.g. avx512_bf16); False where it cannot be read."""
    return flag in _proc("cpuinfo")


def ram_gb() -> float | None:
    """Total memory in GB (/proc/meminfo), to one decimal; None where it cannot be read."""
    for line in _proc("meminfo").splitlines():
        if line.startswith("MemTotal"):
            return round(int(line.split()[1]) / 1024**2, 1)
    return None


def load_average(digits: int | None = None) -> list[float]:
    """The 1, 5 and 15 minute load averages, rounded to `digits` if given: above the core count,
    other work shared the CPU and absolute times are inflated."""
    loads = list(os.getloadavg())
    return loads if digits is None else [round(x, digits) for x in loads]


def load_text() -> str:
    """The load averages for a sentence: "1.2, 0.9, 0.7"."""
    return ", ".join(f"{x:.1f}" for x in load_average())


def machine() -> dict[str, Any]:
    """What a benchmark report says of the machine: CPU model and cores, memory, the bf16 flag that
    decides the generator's dtype, Python and platform. The load is the caller's: it changes."""
    return {
        "cpu": cpu_name(),
        "cores": os.cpu_count(),
        "ram_gb": ram_gb(),
        "avx512_bf16": cpu_flag("avx512_bf16"),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def machine_info() -> dict[str, Any]:
    """Platform, Python, CPU count and CPU model: the machine line of `qa eval`'s REPORT.json."""
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_name(),
    }


def library_versions(modules: tuple[str, ...] = ("torch", "transformers", "faiss", "sentence_transformers")):
    """{module: version} of the libraries that set the speed (None: not installed), and llama_cpp's."""
    versions: dict[str, str | None] = {}
    for module in (*modules, "llama_cpp"):
        try:
            versions[module] = __import__(module).__version__
        except (ImportError, AttributeError):
            versions[module] = None
    return versions


def run_meta(module: str, argv: list[str] | None, load_before: str) -> dict[str, str]:
    """When, at which commit, how and on what a benchmark ran, with the load before and after."""
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "commit": git_commit(),
        "command": f"python -m {module} " + " ".join(sys.argv[1:] if argv is None else argv),
        "machine": f"{os.cpu_count()} cores, {cpu_name()}",
        "load_before": load_before,
        "load_after": load_text(),
    }


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that nothing listens on now (the OS picks it), for a server a benchmark starts."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]
