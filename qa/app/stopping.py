"""Stop for the answer being written: a flag the Stop button sets and the chat handler reads.

Why not Gradio's `cancels=`: the browser cancels by posting /cancel and then /reset, and marks the
answer event complete once both have returned. /cancel also puts an empty "process_completed"
message (`"output": {}`) on the page's event stream, and Gradio's page reads it as the answer
event's data: reading outputs from nothing fails, and the event is marked "error", which lays
Gradio's error layer over every output of the answer (the chat and the question box). When the
event stream is quicker than the two requests, the "complete" mark comes later and clears it; when
it is slower (a busy server or network), the error layer stays over the chat for good.

Here nothing is cancelled: Stop (a queue-free request, so it never waits behind an answer) sets the
answer's flag, and the handler ends its answer as usual, within a tenth of a second even while the
pipeline is still busy (loading the generator, reading the prompt); the pipeline's own steps go on
in the background until their next piece, then stop.
"""

from __future__ import annotations

import logging
import queue
import threading
import uuid
from collections.abc import Iterable, Iterator
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
POLL_SECONDS = 0.1  # how soon an answer ends after Stop while the pipeline has nothing new
MAX_PENDING = 1024  # flags kept for answers asked but never run (a request dropped on the way)


class StopRequests:
    """A stop flag per answer, named by a token the page holds while the answer is asked and written.

    >>> stops = StopRequests()
    >>> token = stops.new()
    >>> stops.stop(token)
    >>> stops.flag(token).is_set(), stops.flag("unknown").is_set()
    (True, False)
    """

    def __init__(self) -> None:
        self._flags: dict[str, threading.Event] = {}  # token -> its answer's flag, oldest first
        self._lock = threading.Lock()

    def new(self) -> str:
        """A token for an answer about to be asked (Stop may come before it starts)."""
        token = uuid.uuid4().hex
        with self._lock:
            self._flags[token] = threading.Event()
            while len(self._flags) > MAX_PENDING:
                self._flags.pop(next(iter(self._flags)))
        return token

    def stop(self, token: str | None) -> None:
        """Ask the answer of `token` to stop; an unknown or finished one is left alone."""
        with self._lock:
            flag = self._flags.get(token or "")
        if flag is not None:
            flag.set()

    def flag(self, token: str | None) -> threading.Event:
        """The flag of `token`'s answer (a new, never set one for an unknown token)."""
        with self._lock:
            return self._flags.get(token or "") or threading.Event()

    def forget(self, token: str | None) -> None:
        """The answer is over: its flag is no longer needed."""
        with self._lock:
            self._flags.pop(token or "", None)


def until_stopped(items: Iterable[T], stop: threading.Event, poll: float = POLL_SECONDS) -> Iterator[T]:
    """The items of `items`, read on a worker thread, ending as soon as `stop` is set: within `poll`
    seconds even while the next item is still being made. An exception raised while reading is
    raised here.

    Not handled: a step already running is not interrupted (Python cannot interrupt a thread); the
    worker stops reading, and closes `items`, when that step returns.

    >>> list(until_stopped(iter([1, 2, 3]), threading.Event()))
    [1, 2, 3]
    >>> stop = threading.Event(); stop.set()
    >>> list(until_stopped(iter([1, 2, 3]), stop))
    []
    """
    if stop.is_set():  # stopped before it began (while waiting for its turn): nothing is read
        return
    handoff: queue.Queue = queue.Queue()  # ("item", value) | ("error", exception) | ("end", None)
    gone = threading.Event()  # the reader has left (stopped, or closed by its own caller)

    def work() -> None:
        source = iter(items)
        try:
            for item in source:
                handoff.put(("item", item))
                if stop.is_set() or gone.is_set():
                    break
        except Exception as e:  # the reader raises it as its own
            handoff.put(("error", e))
        finally:
            try:
                getattr(source, "close", lambda: None)()
            except Exception:
                log.exception("closing a stopped answer failed")
            handoff.put(("end", None))

    threading.Thread(target=work, name="qa-answer", daemon=True).start()
    try:
        while not stop.is_set():
            try:
                kind, value = handoff.get(timeout=poll)
            except queue.Empty:
                continue
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        gone.set()
