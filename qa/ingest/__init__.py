"""Ingest: a folder of documents in, plain text with line numbers and chunks out.

- ``corpus``: lists and reads the folder (.txt, .md, .html, .pdf), decodes odd encodings and says why
  any other file is skipped -> ``Document(file, text, pages)`` / ``Skipped(file, reason)``.
- ``folder``: walks the folder: nothing outside it is read; links, odd names and unreadable folders that are
  left out come back as ``Skipped`` with the reason.
- ``html_text``, ``pdf_text``: the visible text of an HTML page, the text layer of a PDF, one line per block.
- ``chunking``: ``Document`` -> ``Chunk`` records of whole sentences that keep file, lines and offsets.
"""
