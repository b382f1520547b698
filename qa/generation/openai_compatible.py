"""A generator served elsewhere: any server with an OpenAI-compatible chat API (QA_GENERATOR_URL).

llama.cpp's `llama-server`, vLLM, Ollama, LM Studio and others serve `POST {url}/chat/completions`;
this sends the pipeline's messages there with streaming on and yields the text as it comes. The
answer is verified against the cited lines like any other generator's. Document text goes to that
server, so point it at a machine you trust (the tests use a fake server on 127.0.0.1).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

from qa.errors import ModelError
from qa.generation.protocol import Messages

log = logging.getLogger(__name__)


class OpenAICompatibleGenerator:
    """stream(messages) through an OpenAI-compatible /chat/completions endpoint, greedy decoding."""

    def __init__(self, url: str, model: str, max_new_tokens: int = 48, timeout: float = 120.0):
        self.url = url.rstrip("/")
        self.model = model
        self.name = f"{model} at {self.url}"
        self.max_new_tokens = max_new_tokens
        self.timeout = timeout

    @classmethod
    def from_settings(cls, settings) -> OpenAICompatibleGenerator:
        # The packaged default names no served model; servers that serve one model ignore the name.
        model = settings.generator_model.removeprefix("packaged:")
        return cls(settings.generator_url, model, settings.max_new_tokens)

    def stream(self, messages: Messages) -> Iterator[str]:
        """Pieces of the reply as the server sends them (server-sent events)."""
        import httpx

        body = {
            "model": self.model,
            "messages": messages,
            "stream": True,
            "max_tokens": self.max_new_tokens,
            "temperature": 0,
        }
        try:
            with httpx.stream("POST", f"{self.url}/chat/completions", json=body, timeout=self.timeout) as r:
                if r.status_code != 200:
                    detail = r.read().decode("utf-8", "replace")[:200]
                    raise ModelError(
                        f"the generator server at {self.url} answered {r.status_code}: {detail}: "
                        "check QA_GENERATOR_URL and QA_GENERATOR_MODEL"
                    )
                yield from _pieces(r.iter_lines(), self.url)
        except httpx.HTTPError as e:
            raise ModelError(
                f"cannot reach the generator server at {self.url} ({e}): start it, or unset QA_GENERATOR_URL"
            ) from e


def _pieces(lines: Iterator[str], url: str) -> Iterator[str]:
    """The text of each `data: {...}` event until `data: [DONE]`.

    >>> list(_pieces(iter(['data: {"choices": [{"delta": {"content": "Hi"}}]}', "", "data: [DONE]"]), "u"))
    ['Hi']
    """
    for line in lines:
        if not line.startswith("data:"):
            continue  # blank separators, comments (": keep-alive"), event names
        data = line[5:].strip()
        if data == "[DONE]":
            return
        try:
            choice = json.loads(data)["choices"][0]
        except (ValueError, KeyError, IndexError, TypeError):
            raise ModelError(
                f"the generator server at {url} sent an event that is not a chat chunk: {data[:200]}"
            ) from None
        piece = (choice.get("delta") or {}).get("content")
        if piece:
            yield piece
