"""The chat page's document column: the source panel, the list of documents the bot knows, adding
and removing files (with a progress bar while the index updates)."""

from __future__ import annotations

import logging
from pathlib import Path

import gradio as gr

from qa.app.chat import FAILED
from qa.app.library import Library
from qa.app.render import render_documents
from qa.errors import QAError
from qa.ingest.corpus import EXTENSIONS

log = logging.getLogger(__name__)

PROGRESS = gr.Progress()  # Gradio hands a tracker to a handler whose parameter defaults to one


def documents_column(library: Library) -> dict:
    # A clicked citation shows here, beside the chat on a desktop (below it on a phone).
    parts = {"source": gr.HTML("", elem_id="source")}
    with gr.Accordion("Documents the bot knows", open=True, elem_id="documents-box"):
        parts["documents"] = gr.HTML(documents_html(library), elem_id="documents")
        parts["upload"] = gr.File(
            label="Add .txt, .md, .html or .pdf files",
            file_count="multiple",
            file_types=list(EXTENSIONS),
            elem_id="upload",
            height=120,
        )
        parts["upload_status"] = gr.Markdown("", elem_id="upload-status")
        with gr.Row():
            parts["remove_choice"] = gr.Dropdown(
                choices=uploaded(library), label="Added here", scale=3, elem_id="remove-choice"
            )
            parts["remove"] = gr.Button("Remove", size="sm", scale=1, elem_id="remove")
    return parts


def documents_html(library: Library) -> str:
    try:
        return render_documents(library.documents())
    except QAError:
        return "<p>The document list shows once the index is ready.</p>"


def uploaded(library: Library) -> list[str]:
    try:
        return [d["file"] for d in library.documents()["documents"] if d["uploaded"]]
    except QAError:
        return []


def wire_documents(library: Library, p: dict) -> None:
    doc_outputs = [p["documents"], p["upload_status"], p["upload"], p["remove_choice"]]

    def add(files, progress=PROGRESS):
        """Add the uploaded files; a refusal or failure is reported and leaves everything as it was."""
        uploads = [(Path(f).name, Path(f).read_bytes()) for f in files or []]
        if not uploads:
            return gr.update(), "", gr.update(), gr.update()
        try:
            added = library.add(uploads, _bar(progress, "Updating the index"))
        except QAError as e:
            return gr.update(), f"**Not added.** {e}", None, gr.update()
        except Exception:
            log.exception("upload failed")
            return gr.update(), f"**Not added.** {FAILED}", None, gr.update()
        names = ", ".join(f"`{a}`" for a in added)
        return documents_html(library), f"Added {names}: answers can cite it now.", None, choices(library)

    def remove(file, progress=PROGRESS):
        if not file:
            return gr.update(), "Choose a file added here to remove it.", gr.update(), gr.update()
        try:
            library.remove(file, _bar(progress, "Updating the index"))
        except QAError as e:
            return gr.update(), f"**Not removed.** {e}", gr.update(), gr.update()
        return documents_html(library), f"Removed `{file}`.", gr.update(), choices(library)

    index_queue = {"concurrency_limit": 1, "concurrency_id": "index", "api_visibility": "private"}
    p["upload"].upload(add, p["upload"], doc_outputs, show_progress_on=p["documents"], **index_queue)
    p["remove"].click(remove, p["remove_choice"], doc_outputs, show_progress_on=p["documents"], **index_queue)


def _bar(progress, what: str):
    return lambda done, total: progress((done, total), desc=f"{what}: embedding passages", unit="passages")


def choices(library: Library):
    return gr.update(choices=uploaded(library), value=None)
