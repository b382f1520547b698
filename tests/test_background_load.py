"""The chat opens before the generator has loaded: quoted answers at once, generated ones after the
load, one load however many questions wait, and a model that cannot load still fails loudly."""

from __future__ import annotations

import logging
import threading

import pytest

from qa.errors import ModelError
from tests.conftest import FakeGenerator, fake_pipeline, fake_settings_for

REPLY = "Jiangxi recovered 723 million yuan in 2020 [1]."
QUESTION = "What was Jiangxi's 2020 recovered fund amount?"


class SlowLoadingGenerator(FakeGenerator):
    """A fake whose model loads only when the test sets `release`; prepare() checks the model's files."""

    def __init__(self, missing: bool = False, broken: bool = False):
        super().__init__(REPLY)
        self.release = threading.Event()
        self.missing, self.broken = missing, broken
        self.loads = 0
        self.loaded = threading.Event()
        self._load_lock = threading.Lock()

    def prepare(self):
        if self.missing:
            raise ModelError("model package fake:missing not found")

    def warm_up(self):
        with self._load_lock:
            if self.loaded.is_set():
                return
            self.loads += 1
            assert self.release.wait(60), "the test never let the model load"
            if self.broken:
                raise ModelError("generator weights are damaged")
            self.loaded.set()

    def stream(self, messages):
        self.warm_up()
        yield from super().stream(messages)


def pipeline_with(tmp_path, docs_copy, generator, generate: str):
    return fake_pipeline(fake_settings_for(tmp_path, docs_copy).replace(generate=generate), generator)


def test_quoted_answers_come_while_the_generator_is_still_loading(tmp_path, docs_copy):
    generator = SlowLoadingGenerator()
    pipeline = pipeline_with(tmp_path, docs_copy, generator, "when-needed")
    pipeline.warm_up(generator_in_background=True)  # returns although the model has not loaded

    answer = pipeline.ask(QUESTION)
    assert "723 million" in answer.text and answer.method == "extractive"
    assert not generator.loaded.is_set() and not generator.entered.is_set()

    generator.release.set()
    assert generator.loaded.wait(10)
    assert generator.loads == 1


def test_answers_that_need_the_generator_wait_for_the_one_load(tmp_path, docs_copy):
    generator = SlowLoadingGenerator()
    pipeline = pipeline_with(tmp_path, docs_copy, generator, "always")
    pipeline.warm_up(generator_in_background=True)
    answers = []
    askers = [threading.Thread(target=lambda: answers.append(pipeline.ask(QUESTION))) for _ in range(2)]
    for asker in askers:
        asker.start()
    askers[0].join(0.3)
    assert not answers and not generator.entered.is_set()  # waiting for the model, not answering without it

    generator.release.set()
    for asker in askers:
        asker.join(30)
    assert [a.method for a in answers] == ["generated", "generated"]
    assert generator.loads == 1


def test_a_missing_generator_fails_the_start_not_the_first_answer(tmp_path, docs_copy):
    pipeline = pipeline_with(tmp_path, docs_copy, SlowLoadingGenerator(missing=True), "when-needed")
    with pytest.raises(ModelError, match="fake:missing not found"):
        pipeline.warm_up(generator_in_background=True)


def test_a_load_that_fails_in_the_background_is_logged_and_answers_fall_back_to_quotes(
    tmp_path, docs_copy, caplog
):
    generator = SlowLoadingGenerator(broken=True)
    generator.release.set()
    pipeline = pipeline_with(tmp_path, docs_copy, generator, "always")
    with caplog.at_level(logging.WARNING, logger="qa"):
        pipeline.warm_up(generator_in_background=True)
        pipeline._generator_loading.join(10)
        assert "the generator did not load: generator weights are damaged" in caplog.text

        answer = pipeline.ask(QUESTION)  # tries the load again, fails again, quotes the line
    assert answer.method == "extractive" and "723 million" in answer.text
    assert "generation failed, answering extractively" in caplog.text
