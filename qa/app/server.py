"""Serving the chat page and the JSON API on one port: the login, the exposure checks, and a start
that serves the page at once while the index and models get ready (the page shows each step)."""

from __future__ import annotations

import logging
import os

from qa.answer.pipeline import Pipeline
from qa.app.library import Library, LivePipeline
from qa.config import Settings
from qa.errors import QAError
from qa.ingest.uploads import source_files

log = logging.getLogger(__name__)

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def auth_from_env() -> list[tuple[str, str]] | None:
    """QA_AUTH="user:password" turns on Gradio's login."""
    raw = os.environ.get("QA_AUTH", "")
    if not raw:
        return None
    user, sep, password = raw.partition(":")
    if not sep or not user or not password:
        raise QAError('QA_AUTH must look like "user:password"')
    return [(user, password)]


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


def build_server(source: Pipeline | Library, auth: list[tuple[str, str]] | None = None, port: int = 7860):
    """One FastAPI app: the JSON API at /api/…, the chat page (and its Gradio API) at /."""
    import gradio as gr

    from qa.app.http_api import build_api
    from qa.app.http_documents import add_document_routes
    from qa.app.page_assets import PAGE_ASSETS
    from qa.app.web import as_library, build_app

    library = as_library(source)
    api = build_api(LivePipeline(library), auth)
    add_document_routes(api, library, auth)
    return gr.mount_gradio_app(
        api, build_app(library), path="/", server_port=port, auth=auth, footer_links=["api"], **PAGE_ASSETS
    )


def serve(
    settings: Settings, share: bool = False, prevent_thread_lock: bool = False, library: Library | None = None
):
    """Serve the page and the JSON API at once, and get the index and models ready behind it.

    The page shows each start-up step (embedding model, index build with a bar, generator check,
    conversion and load) and opens the question box when the chat can answer; the JSON API says
    503 "still starting" until then. With prevent_thread_lock the server runs in a thread and is
    returned (uvicorn.Server); otherwise this blocks until Ctrl-C. share=True uses Gradio's own
    launcher for its public link, which serves the page and the Gradio API but not /api/….
    """
    auth = auth_from_env()
    check_exposure(settings.host, share, auth)  # before anything is loaded, not after
    source_files(settings)  # a missing documents folder stops the start with its reason, now
    logging.getLogger("qa").setLevel(logging.INFO)
    library = library or Library(settings)
    if share:
        from qa.app.page_assets import PAGE_ASSETS
        from qa.app.web import build_app

        demo = build_app(library)
        library.start()
        demo.launch(
            server_name=settings.host,
            server_port=settings.port,
            share=True,
            auth=auth,
            prevent_thread_lock=prevent_thread_lock,
            footer_links=["api"],
            **PAGE_ASSETS,
        )
        return demo
    from qa.app.http_api import start_in_thread

    app = build_server(library, auth, settings.port)
    library.start()  # the page is up before the first step ends, and shows each one
    url = f"http://{settings.host}:{settings.port}"
    log.info(
        "chat at %s/ (it shows the start-up steps); JSON API at %s/api/… (schema: /api/openapi.json)",
        url,
        url,
    )
    if prevent_thread_lock:
        return start_in_thread(app, settings.host, settings.port)
    import uvicorn

    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")  # until Ctrl-C
    return None
