"""JSON endpoints beside the chat page: POST /api/search and POST /api/ask (FastAPI).

The page itself (qa/app/web.py) is mounted at "/" of the same app, so one server and one
pipeline serve both. The schema is at /api/openapi.json. Responses have exactly the JSON
shapes of `qa search --json` and `qa ask --json`; bad input is a 4xx with {"error": "..."}.
"""

from __future__ import annotations

import functools
import logging
import secrets
import threading
import time
from typing import Annotated

import uvicorn
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from pydantic import BaseModel, Field

from qa.answer.pipeline import Pipeline
from qa.errors import InputError, QAError

FAILED = (
    "something went wrong while answering this request; it is logged on the server. "
    "Other requests are not affected: try again, or rephrase the question."
)

log = logging.getLogger(__name__)

MAX_K = 50
BASIC = HTTPBasic(auto_error=False)  # module level: FastAPI resolves the annotation below by name


class SearchRequest(BaseModel):
    query: str = Field(examples=["Jiangxi recovered funds"])
    k: int = Field(5, ge=1, le=MAX_K, description="passages to return")


class Turn(BaseModel):
    question: str
    answer: str


class AskRequest(BaseModel):
    question: str = Field(examples=["What was Jiangxi's 2020 recovered fund amount?"])
    history: list[Turn] | None = Field(
        None, description="earlier turns, oldest first, for follow-up questions"
    )


class Passage(BaseModel):
    """One retrieved chunk: lines are [first, last], 1-based and inclusive."""

    rank: int
    file: str
    lines: list[int] = Field(min_length=2, max_length=2)
    score: float
    text: str


class Citation(BaseModel):
    file: str
    line: int
    text: str


class AnswerPassage(BaseModel):
    file: str
    lines: list[int] = Field(min_length=2, max_length=2)
    score: float
    text: str


class AskResponse(BaseModel):
    """The `qa ask --json` object."""

    question: str
    answer: str
    short_answer: str = Field("", description="the phrase that answers; empty if the sentence is the answer")
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


def _isolated(endpoint):
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
    login = [Depends(_login(auth))]
    responses = {code: {"model": ErrorResponse} for code in (400, 422, 500, 503)}

    @app.post("/api/search", response_model=list[Passage], responses=responses, dependencies=login)
    @_isolated
    def search(request: SearchRequest) -> list[dict]:
        """The passages the retriever finds for the query, best first (`qa search --json`)."""
        return [h.to_dict() for h in pipeline.retriever.search(request.query, request.k)]

    @app.post(
        "/api/ask",
        response_model=AskResponse,
        response_model_exclude_none=True,
        responses=responses,
        dependencies=login,
    )
    @_isolated
    def ask(request: AskRequest) -> dict:
        """One answer with its cited lines (`qa ask --json`); history makes follow-ups work."""
        history = [(t.question, t.answer) for t in request.history or []]
        with generating:
            return pipeline.ask(request.question, history).to_dict()

    return app


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
