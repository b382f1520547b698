"""JSON endpoints for what the chat page shows beside the chat: start-up status, the document list,
adding and removing files, and the lines around a cited line.

They sit on the app of qa/app/http_api.py, with its login (QA_AUTH as HTTP Basic) and its error
shape: a refused file or bad argument is a 400 {"error": ...}, "still starting" a 503.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import FastAPI, File, Query, UploadFile
from pydantic import BaseModel, Field

from qa.app.http_api import ERRORS, isolated, login_required
from qa.app.library import Library
from qa.index.sources import MAX_CONTEXT
from qa.ingest.uploads import MAX_UPLOAD_BYTES


class StepModel(BaseModel):
    name: str
    state: str = Field(description="waiting, running, done, off or failed")
    detail: str
    done: int
    total: int


class StatusResponse(BaseModel):
    ready: bool = Field(description="whether a question can be answered now")
    steps: list[StepModel]


class DocumentModel(BaseModel):
    file: str = Field(description='index name; files added from the page are "uploads/<name>"')
    title: str
    lines: int
    pages: int | None = None
    uploaded: bool


class SkippedModel(BaseModel):
    file: str
    reason: str


class DocumentsResponse(BaseModel):
    indexed: str = Field(description="when the live index was built")
    count: int
    documents: list[DocumentModel]
    skipped: list[SkippedModel]


class AddedResponse(BaseModel):
    added: list[str]
    documents: DocumentsResponse


class SourceLine(BaseModel):
    line: int
    text: str
    page: int | None = None
    page_line: int | None = None


class SourceResponse(BaseModel):
    file: str
    title: str
    line: int
    lines: list[SourceLine]


def add_document_routes(app: FastAPI, library: Library, auth: list[tuple[str, str]] | None = None) -> None:
    """GET /api/status, GET/POST /api/documents, DELETE /api/documents/{file}, GET /api/source."""
    route = {"dependencies": login_required(auth), "responses": ERRORS}

    @app.get("/api/status", response_model=StatusResponse, **route)
    def status() -> dict:
        """Start-up progress: each step (embedding model, index, generator) and whether the chat answers."""
        return library.status()

    @app.get("/api/documents", response_model=DocumentsResponse, **route)
    @isolated
    def documents() -> dict:
        """The indexed documents (title, lines, added from the page or not), and the files left out."""
        return library.documents()

    @app.post("/api/documents", response_model=AddedResponse, **route)
    @isolated
    def add(files: Annotated[list[UploadFile], File(description=".txt, .md, .html or .pdf files")]) -> dict:
        """Add files (multipart, field "files"); the index updates and answers cite them at once.
        A refused file (type, name, size, unreadable) is a 400 with the reason, and nothing is added."""
        # One byte past the limit is enough to refuse a file as too big, without reading all of it.
        uploads = [(f.filename or "", f.file.read(MAX_UPLOAD_BYTES + 1)) for f in files]
        added = library.add(uploads)  # one update at a time: the library holds a lock
        return {"added": added, "documents": library.documents()}

    @app.delete("/api/documents/{file:path}", response_model=DocumentsResponse, **route)
    @isolated
    def remove(file: str) -> dict:
        """Remove a file added from the page ("uploads/<name>") and update the index."""
        library.remove(file)
        return library.documents()

    @app.get("/api/source", response_model=SourceResponse, response_model_exclude_none=True, **route)
    @isolated
    def source(
        file: str, line: Annotated[int, Query(ge=1)], context: Annotated[int, Query(ge=0, le=MAX_CONTEXT)] = 3
    ) -> dict:
        """The lines of an indexed document around `line` (a citation's file and line), from the index."""
        return library.source(file, line, context)
