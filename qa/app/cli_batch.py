"""`qa ask --batch FILE`: JSONL questions in, one JSON object (or one line) per question out.

A line that is not UTF-8 JSON with a "question", or a question the pipeline refuses, becomes an error
line and the batch goes on; the exit status is 1 if any line failed.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass

from qa.app.terminal import say, to_json
from qa.errors import InputError


@dataclass(frozen=True)
class BatchItem:
    line: int  # 1-based line of the batch file
    id: str | None
    question: object  # as given; the pipeline checks it
    error: str = ""  # why the line is not a question ("" when it is one)


def _open_batch(path: str):
    """The batch as bytes, so that a bad byte is one bad line rather than a decoding error for all."""
    if path == "-":
        return getattr(sys.stdin, "buffer", None) or io.BytesIO(sys.stdin.read().encode("utf-8", "replace"))
    try:
        return open(path, "rb")
    except OSError as e:
        raise InputError(f"cannot read the batch file {path} ({e.strerror or e})") from None


def batch_items(path: str) -> Iterator[BatchItem]:
    """Every non-blank line of a JSONL batch; a line that is not valid UTF-8 or not a JSON object
    with a "question" becomes an item with an error, and the batch goes on."""
    with _open_batch(path) as stream:
        for number, raw in enumerate(stream, 1):
            if not raw.strip():
                continue
            expected = 'expected {"id": ..., "question": "..."}'
            try:
                item = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError as e:
                yield BatchItem(
                    number, None, None, f"line {number} is not UTF-8 (byte {e.start + 1}): {expected}"
                )
                continue
            except ValueError:
                yield BatchItem(number, None, None, f"line {number} is not JSON: {expected}")
                continue
            if not isinstance(item, dict) or "question" not in item:
                yield BatchItem(number, None, None, f"line {number}: {expected}")
                continue
            qid = item.get("id")
            yield BatchItem(number, None if qid is None else str(qid), item["question"])


def ask_batch(pipeline, args) -> int:
    """One output line per input line, in order; bad lines and bad questions are error lines."""
    failures = 0
    for item in batch_items(args.batch):
        out = {"id": item.id, "question": item.question, "error": item.error}
        if not item.error:
            try:
                out = pipeline.ask(item.question).to_dict(id=item.id)
            except InputError as e:  # one bad question does not stop the batch
                out["error"] = str(e)
        if "error" in out:
            failures += 1
            out["line"] = item.line
        if args.json:
            print(to_json(out), flush=True)
        else:
            say(f"[{item.id}] {out.get('answer', out.get('error'))}")
    return 1 if failures else 0
