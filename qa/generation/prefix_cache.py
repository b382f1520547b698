"""The key/value cache of the turns a prompt starts with, computed once and reused (transformers).

Every evidence prompt starts with the same system prompt and few-shot turns (qa/answer/prompting.py);
only the last user turn changes. Prefill of those ~180 tokens is the same work for every
question, so it is done once and each generation starts from a copy of its keys and values.
llama.cpp needs none of this: it keeps the previous prompt's cache and reuses the common prefix
on its own (see qa/generation/llama_generation.py).

A few prefixes are kept at once (the evidence prompt's and the plain baseline's, when one model
serves both, as in the benchmark), the least recently used dropped first; each is a few MB.
What is not handled: prompts whose earlier turns change every time (nothing to reuse).
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qa.generation.protocol import Messages


def common_prefix_length(a: list[int], b: list[int]) -> int:
    """
    >>> common_prefix_length([1, 2, 3], [1, 2, 4, 5]), common_prefix_length([], [1])
    (2, 0)
    """
    n = 0
    for x, y in zip(a, b, strict=False):  # the shorter one ends the prefix
        if x != y:
            break
        n += 1
    return n


def earlier_turns(messages: Messages) -> tuple[tuple[str, str], ...]:
    """The turns before the last one, as a hashable key.

    >>> earlier_turns([{"role": "system", "content": "s"}, {"role": "user", "content": "q"}])
    (('system', 's'),)
    """
    return tuple((m["role"], m["content"]) for m in messages[:-1])


def copy_cache(past):
    """An independent copy of a transformers DynamicCache: each layer's keys and values cloned.

    copy.deepcopy gives the same tensors but walks every attribute through the pickle machinery:
    7 ms for Qwen's 24 layers x 175 positions on a calm machine, 0.4-0.6 s when the 2 cores were
    busy, against under 1 ms for the clones (evals/FIRST-TOKEN.md).
    """
    twin = copy.copy(past)  # the cache's own settings (offloading, layer class), shared: not mutated
    twin.layers = []
    for layer in past.layers:
        layer_twin = copy.copy(layer)
        if getattr(layer, "keys", None) is not None:
            layer_twin.keys, layer_twin.values = layer.keys.clone(), layer.values.clone()
        twin.layers.append(layer_twin)
    return twin


@dataclass
class CachedPrefix:
    turns: tuple[tuple[str, str], ...]  # the earlier turns this cache was computed for
    token_ids: list[int]  # their tokens as the chat template renders them, up to the last turn's text
    past: Any  # transformers DynamicCache holding len(token_ids) positions; never handed out itself


class PrefixCache:
    """Keeps the caches of a few prompt prefixes for a transformers model; not thread-safe (the
    caller holds the generator's lock)."""

    def __init__(self, model, tokenizer, max_prefixes: int = 4):
        self.model = model
        self.tokenizer = tokenizer
        # One prefix only made two prompt kinds on one model (the benchmark's plain baseline and
        # evidence rows) rebuild each other's ~175-token prefix on every question.
        self.max_prefixes = max_prefixes
        self.kept: OrderedDict[tuple, CachedPrefix] = OrderedDict()  # earlier turns -> prefix, oldest first
        self.reused = 0  # generations that started from a copy of a cached prefix
        self.built = 0  # prefixes computed

    @property
    def cached(self) -> CachedPrefix | None:
        """The prefix used last."""
        return next(reversed(self.kept.values()), None)

    def prefix_ids(self, messages: Messages) -> list[int]:
        """Tokens shared by every prompt with these earlier turns: the template rendered with two
        different last turns, cut where they part (so nothing of the last turn's text is included)."""
        renders = [
            self.tokenizer.apply_chat_template(
                messages[:-1] + [{"role": messages[-1]["role"], "content": probe}],
                add_generation_prompt=True,
                tokenize=True,
                return_dict=True,
            )["input_ids"]
            for probe in ("a", "b")
        ]
        return list(renders[0][: common_prefix_length(list(renders[0]), list(renders[1]))])

    def past_for(self, messages: Messages, input_ids: list[int]):
        """A fresh copy of the prefix cache for a prompt with these messages and tokens, or None
        when the prompt does not start with a reusable prefix (generate then starts from scratch)."""
        import torch
        from transformers import DynamicCache

        turns = earlier_turns(messages)
        if not turns:
            return None
        if turns not in self.kept:
            ids = self.prefix_ids(messages)
            if not ids:
                return None
            past = DynamicCache(config=self.model.config)  # the cache kind generate would make
            with torch.inference_mode():
                # logits_to_keep=1: logits at every prefix position would cost a vocabulary-wide matmul each.
                self.model(input_ids=torch.tensor([ids]), cache=past, use_cache=True, logits_to_keep=1)
            self.kept[turns] = CachedPrefix(turns, ids, past)
            self.built += 1
            while len(self.kept) > self.max_prefixes:
                self.kept.popitem(last=False)
        self.kept.move_to_end(turns)
        ids = self.kept[turns].token_ids
        # generate needs at least one prompt token of its own to compute the first logits.
        if len(input_ids) <= len(ids) or input_ids[: len(ids)] != ids:
            return None
        self.reused += 1
        return copy_cache(self.kept[turns].past)  # generate appends to the cache it is given
