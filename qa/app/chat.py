"""The chat's event handlers: answer (streaming, until stopped), regenerate, clear.

The conversation history used for follow-ups is a gr.State of [question, answer, chat index]
turns; every way of clearing the chat empties it, and regenerating drops the turns it replaces.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable

import gradio as gr

from qa.answer.pipeline import Pipeline
from qa.app.library import Library, titles
from qa.app.render import render_answer, render_passages
from qa.app.stopping import StopRequests, until_stopped
from qa.errors import QAError

log = logging.getLogger(__name__)

FAILED = (
    "Something went wrong while answering this question; it is logged on the server. "
    "Other conversations are not affected: try again, or rephrase the question."
)
NO_PASSAGES = "_Ask a question to see the passages._"
NO_SOURCE = ""


def live(source: Pipeline | Library) -> Callable[[], Pipeline]:
    """A function giving the pipeline to answer with now (a Library's changes as files are added)."""
    if isinstance(source, Library):
        return lambda: source.pipeline
    return lambda: source


def chat_handler(source: Pipeline | Library, stops: StopRequests | None = None):
    """The chat's answer handler: streams (chat, history, passages, box) updates for one message.

    `token` names the answer in `stops`: once Stop sets its flag, the answer ends at once, the
    half-written text kept and marked (see qa/app/stopping.py for why this is not Gradio's cancel).
    A failure stays inside its own conversation: a user error (QAError) or an unexpected one is
    shown in that chat's last bubble, the history is left as it was, and the server goes on.
    """
    pipeline_now = live(source)
    stops = stops or StopRequests()

    def respond(message: str, chat: list, history: list, token: str | None = None):
        chat, history = list(chat or []), list(history or [])
        stop = stops.flag(token)
        if not (message or "").strip():  # Enter in an empty box: nothing to ask, nothing to show
            stops.forget(token)
            yield chat, history, gr.update(), message or ""
            return
        chat.append({"role": "user", "content": html.escape(message)})
        chat.append({"role": "assistant", "content": "…"})
        yield chat, history, gr.update(), ""
        try:
            pipeline = pipeline_now()
            draft, answered = "", False
            turns = [(h[0], h[1]) for h in history]
            for event in until_stopped(pipeline.stream(message, turns), stop):
                if event.kind == "token":
                    draft += event.text
                    chat[-1] = {"role": "assistant", "content": html.escape(draft) + " …"}
                    yield chat, history, gr.update(), ""
                else:
                    answered, answer = True, event.answer
                    shown = render_answer(answer, titles(pipeline.retriever.store))
                    chat[-1] = {"role": "assistant", "content": shown}
                    history.append(
                        [answer.standalone_question or answer.question, answer.text, len(chat) - 2]
                    )
                    yield chat, history, render_passages(answer), ""
            if stop.is_set() and not answered:
                yield stopped(chat), history, gr.update(), ""
        except QAError as e:
            chat[-1] = {"role": "assistant", "content": f"⚠️ {html.escape(str(e))}"}
            yield chat, history, gr.update(), message
        except Exception:
            log.exception("chat request failed")
            chat[-1] = {"role": "assistant", "content": f"⚠️ {FAILED}"}
            yield chat, history, gr.update(), message
        finally:
            stops.forget(token)

    return respond


def retry_handler(respond):
    """Regenerate: ask the last question again, replacing its answer and forgetting that turn."""

    def retry(chat: list, history: list, token: str | None = None):
        chat, history = list(chat or []), list(history or [])
        users = [i for i, m in enumerate(chat) if m.get("role") == "user"]
        if not users:
            yield chat, history, gr.update(), ""
            return
        last = users[-1]
        message = html.unescape(message_text(chat[last]))
        kept = [h for h in history if len(h) < 3 or h[2] < last]
        yield from respond(message, chat[:last], kept, token)

    return retry


def message_text(message: dict) -> str:
    """The text of a chat message, whether Gradio gives its content as a string or as parts."""
    content = message.get("content", "")
    if isinstance(content, str):
        return content
    parts = content if isinstance(content, list) else [content]
    return "".join(p.get("text", "") for p in parts if isinstance(p, dict))


def cleared():
    """Every way of clearing (the chat's trash icon, "New conversation"): no messages, no history."""
    return [], [], NO_PASSAGES, NO_SOURCE


def stopped(chat: list):
    """A stopped answer: the half-written text stays, marked, and is not remembered for follow-ups."""
    chat = list(chat or [])
    if chat and chat[-1].get("role") == "assistant":
        text = message_text(chat[-1]).removesuffix(" …").removesuffix("…")
        chat[-1] = {"role": "assistant", "content": f"{text} ⏹ _stopped_".strip()}
    return chat


def input_state(text: str, limit: int):
    """(Ask button, character count) for the question box: Ask only with words within the limit."""
    n = len(text or "")
    over = n > limit
    label = f"{n:,} / {limit:,} characters" + (" — too long: shorten the question" if over else "")
    css = "qa-over" if over else ""
    return (
        gr.update(interactive=bool((text or "").strip()) and not over),
        f'<div id="count-text" class="{css}">{label}</div>',
    )
