"""Gradio's request queue without its busy polling: an idle server should use no CPU.

Gradio 6's queue polls for work every 1 ms while it has none (`Queue.sleep_when_free`, 0.001 s off
Windows) and for progress updates every 10 ms: about 1,100 wake-ups a second, which kept an idle
`python app.py` at ~7% of a core (measured per thread through /proc: all of it on the thread running
the event loop). Measured on the event-loop thread of a server with nothing to do, 20 s each
(tests' fake pipeline, shared 2-core machine): Gradio's defaults 5.9% of a core; polling every 20 ms
1.0%, every 50 ms 0.55%, every 100 ms 0.20% (uvicorn's own 10 ticks a second remain). 50 ms is
chosen: a request through the page's queue waits at most 50 ms (25 on average) before it starts,
small beside answering it, and the idle server is ten times quieter.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

QUEUE_POLL_SECONDS = 0.05  # Gradio's default off Windows: 0.001 (and 0.05 on Windows)
PROGRESS_POLL_SECONDS = 0.5  # Gradio's default off Windows: 0.01; the page shows no progress bars


def calm_queue(demo) -> None:
    """Slow the polling of demo's queue (call after demo.queue()); a Gradio without these knobs is
    left as it is, with a warning."""
    queue = getattr(demo, "_queue", None)
    if queue is None or not hasattr(queue, "sleep_when_free"):
        log.warning("this Gradio's queue has no sleep_when_free: an idle server may poll busily")
        return
    queue.sleep_when_free = QUEUE_POLL_SECONDS
    queue.progress_update_sleep_when_free = PROGRESS_POLL_SECONDS
