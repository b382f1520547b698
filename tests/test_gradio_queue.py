"""An idle server uses (almost) no CPU (issue 18, defect 9: it kept ~7% of a core busy)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import fake_pipeline, fake_settings_for, free_port


def _thread_cpu_seconds(native_id: int) -> float:
    stat = Path(f"/proc/self/task/{native_id}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads per-thread CPU time from /proc")
def test_an_idle_server_does_not_poll_busily(tmp_path, docs_copy):
    from qa.app.http_api import start_in_thread
    from qa.app.server import build_server

    pipeline = fake_pipeline(fake_settings_for(tmp_path, docs_copy))
    port = free_port()
    server = start_in_thread(build_server(pipeline, None, port), "127.0.0.1", port)
    try:
        loop = next(t for t in threading.enumerate() if t.name == f"qa-http-{port}")
        time.sleep(1)  # start-up done
        before = _thread_cpu_seconds(loop.native_id)
        time.sleep(5)
        used = _thread_cpu_seconds(loop.native_id) - before
    finally:
        server.should_exit = True
    # Gradio's 1 ms polling used ~0.3-0.4 s of CPU in 5 s here; 50 ms polling ~0.03 s.
    assert used < 0.1, f"the idle event loop used {used:.2f} s of CPU in 5 s"
