"""The Gradio page: a streaming chat whose citations open the cited line, the documents it knows
(with upload and removal), and the start-up progress; plus Gradio API endpoints search/ask/source.

`serve` (qa/app/server.py) mounts the page on the FastAPI app of qa/app/http_api.py, which adds
plain JSON endpoints (/api/…) beside it. Handlers: qa/app/chat.py; HTML: qa/app/render.py.
"""

from __future__ import annotations

import functools
import logging
import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # offline product: no calls home

import gradio as gr  # noqa: E402

from qa.answer.pipeline import Pipeline  # noqa: E402
from qa.app.chat import (  # noqa: E402
    FAILED,
    NO_PASSAGES,
    chat_handler,
    cleared,
    input_state,
    retry_handler,
)
from qa.app.gradio_queue import calm_queue  # noqa: E402
from qa.app.library import Library  # noqa: E402
from qa.app.page_assets import PAGE_ASSETS  # noqa: E402
from qa.app.render import render_answer, render_passages, render_source, render_status  # noqa: E402
from qa.app.stopping import StopRequests  # noqa: E402
from qa.app.web_documents import choices, documents_column, documents_html, wire_documents  # noqa: E402
from qa.errors import InputError, QAError  # noqa: E402

__all__ = ["FAILED", "PAGE_ASSETS", "build_app", "chat_handler", "render_answer", "render_passages"]

log = logging.getLogger(__name__)

EXAMPLES = [
    "What was Jiangxi's 2020 recovered fund amount?",
    "What is the 2023 financing standard for residents' medical insurance?",
    "Which provinces have established long-term care insurance systems?",
    "What was Jiangxi's 2030 recovered fund amount?",
]
GENERATION_SLOTS = 1  # one generation at a time: two on 2 cores only slow each other down


def guarded(fn):
    """A handler whose failures become a clean gr.Error for that request only."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except QAError as e:
            raise gr.Error(str(e)) from e
        except Exception as e:
            log.exception("%s request failed", fn.__name__)
            raise gr.Error(FAILED) from e

    return wrapper


def as_library(source: Pipeline | Library) -> Library:
    """A Library over a ready pipeline (tests and scripts that build one) or the library itself."""
    return source if isinstance(source, Library) else Library(source.settings, pipeline=source)


def build_app(source: Pipeline | Library) -> gr.Blocks:
    """The page; every handler uses the library's live pipeline, so models load once."""
    library = as_library(source)
    with gr.Blocks(title="Ask the articles") as demo:
        with gr.Row(equal_height=True, elem_id="header"):
            gr.Markdown("## Ask the articles", elem_id="title")
            theme = gr.Button("◐ Theme", size="sm", scale=0, min_width=90, elem_id="theme")
        gr.Markdown(
            "Answers come only from the documents listed beside the chat, and cite the lines they rest on: "
            "click a citation to read it in place. When the documents don't say, the bot says so.",
            elem_id="intro",
        )
        status = gr.HTML(render_status(library.status()), elem_id="status")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=320):
                chat_parts = _chat_column(library)
            with gr.Column(scale=2, min_width=280):
                doc_parts = documents_column(library)
        _wire_chat(library, {**chat_parts, **doc_parts})
        wire_documents(library, doc_parts)
        _wire_status(library, demo, status, {**chat_parts, **doc_parts})
        theme.click(None, None, None, js="() => window.qaToggleTheme && window.qaToggleTheme()")
        _api(library)
    demo.queue(default_concurrency_limit=GENERATION_SLOTS, max_size=64)
    calm_queue(demo)  # Gradio polls every 1 ms by default: ~7% of a core while idle
    return demo


def _chat_column(library: Library) -> dict:
    ready = library.ready()
    limit = library.settings.max_question_chars
    parts = {"history": gr.State([]), "answer": gr.State(None)}  # answer: the token of the one being asked
    parts["chat"] = gr.Chatbot(
        show_label=False,  # the label floated over the messages when they scrolled
        height=460,
        elem_id="chat",
        buttons=["copy"],  # no share icon: it needs Hugging Face, and this product stays offline
        autoscroll=False,  # the page scrolls to the top of each answer instead (page_assets.py)
        examples=[{"text": e, "display_text": e} for e in EXAMPLES],
        placeholder="Ask about the documents listed beside the chat, or pick an example.",
    )
    with gr.Row(equal_height=True):
        parts["box"] = gr.Textbox(
            placeholder="Ask a question about the documents…" if ready else "Starting…",
            show_label=False,
            scale=8,
            lines=1,
            max_lines=6,
            elem_id="question",
            interactive=ready,
        )
        parts["send"] = gr.Button(
            "Ask", variant="primary", scale=1, min_width=70, elem_id="ask", interactive=False
        )
        parts["stop"] = gr.Button(
            "Stop", variant="stop", scale=1, min_width=70, elem_id="stop", visible=False
        )
    parts["count"] = gr.HTML(input_state("", limit)[1], elem_id="count")
    with gr.Row():
        parts["clear"] = gr.Button("New conversation", size="sm", elem_id="new")
    parts["cite"] = gr.Button("open citation", visible="hidden", elem_id="cite-open")
    with gr.Accordion("Retrieved passages", open=False, elem_id="passages-box"):
        parts["passages"] = gr.Markdown(NO_PASSAGES, elem_id="passages")
    return parts


def _wire_chat(library: Library, p: dict) -> None:
    limit = library.settings.max_question_chars
    stops = StopRequests()
    respond, io = chat_handler(library, stops), [p["chat"], p["history"], p["passages"], p["box"]]
    asked = [p["box"], p["chat"], p["history"], p["answer"]]
    for trigger in (p["send"].click, p["box"].submit):
        _answer_chain(trigger, respond, asked, io, p, stops)
    example = p["chat"].example_select(_example_text, None, p["box"], api_visibility="private")
    _answer_chain(example.then, respond, asked, io, p, stops)
    retry = retry_handler(respond)
    _answer_chain(p["chat"].retry, retry, [p["chat"], p["history"], p["answer"]], io, p, stops)

    def stop(token: str | None):
        stops.stop(token)
        return gr.update(value="Stopping…", interactive=False)

    # Stop sets the answer's flag and the answer ends itself (qa/app/stopping.py says why this is
    # not Gradio's `cancels=`); queue-free, so it never waits behind the answer it stops.
    p["stop"].click(
        stop,
        p["answer"],
        p["stop"],
        queue=False,
        show_progress="hidden",
        api_visibility="private",
    )
    reset = [p["chat"], p["history"], p["passages"], p["source"]]
    p["clear"].click(cleared, None, reset, api_visibility="private")
    p["chat"].clear(cleared, None, reset, api_visibility="private")  # the chat's own trash icon
    p["box"].change(
        lambda text: input_state(text, limit),
        p["box"],
        [p["send"], p["count"]],
        queue=False,
        show_progress="hidden",
        trigger_mode="always_last",  # typing fast sends one check at a time, the last one
        api_visibility="private",
    )
    p["cite"].click(
        guarded(lambda target: _open_citation(library, target)),
        p["cite"],
        p["source"],
        js="(label) => window.qaCite || ''",
        api_visibility="private",
        concurrency_limit=4,
        concurrency_id="search",
    ).then(None, js="() => window.qaShowSource && window.qaShowSource()")


def _answer_chain(trigger, fn, inputs, outputs, p, stops: StopRequests):
    """Show Stop and name the answer (so Stop can reach it), answer (streaming), hide Stop and bring
    the answer's top into view."""

    def begin():
        return gr.update(visible=True, value="Stop", interactive=True), gr.update(visible=False), stops.new()

    started = trigger(
        begin,
        None,
        [p["stop"], p["send"], p["answer"]],
        queue=False,
        api_visibility="private",
    )
    answering = started.then(
        fn,
        inputs,
        outputs,
        api_visibility="private",
        concurrency_limit=GENERATION_SLOTS,
        concurrency_id="generate",
    )
    answering.then(
        lambda: (gr.update(visible=False), gr.update(visible=True)),
        None,
        [p["stop"], p["send"]],
        queue=False,
        api_visibility="private",
        js="() => { window.qaShowAnswer && window.qaShowAnswer(); }",
    )
    return answering


def _open_citation(library: Library, target: str) -> str:
    file, sep, line = (target or "").rpartition(":")
    if not sep or not line.isdigit():
        raise InputError(f"{target!r} is not a citation (file:line)")
    return render_source(library.source(file, int(line)))


def _example_text(data: gr.SelectData) -> str:
    return data.value["text"] if isinstance(data.value, dict) else str(data.value)


def _wire_status(library: Library, demo: gr.Blocks, status: gr.HTML, p: dict) -> None:
    """Until every start-up step is over, the page polls the steps; the question box opens when
    the chat can answer (the example questions with it: page_assets.py), and the document list fills in."""
    timer = gr.Timer(1.0, active=not _started(library))
    outputs = [status, p["box"], timer, p["documents"], p["remove_choice"]]

    def poll():
        state = library.status()
        box = gr.update(interactive=True, placeholder="Ask a question about the documents…")
        opened = box if state["ready"] else gr.update(interactive=False, placeholder="Starting…")
        over = _started(library)
        docs = (documents_html(library), choices(library)) if state["ready"] else (gr.update(), gr.update())
        return render_status(state), opened, gr.Timer(active=not over), *docs

    options = {"api_visibility": "private", "concurrency_limit": 4, "concurrency_id": "status"}
    timer.tick(poll, None, outputs, show_progress="hidden", **options)
    demo.load(poll, None, outputs, show_progress="hidden", **options)


def _started(library: Library) -> bool:
    """Whether start-up is over (every step done, off or failed): the page stops polling."""
    return all(s["state"] in ("done", "off", "failed") for s in library.status()["steps"])


def _api(library: Library) -> None:
    """Gradio API endpoints (gradio_client): search, ask, source, documents."""

    @guarded
    def search(query: str, k: int = 5) -> list[dict]:
        """Retrieved passages for a query, best first."""
        return [h.to_dict() for h in library.pipeline.retriever.search(query, k)]  # k checked there

    @guarded
    def ask(question: str) -> dict:
        """Answer one question: the same JSON object as `qa ask --json`."""
        return library.pipeline.ask(question).to_dict()

    @guarded
    def source(file: str, line: int, context: int = 2) -> dict:
        """Lines of an indexed document around one line, from the index (never from the disk)."""
        return library.source(file, int(line), int(context))

    @guarded
    def documents() -> dict:
        """The indexed documents, when they were indexed, and the files left out with the reason."""
        return library.documents()

    # Search never waits behind generation: it has its own, wider queue.
    gr.api(search, api_name="search", concurrency_limit=4, concurrency_id="search")
    gr.api(ask, api_name="ask", concurrency_limit=GENERATION_SLOTS, concurrency_id="generate")
    gr.api(source, api_name="source", concurrency_limit=4, concurrency_id="search")
    gr.api(documents, api_name="documents", concurrency_limit=4, concurrency_id="search")
