"""What every generator backend is: a one-method protocol over chat messages; and what the two
local backends (transformers, llama.cpp) share: a model loaded once, on first use or by warm_up."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import Protocol

Messages = list[dict[str, str]]  # [{"role": "system"|"user"|"assistant", "content": str}]


class Generator(Protocol):
    name: str

    def stream(self, messages: Messages) -> Iterator[str]:
        """Pieces of the reply as they are decoded; their concatenation is the whole reply."""
        ...


class LocalGenerator(ABC):
    """A backend that loads its model once: by warm_up() (the web page calls it in the background)
    or on the first stream(), whichever comes first; the other waits for that load.

    Subclasses say where the model is (prepare: quick, verifies the files), how it loads (_load),
    whether it has (loaded) and how a reply streams (stream).
    """

    name: str

    def __init__(self) -> None:
        self._load_lock = threading.Lock()
        self._path = None  # what prepare() found

    @abstractmethod
    def prepare(self):
        """The model's files, verified but not loaded: a missing or damaged model fails here."""

    @abstractmethod
    def _load(self, path) -> None: ...

    @property
    @abstractmethod
    def loaded(self) -> bool: ...

    @abstractmethod
    def stream(self, messages: Messages) -> Iterator[str]: ...

    def warm_up(self) -> None:
        with self._load_lock:  # the chat may load in the background while a question asks for it
            if not self.loaded:
                self._load(self._path or self.prepare())

    def generate(self, messages: Messages) -> str:
        return "".join(self.stream(messages))
