"""Progress bars are shown only when asked: library calls print nothing of their own.

`qa index` asks for its reading and embedding bars (progress=True). Loading a model through
transformers draws a "Loading weights" bar on every load, asked or not; `quiet_loading` turns it
off for the duration of one load.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()  # the switch is global in transformers: loads in two threads must not interleave it


@contextmanager
def quiet_loading() -> Iterator[None]:
    """No transformers progress bars inside the block; the previous state afterwards."""
    from transformers.utils import logging as hf_logging

    with _lock:
        was_on = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()
        try:
            yield
        finally:
            if was_on:
                hf_logging.enable_progress_bar()
