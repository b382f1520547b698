"""Stopping an answer: the flag per answer, reading a stream until stopped, and the chat handler
ending its answer when Stop comes (before it starts, while it streams, while the pipeline is busy)."""

from __future__ import annotations

import threading
import time

import pytest

from qa.app.chat import chat_handler
from qa.app.stopping import MAX_PENDING, StopRequests, until_stopped
from tests.conftest import FakeGenerator

JIANGXI = "What was Jiangxi's 2020 recovered fund amount?"


def test_each_answer_has_its_own_flag_and_a_finished_one_is_forgotten():
    stops = StopRequests()
    first, second = stops.new(), stops.new()
    stops.stop(first)
    assert stops.flag(first).is_set() and not stops.flag(second).is_set()
    stops.forget(first)
    assert not stops.flag(first).is_set()  # unknown now: a fresh flag
    stops.stop("never issued")  # nothing to stop: no error
    stops.stop(None)


def test_flags_of_answers_that_never_ran_do_not_pile_up():
    stops = StopRequests()
    tokens = [stops.new() for _ in range(MAX_PENDING + 5)]
    stops.stop(tokens[0])
    assert not stops.flag(tokens[0]).is_set()  # the oldest were dropped
    stops.stop(tokens[-1])
    assert stops.flag(tokens[-1]).is_set()


def test_until_stopped_passes_every_item_and_raises_what_the_source_raises():
    def failing():
        yield 1
        raise ValueError("broken")

    stream = until_stopped(failing(), threading.Event())
    assert next(stream) == 1
    with pytest.raises(ValueError, match="broken"):
        next(stream)


def test_until_stopped_ends_while_the_source_is_still_busy_and_closes_it_afterwards():
    busy, closed, stop = threading.Event(), threading.Event(), threading.Event()

    def slow():
        try:
            yield "first"
            busy.wait(10)  # a model reading its prompt
            yield "late"
        finally:
            closed.set()

    stream = until_stopped(slow(), stop, poll=0.02)
    assert next(stream) == "first"
    stop.set()
    started = time.perf_counter()
    assert list(stream) == []
    assert time.perf_counter() - started < 1  # did not wait for the busy step
    busy.set()
    assert closed.wait(5)  # the worker closed the source once its step returned


def test_an_answer_stopped_while_it_waits_for_its_turn_never_runs(make_pipeline):
    generator = FakeGenerator("Jiangxi recovered 723 million yuan [1].")
    stops = StopRequests()
    respond = chat_handler(make_pipeline(generator=generator), stops)
    token = stops.new()
    stops.stop(token)
    *_, (chat, history, _, box) = respond(JIANGXI, [], [], token)
    assert chat[-1]["content"] == "⏹ _stopped_" and "Jiangxi" in chat[0]["content"]  # the question stays
    assert history == [] and box == ""
    assert not generator.entered.is_set()


def test_stop_while_streaming_keeps_the_draft_marked_and_out_of_the_history(make_pipeline):
    gate = threading.Event()
    replies = iter(["Jiangxi recovered", " 723 million yuan [1]."])

    class Halting(FakeGenerator):
        def stream(self, messages):
            yield next(replies)
            gate.wait(10)  # still writing when Stop comes
            yield next(replies)

    stops = StopRequests()
    respond = chat_handler(make_pipeline(generator=Halting()), stops)
    token = stops.new()
    updates = respond(JIANGXI, [], [], token)
    for chat, *_ in updates:
        if chat[-1]["content"].startswith("Jiangxi recovered"):
            break
    stops.stop(token)
    *_, (chat, history, _, _) = list(updates)
    gate.set()
    assert chat[-1]["content"] == "Jiangxi recovered ⏹ _stopped_"
    assert history == []
    assert not stops.flag(token).is_set()  # forgotten once the answer ended
