"""Reusing the key/value cache of the prompt's fixed turns (transformers backend).

Model tier: the packaged Qwen on the verified pipeline's own prompts. With greedy decoding the text
must be the one computed from scratch, whatever was asked before. The cache copy is also checked
model-free on a small DynamicCache.
"""

from __future__ import annotations

import pytest

from qa.answer.prompting import plain_prompt
from qa.generation.generator import TransformersGenerator
from qa.generation.prefix_cache import PrefixCache, copy_cache, earlier_turns
from tests.conftest import gold_prompts


@pytest.fixture
def generator(model_pipeline):
    generator = model_pipeline.generator
    if not isinstance(generator, TransformersGenerator):
        pytest.skip("the session's generator is not the transformers backend")
    yield generator
    generator.reuse_prefix = True


def from_scratch(generator: TransformersGenerator, messages) -> str:
    generator.reuse_prefix = False
    try:
        return generator.generate(messages)
    finally:
        generator.reuse_prefix = True


@pytest.mark.model
def test_two_questions_in_a_row_start_from_the_prefix_and_get_the_text_from_scratch(
    generator, model_pipeline
):
    prompts = gold_prompts(model_pipeline, 2)
    before = generator._prefix.reused
    reused = [generator.generate(messages) for messages in prompts]
    assert generator._prefix.reused == before + 2
    assert reused == [from_scratch(generator, messages) for messages in prompts]
    assert all(reused)


@pytest.mark.model
def test_generation_leaves_the_kept_prefix_as_it_was(generator, model_pipeline):
    (messages,) = gold_prompts(model_pipeline, 1)
    generator.generate(messages)
    cached = generator._prefix.cached
    assert cached.turns == earlier_turns(messages)
    # the system prompt and both few-shot turns, up to the last user turn's text
    assert cached.past.get_seq_length() == len(cached.token_ids) > 150
    assert generator._tokenizer.decode(cached.token_ids).endswith("<|im_start|>user\n")
    generator.generate(messages)
    assert cached.past.get_seq_length() == len(cached.token_ids)


@pytest.mark.model
def test_a_prompt_with_other_earlier_turns_gets_its_own_prefix(generator, model_pipeline):
    (evidence,) = gold_prompts(model_pipeline, 1)
    plain = plain_prompt(
        "What was Jiangxi's 2020 recovered fund amount?",
        ["In 2020, Jiangxi recovered 723 million yuan of misused medical insurance funds."],
    )
    generator.generate(evidence)
    reply = generator.generate(plain)
    assert generator._prefix.cached.turns == earlier_turns(plain)
    assert reply == from_scratch(generator, plain)
    assert "723" in reply


def test_the_copy_of_a_cache_holds_the_same_keys_and_values_and_grows_on_its_own():
    import torch
    from transformers import DynamicCache

    cache = DynamicCache()
    for layer in range(3):
        cache.update(torch.randn(1, 2, 5, 4), torch.randn(1, 2, 5, 4), layer)
    twin = copy_cache(cache)
    assert twin.get_seq_length() == cache.get_seq_length() == 5
    for a, b in zip(cache.layers, twin.layers, strict=True):
        assert torch.equal(a.keys, b.keys) and torch.equal(a.values, b.values)
        assert a.keys.data_ptr() != b.keys.data_ptr()
    twin.update(torch.randn(1, 2, 1, 4), torch.randn(1, 2, 1, 4), 0)  # what generate does to it
    twin.layers[1].keys.zero_()
    assert twin.get_seq_length() == 6 and cache.get_seq_length() == 5
    assert cache.layers[1].keys.abs().sum() > 0


class CharTokenizer:
    """A chat template of one token per character: role, then content."""

    def apply_chat_template(self, messages, **kwargs):
        return {"input_ids": [ord(c) for m in messages for c in f"<{m['role']}>{m['content']}"]}


class CountingModel:
    """Fills the cache it is given with one position per input token; counts its calls."""

    config = None
    calls = 0

    def __call__(self, input_ids, cache, **kwargs):
        import torch

        self.calls += 1
        n = input_ids.shape[1]
        cache.update(torch.zeros(1, 1, n, 2), torch.zeros(1, 1, n, 2), 0)


def prompt(system: str, question: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": system}, {"role": "user", "content": question}]


def test_two_prompt_kinds_on_one_model_keep_their_own_prefixes():
    tokenizer, model = CharTokenizer(), CountingModel()
    cache = PrefixCache(model, tokenizer, max_prefixes=2)
    kinds = ["Answer from the numbered sentences.", "Answer using the context."]
    for question in ("q1", "q2", "q3"):
        for system in kinds:  # alternating, as the benchmark's rows do
            messages = prompt(system, question)
            past = cache.past_for(messages, tokenizer.apply_chat_template(messages)["input_ids"])
            assert past.get_seq_length() == len(f"<system>{system}<user>")
    assert model.calls == cache.built == 2 and cache.reused == 6
    cache.past_for(
        prompt("A third kind.", "q"), tokenizer.apply_chat_template(prompt("A third kind.", "q"))["input_ids"]
    )
    assert [c.turns[0][1] for c in cache.kept.values()] == [kinds[1], "A third kind."]  # oldest dropped
