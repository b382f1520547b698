"""What every generator backend is: a one-method protocol over chat messages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

Messages = list[dict[str, str]]  # [{"role": "system"|"user"|"assistant", "content": str}]


class Generator(Protocol):
    name: str

    def stream(self, messages: Messages) -> Iterator[str]:
        """Pieces of the reply as they are decoded; their concatenation is the whole reply."""
        ...
