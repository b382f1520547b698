"""JSON endpoints beside the chat page (FastAPI): POST /api/search, POST /api/ask, POST /api/ask/stream
(server-sent events) and GET /api/health.

The page itself (qa/app/web.py) is mounted at "/" of the same app, so one server and one
pipeline serve both. The schema is at /api/openapi.json. Responses have exactly the JSON
shapes of `qa search --json` and `qa ask --json`. Every error under /api/, whatever raised it
(bad input, a body that is not UTF-8 or JSON, a wrong method, an unknown path, a missing
login), is {"error": "..."} with its status.
"""

from __future__ import annotations

import functools
import json
import logging
import secrets
import threading
import time
from collections.abc import Iterator
from typing import Annotated, Any

import uvicorn
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from pydantic import BaseModel, Field, create_model
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount

from qa.answer.pipeline import Pipeline
from qa.errors import InputError, QAError
from qa.inputs import MAX_HISTORY_TURNS, MAX_K, MAX_TURN_CHARS, clean_history, clean_question

FAILED = (
    "something went wrong while answering this request; it is logged on the server. "
    "Other requests are not affected: try again, or rephrase the question."
)

log = logging.getLogger(__name__)

BASIC = HTTPBasic(auto_error=False)  # module level: FastAPI resolves the annotation below by name


class SearchRequest(BaseModel):
    query: str = Field(examples=["Jiangxi recovered funds"])
    k: int = Field(5, ge=1, le=MAX_K, description="passages to return")
    where: dict[str, Any] | None = Field(
        None,
        description='only passages of documents whose fields equal these values, e.g. {"file": "a.txt"}; '
        "a list means any of its values",
        examples=[{"file": "001_5c3b6ceae2eb49f9.txt"}],
    )


class Turn(BaseModel):
    question: str
    answer: str


class AskRequest(BaseModel):
    question: str = Field(examples=["What was Jiangxi's 2020 recovered fund amount?"])
    # Checked by qa.inputs.clean_history, as in Python and the chat page, so every interface takes
    # the same shapes and gives the same errors.
    history: list[Any] | None = Field(
        None,
        description=(
            'earlier turns, oldest first, for follow-up questions: {"question": ..., "answer": ...} '
            f"objects or [question, answer] pairs; each text at most {MAX_TURN_CHARS:,} characters; "
            f"only the last {MAX_HISTORY_TURNS} turns are used"
        ),
        examples=[
            [{"question": "What was Jiangxi's 2020 recovered fund amount?", "answer": "723 million yuan"}]
        ],
    )


PAGE = Field(None, description="PDFs only: the page of the (first) line")
PAGE_LINE = Field(None, description="PDFs only: the line's number on that page")
SCORE = Field(description="orders the passages (in hybrid mode a fused rank score, not a similarity)")
DENSE = Field(None, description="cosine similarity of question and passage vectors (-1 to 1)")
BM25_SCORE = Field(None, description="BM25 score of the passage for the question (0 and up)")


class Citation(BaseModel):
    file: str
    line: int
    text: str
    page: int | None = PAGE
    page_line: int | None = PAGE_LINE


class AnswerPassage(BaseModel):
    file: str
    lines: list[int] = Field(min_length=2, max_length=2)
    score: float = SCORE
    text: str
    page: int | None = PAGE
    page_line: int | None = PAGE_LINE
    dense: float | None = DENSE
    bm25: float | None = BM25_SCORE


# A retrieved passage is a passage of an answer with its rank first, as `qa search --json` prints it
# (a subclass would put the rank last in every response).
Passage = create_model(
    "Passage",
    __doc__="One retrieved chunk: lines are [first, last], 1-based and inclusive.",
    rank=(int, ...),
    **{name: (field.annotation, field) for name, field in AnswerPassage.model_fields.items()},
)


class AskResponse(BaseModel):
    """The `qa ask --json` object."""

    question: str
    answer: str
    short_answer: str = Field("", description="the phrase that answers; empty if the sentence is the answer")
    speaker: str = Field(
        "",
        description="who the answering sentence reports (the answer is their opinion or words, "
        'shown "According to …"); empty when the answer is stated as fact',
    )
    support: float | None = Field(None, description="how well the evidence supports answering, 0 to 1")
    abstained: bool
    citations: list[Citation]
    passages: list[AnswerPassage]
    timings_ms: dict[str, float]
    method: str = Field(description="generated, extractive or abstained")
    standalone_question: str | None = Field(None, description="present when a follow-up was rewritten")


class ErrorResponse(BaseModel):
    error: str


def _errors(app: FastAPI) -> None:
    @app.exception_handler(InputError)
    async def bad_input(request: Request, exc: InputError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=400)

    @app.exception_handler(QAError)
    async def not_ready(request: Request, exc: QAError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=503)

    @app.exception_handler(RequestValidationError)
    async def malformed(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'] if p != 'body') or 'body'}: {e['msg']}" for e in exc.errors()
        )
        return JSONResponse({"error": f"bad request: {problems}"}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        """FastAPI's own errors ({"detail": ...}: e.g. a body that is not UTF-8, a missing login)
        in the documented shape, keeping their status and headers (WWW-Authenticate, Allow)."""
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 400 and "parsing the body" in detail:
            detail = "the request body is not UTF-8 JSON: send a JSON object encoded as UTF-8"
        return JSONResponse({"error": detail}, status_code=exc.status_code, headers=exc.headers)


class ApiMethods:
    """ASGI middleware: /api/... paths that no endpoint takes get 405 (the path exists for another
    method; Allow lists them) or 404, as {"error": ...}. Without it the Gradio app mounted at "/"
    answers them, with its own 404 page. Routes are looked up per request, so endpoints added
    after this is installed are covered too."""

    def __init__(self, app, api: FastAPI):
        self.app = app
        self.api = api

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"].startswith("/api/"):
            allowed = self._allowed(scope)
            if allowed is not None:
                status = 405 if allowed else 404
                error = (
                    f"{scope['method']} is not allowed on {scope['path']}: use {', '.join(sorted(allowed))}"
                    if allowed
                    else f"no endpoint {scope['path']}: see /api/openapi.json"
                )
                headers = {"Allow": ", ".join(sorted(allowed))} if allowed else None
                await JSONResponse({"error": error}, status_code=status, headers=headers)(
                    scope, receive, send
                )
                return
        await self.app(scope, receive, send)

    def _allowed(self, scope) -> set[str] | None:
        """None when an endpoint takes the request; else the methods the path takes (maybe none)."""
        allowed: set[str] = set()
        for route in self.api.router.routes:
            if isinstance(route, Mount):
                continue  # the page at "/": it would take every path
            match, _ = route.matches(scope)
            if match == Match.FULL:
                return None
            if match == Match.PARTIAL:
                allowed |= set(getattr(route, "methods", None) or ())
        return allowed


def isolated(endpoint):
    """A bug hit by one request becomes that request's 500 {"error": ...}, with the traceback in the
    server log, not in the reply; the server goes on serving. User errors (QAError) pass through."""

    @functools.wraps(endpoint)
    def wrapper(*args, **kwargs):
        try:
            return endpoint(*args, **kwargs)
        except (QAError, HTTPException):
            raise
        except Exception:
            log.exception("%s failed", endpoint.__name__)
            return JSONResponse({"error": FAILED}, status_code=500)

    return wrapper


def _login(auth: list[tuple[str, str]] | None):
    """A dependency that asks for HTTP Basic credentials when the server has a login."""

    def check(credentials: Annotated[HTTPBasicCredentials | None, Depends(BASIC)]) -> None:
        if not auth:
            return
        ok = credentials is not None and any(
            secrets.compare_digest(credentials.username, user)
            and secrets.compare_digest(credentials.password, pw)
            for user, pw in auth
        )
        if not ok:
            raise HTTPException(
                401, "log in with the user and password of QA_AUTH", {"WWW-Authenticate": "Basic"}
            )

    return check


def login_required(auth: list[tuple[str, str]] | None) -> list:
    """An endpoint's dependencies: HTTP Basic credentials, when the server has a login (QA_AUTH)."""
    return [Depends(_login(auth))]


# The error statuses every endpoint may answer, each with the {"error": ...} body, for the schema.
ERRORS = {code: {"model": ErrorResponse} for code in (400, 422, 500, 503)}


def build_api(pipeline: Pipeline, auth: list[tuple[str, str]] | None = None) -> FastAPI:
    """The FastAPI app with the JSON endpoints; qa.app.web mounts the page on it."""
    app = FastAPI(
        title="qa",
        summary="Ask your articles; answers cite the exact lines they rest on.",
        version="1",
        openapi_url="/api/openapi.json",
        docs_url=None,  # the Swagger page loads its scripts from a CDN; this product stays offline
        redoc_url=None,
    )
    _errors(app)
    generating = threading.BoundedSemaphore(1)  # one generation at a time: two on 2 cores slow each other
    login = login_required(auth)

    @app.post(
        "/api/search",
        response_model=list[Passage],
        response_model_exclude_none=True,  # page fields only for PDFs, as in `qa search --json`
        responses=ERRORS,
        dependencies=login,
    )
    @isolated
    def search(request: SearchRequest) -> list[dict]:
        """The passages the retriever finds for the query, best first (`qa search --json`)."""
        return [h.to_dict() for h in pipeline.retriever.search(request.query, request.k, request.where)]

    @app.post(
        "/api/ask",
        response_model=AskResponse,
        response_model_exclude_none=True,
        responses=ERRORS,
        dependencies=login,
    )
    @isolated
    def ask(request: AskRequest) -> dict:
        """One answer with its cited lines (`qa ask --json`); history makes follow-ups work."""
        history = clean_history(request.history)
        with generating:
            return pipeline.ask(request.question, history).to_dict()

    _health_route(app, pipeline, login)
    _stream_route(app, pipeline, generating, login)
    app.add_middleware(ApiMethods, api=app)
    return app


class Health(BaseModel):
    status: str = Field(description='"ready": the index is loaded and questions are answered')
    files: int = Field(description="documents in the index")
    chunks: int
    built: str = Field(description="when the live index was built")
    generator: str = Field(description='the generator setting ("none": answers are quoted lines)')


def _health_route(app: FastAPI, pipeline: Pipeline, login: list) -> None:
    """GET /api/health: 200 with what is loaded when questions can be answered, else 503 {"error"}.
    It never loads or builds anything itself: a probe must not start minutes of work."""

    @app.get(
        "/api/health", response_model=Health, responses={503: {"model": ErrorResponse}}, dependencies=login
    )
    def health() -> dict | JSONResponse:
        retriever = getattr(pipeline, "_retriever", None)  # loaded by serve() before the server starts
        if retriever is None:
            return JSONResponse({"error": "the index is not loaded yet"}, status_code=503)
        manifest = retriever.store.manifest
        return {
            "status": "ready",
            "files": len(manifest.sources),
            "chunks": manifest.count,
            "built": manifest.created,
            "generator": pipeline.settings.generator_model,
        }


def _stream_route(app: FastAPI, pipeline: Pipeline, generating, login: list) -> None:
    """POST /api/ask/stream: the answer as server-sent events while it is written."""

    @app.post(
        "/api/ask/stream",
        response_class=StreamingResponse,
        responses={200: {"content": {"text/event-stream": {}}, "description": STREAM_DOC}, **ERRORS},
        dependencies=login,
    )
    def ask_stream(request: AskRequest) -> StreamingResponse:
        """The `qa ask --json` object, preceded by the generator's text as it is written."""
        # Checked before the stream starts, so that bad input is a 400, not an event after a 200.
        question = clean_question(request.question, pipeline.settings.max_question_chars)
        history = clean_history(request.history)
        return StreamingResponse(
            _events(pipeline, generating, question, history),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )


STREAM_DOC = (
    'Server-sent events: "token" events ({"text": ...}) while the generator writes (none when the answer '
    'is a quoted line), then one "answer" event (the `qa ask --json` object), or one "error" event '
    '({"error": ...}) if answering fails midway.'
)


def _events(pipeline: Pipeline, generating, question: str, history: list) -> Iterator[str]:
    with generating:  # held until the stream ends or the client goes away (the generator is closed)
        try:
            for event in pipeline.stream(question, history):
                if event.answer is not None:
                    yield _sse("answer", event.answer.to_dict())
                elif event.text:
                    yield _sse("token", {"text": event.text})
        except QAError as e:
            yield _sse("error", {"error": str(e)})
        except Exception:
            log.exception("ask/stream failed")
            yield _sse("error", {"error": FAILED})


def _sse(kind: str, data: dict) -> str:
    """One server-sent event; JSON never holds a raw newline, so data is one line.

    >>> _sse("token", {"text": "a\\nb"})
    'event: token\\ndata: {"text": "a\\\\nb"}\\n\\n'
    """
    return f"event: {kind}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def start_in_thread(app: FastAPI, host: str, port: int, timeout: float = 60.0) -> uvicorn.Server:
    """Serve app from a background thread; returns once it accepts connections.

    Stop it with `server.should_exit = True` (the thread then ends within a second).
    """
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name=f"qa-http-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise QAError(f"the web server could not start on {host}:{port} (is the port taken?)")
        time.sleep(0.05)
    return server
