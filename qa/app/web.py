"""The Gradio page: a streaming chat with cited lines, plus Gradio API endpoints for search and ask.

`serve` mounts the page on the FastAPI app of qa/app/http_api.py, which adds plain JSON endpoints
(/api/search, /api/ask) beside it.
"""

from __future__ import annotations

import functools
import html
import logging
import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # offline product: no calls home

import gradio as gr  # noqa: E402

from qa.answer.pipeline import Pipeline
from qa.app.gradio_queue import calm_queue
from qa.config import Settings  # noqa: E402
from qa.errors import QAError
from qa.index.sources import source_lines
from qa.inputs import clean_history
from qa.records import Answer

log = logging.getLogger(__name__)

EXAMPLES = [
    "What was Jiangxi's 2020 recovered fund amount?",
    "What is the 2023 financing standard for residents' medical insurance?",
    "Which provinces have established long-term care insurance systems?",
    "What was Jiangxi's 2030 recovered fund amount?",
]
GENERATION_SLOTS = 1  # one generation at a time: two on 2 cores only slow each other down


def render_answer(answer: Answer) -> str:
    """Markdown of an answer with its citations as file:line and the quoted line."""
    parts = [html.escape(answer.text)]
    if answer.citations:
        parts.append("")
        parts.append("**Sources**")
        for c in answer.citations:
            parts.append(f"- `{c.location}` — “{html.escape(c.text)}”")
    return "\n".join(parts)


def render_passages(answer: Answer) -> str:
    if not answer.hits:
        return "_No passages retrieved._"
    blocks = []
    for h in answer.hits:
        c = h.chunk
        blocks.append(
            f"**{h.rank}. `{c.file}` {_lines(c)}** (score {h.score:.4f})\n\n> {html.escape(c.text)}"
        )
    return "\n\n".join(blocks)


def _lines(chunk) -> str:
    """ "lines 3–5", or "p.2 line 7" where the chunk starts in a PDF."""
    if chunk.page is not None:
        return f"p.{chunk.page} line {chunk.page_line}"
    return f"lines {chunk.first_line}–{chunk.last_line}"


FAILED = (
    "Something went wrong while answering this question; it is logged on the server. "
    "Other conversations are not affected: try again, or rephrase the question."
)


def chat_handler(pipeline: Pipeline):
    """The chat's event handler: streams (chat, history, passages, box) updates for one message.

    A failure stays inside its own conversation: a user error (QAError) or an unexpected one is
    shown in that chat's last bubble, the history is left as it was, and the server goes on.
    """

    def respond(message: str, chat: list, history: list):
        chat = list(chat or [])
        history = list(history or [])
        chat.append({"role": "user", "content": html.escape(message or "")})
        chat.append({"role": "assistant", "content": "…"})
        yield chat, history, gr.update(), ""
        try:
            draft = ""
            for event in pipeline.stream(message, clean_history(history)):
                if event.kind == "token":
                    draft += event.text
                    chat[-1] = {"role": "assistant", "content": html.escape(draft) + " …"}
                    yield chat, history, gr.update(), ""
                else:
                    answer = event.answer
                    chat[-1] = {"role": "assistant", "content": render_answer(answer)}
                    history.append([answer.standalone_question or answer.question, answer.text])
                    yield chat, history, render_passages(answer), ""
        except QAError as e:
            chat[-1] = {"role": "assistant", "content": f"⚠️ {html.escape(str(e))}"}
            yield chat, history, gr.update(), message
        except Exception:
            log.exception("chat request failed")
            chat[-1] = {"role": "assistant", "content": f"⚠️ {FAILED}"}
            yield chat, history, gr.update(), message

    return respond


def guarded(fn):
    """An API handler whose failures become a clean gr.Error for that request only."""

    @functools.wraps(fn)
    def wrapper(*args):
        try:
            return fn(*args)
        except QAError as e:
            raise gr.Error(str(e)) from e
        except Exception as e:
            log.exception("%s request failed", fn.__name__)
            raise gr.Error(FAILED) from e

    return wrapper


def build_app(pipeline: Pipeline) -> gr.Blocks:
    """The page; every handler uses the one pipeline, so models load once."""
    respond = chat_handler(pipeline)

    @guarded
    def search(query: str, k: int = 5) -> list[dict]:
        """Retrieved passages for a query, best first."""
        return [h.to_dict() for h in pipeline.retriever.search(query, k)]

    @guarded
    def ask(question: str) -> dict:
        """Answer one question: the same JSON object as `qa ask --json`."""
        return pipeline.ask(question).to_dict()

    @guarded
    def source(file: str, line: int, context: int = 2) -> dict:
        """Lines of an indexed article around one line, from the index (never from the disk)."""
        rows = source_lines(pipeline.retriever.store, file, int(line), int(context))
        return {"file": file, "lines": [{"line": n, "text": t} for n, t in rows]}

    with gr.Blocks(title="Ask the articles") as demo:
        gr.Markdown(
            "## Ask the articles\nAnswers come only from the indexed articles and cite the exact lines "
            "they rest on. When the articles don't say, the bot says so."
        )
        chatbot = gr.Chatbot(label="Conversation", height=440, elem_id="chat")
        history = gr.State([])
        with gr.Row():
            box = gr.Textbox(
                placeholder="Ask a question about the articles…",
                show_label=False,
                scale=8,
                elem_id="question",
                max_length=pipeline.settings.max_question_chars,
            )
            send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
        gr.Examples(examples=[[e] for e in EXAMPLES], inputs=[box], label="Examples")
        with gr.Accordion("Retrieved passages", open=False, elem_id="passages-box"):
            passages = gr.Markdown("_Ask a question to see the passages._", elem_id="passages")
        clear = gr.Button("New conversation", size="sm")

        outputs = [chatbot, history, passages, box]
        for trigger in (send.click, box.submit):
            trigger(
                respond,
                [box, chatbot, history],
                outputs,
                api_visibility="private",
                concurrency_limit=GENERATION_SLOTS,
                concurrency_id="generate",
            )
        clear.click(
            lambda: ([], [], "_Ask a question to see the passages._"),
            None,
            [chatbot, history, passages],
            api_visibility="private",
        )
        # Search never waits behind generation: it has its own, wider queue.
        gr.api(search, api_name="search", concurrency_limit=4, concurrency_id="search")
        gr.api(ask, api_name="ask", concurrency_limit=GENERATION_SLOTS, concurrency_id="generate")
        gr.api(source, api_name="source", concurrency_limit=4, concurrency_id="search")
    demo.queue(default_concurrency_limit=GENERATION_SLOTS, max_size=64)
    calm_queue(demo)  # Gradio polls every 1 ms by default: ~7% of a core while idle
    return demo


def auth_from_env() -> list[tuple[str, str]] | None:
    """QA_AUTH="user:password" turns on Gradio's login."""
    raw = os.environ.get("QA_AUTH", "")
    if not raw:
        return None
    user, sep, password = raw.partition(":")
    if not sep or not user or not password:
        raise QAError('QA_AUTH must look like "user:password"')
    return [(user, password)]


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def check_exposure(host: str, share: bool, auth: list | None) -> None:
    """Refuse to serve beyond this machine without a login: the chat reads every indexed article."""
    if auth is not None:
        return
    if share:
        raise QAError("refusing to open a public share link without a login: set QA_AUTH=user:password first")
    if host not in LOOPBACK:
        raise QAError(
            f"refusing to serve on {host} without a login: set QA_AUTH=user:password, "
            "or bind 127.0.0.1 (the default) to serve this machine only"
        )


def build_server(pipeline: Pipeline, auth: list[tuple[str, str]] | None = None, port: int = 7860):
    """One FastAPI app: the JSON API at /api/…, the chat page (and its Gradio API) at /."""
    from qa.app.http_api import build_api

    return gr.mount_gradio_app(
        build_api(pipeline, auth),
        build_app(pipeline),
        path="/",
        server_port=port,
        auth=auth,
        footer_links=["api"],
    )


def serve(settings: Settings, share: bool = False, prevent_thread_lock: bool = False):
    """Build what is missing (index, model cache), then serve the page and the JSON API.

    With prevent_thread_lock the server runs in a thread and is returned (uvicorn.Server);
    otherwise this blocks until Ctrl-C. share=True uses Gradio's own launcher for its public
    link, which serves the page and the Gradio API but not /api/….
    """
    auth = auth_from_env()
    check_exposure(settings.host, share, auth)  # before minutes of loading, not after
    logging.getLogger("qa").setLevel(logging.INFO)
    pipeline = Pipeline(settings)
    log.info("preparing the index and models (the first start builds them; later starts take seconds)")
    # The chat opens while the generator loads (about 10 s with transformers): most answers are
    # quoted lines, and one that needs the generator waits for it.
    pipeline.warm_up(generator_in_background=True)
    if share:
        demo = build_app(pipeline)
        demo.launch(
            server_name=settings.host,
            server_port=settings.port,
            share=True,
            auth=auth,
            prevent_thread_lock=prevent_thread_lock,
            footer_links=["api"],
        )
        return demo
    from qa.app.http_api import start_in_thread

    app = build_server(pipeline, auth, settings.port)
    url = f"http://{settings.host}:{settings.port}"
    log.info("chat at %s/ ; JSON API at %s/api/search and /api/ask (schema: /api/openapi.json)", url, url)
    if prevent_thread_lock:
        return start_in_thread(app, settings.host, settings.port)
    import uvicorn

    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")  # until Ctrl-C
    return None
