"""Index: chunks in, a stored, checksummed, incrementally updated index out.

- ``indexer``: ``build_index(settings, embedder)`` embeds new and changed files and reuses the rest.
- ``freshness``: which files and settings make the live index stale (``stale_reasons``), and
  ``live_build_problem``, which checks the live build as loading does.
- ``planning``: what a build would embed and how long it would take, before it starts (``plan_build``), and
  whether one may start: never unless asked (``require_index``), within a limit for `ask` (``ensure_index``).
- ``memory``: an index of ``TextDocument``s given in memory (text + metadata), written to a folder only
  when saved (``save_memory_store``, ``load_memory_store``).
- ``store``: ``IndexStore``, one build on disk (chunk records, line texts, vectors, manifest with the
  sha256 of every file), written atomically and checked on load. Its parts: ``builds`` (the index
  folder, CURRENT, the atomic switch and the lock), ``manifest`` (what a build records about itself),
  ``build_files`` (a build's record files, written with their checksums and read back checked).
- ``vectors``: the ``VectorIndex`` protocol and its factory; ``faiss_vectors`` + ``faiss_index`` (default) and
  ``qdrant_vectors`` are the backends.
- ``sources``: the lines of an indexed file around a cited line, read from the index, never the disk.
"""
