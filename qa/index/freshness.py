"""Whether the live index still matches the documents and settings, and whether it loads.

- ``stale_reasons(settings)``: why the index no longer matches (new, removed, changed files; another
  embedding model, chunking, language model, vector store or index type; a file on the other side of
  a changed QA_MAX_FILE_MB); [] when it is up to date.
- ``live_build_problem(settings)``: what `ask` would refuse in the live build, though no file changed.
- ``check_folder_index``: an index saved from documents in memory is never updated from a folder.
"""

from __future__ import annotations

from pathlib import Path

from qa.config import Settings
from qa.errors import InputError, QAError
from qa.hashing import sha256_file
from qa.index.faiss_index import choose_index_type
from qa.index.store import FORMAT_VERSION, IndexStore, Manifest, read_embeddings, read_manifest
from qa.ingest.uploads import source_files


def max_file_bytes(settings: Settings) -> int:
    return int(settings.max_file_mb * 2**20)


def file_size(path: Path) -> int:
    """Size on disk; -1 when it cannot be read (the file is then read, and skipped with the reason)."""
    try:
        return path.stat().st_size
    except OSError:
        return -1


def check_folder_index(manifest: Manifest, index_dir: Path) -> None:
    """An index saved from documents in memory (Retriever.save) is not updated from a folder: a build
    over it would replace those documents with the folder's."""
    if manifest.origin != "folder":
        raise InputError(
            f"{index_dir} holds documents saved from memory (Retriever.save), not the index of a folder: "
            "load it with qa.Retriever.load, and index folders into another --index folder"
        )


def live_build_problem(settings: Settings) -> str:
    """What is wrong with the live build, checked as `ask` loads it (every file against its checksum,
    the records, the vectors); "" when it loads. `qa index` rebuilds a damaged build even when no
    document changed: a damaged one is what `ask` tells the user to run `qa index` for."""
    try:
        IndexStore.load(settings.index_dir, qdrant_api_key=settings.qdrant_api_key)
        read_embeddings(settings.index_dir)
    except QAError as e:
        return str(e)
    return ""


def stale_reasons(settings: Settings, manifest: Manifest | None = None) -> list[str]:
    """Why the index no longer matches the documents and settings (empty when it is fresh)."""
    manifest = manifest or read_manifest(settings.index_dir)
    check_folder_index(manifest, settings.index_dir)
    reasons = []
    if manifest.format_version != FORMAT_VERSION:
        reasons.append(
            f"index format {manifest.format_version} is not this version's {FORMAT_VERSION} (rebuilt in full)"
        )
    if manifest.embedding_model != settings.embedding_model:
        reasons.append(
            f"built with embedding model {manifest.embedding_model}, not {settings.embedding_model}"
        )
    built_with = (manifest.vector_store.get("backend"), manifest.vector_store.get("url", ""))
    wanted = (settings.vector_store, settings.qdrant_url if settings.vector_store == "qdrant" else "")
    if built_with != wanted:
        reasons.append(
            f"vectors are in {describe_store(*built_with)}, settings ask for {describe_store(*wanted)}"
        )
    if (manifest.chunk_chars, manifest.chunk_overlap) != (settings.chunk_chars, settings.chunk_overlap):
        reasons.append("chunking settings changed")
    if manifest.language_model != settings.language_model:
        reasons.append(f"analysed with language model {manifest.language_model or 'none'}")
    wanted = choose_index_type(manifest.count, manifest.dim, settings.index_type)
    if settings.vector_store == "faiss" and manifest.index_type != wanted:
        reasons.append(f"index type is {manifest.index_type}, settings ask for {wanted}")
    current = {name: path for name, path, _ in source_files(settings)}
    known = {**manifest.skipped, **manifest.sources}  # skipped files count as known until they change
    added = sorted(set(current) - set(known))
    removed = sorted(set(manifest.sources) - set(current))
    changed = sorted(f for f in set(current) & set(known) if sha256_file(current[f]) != known[f])
    limit = f"QA_MAX_FILE_MB is {settings.max_file_mb:g}"
    if manifest.max_file_mb is None:
        let_in = f"skipped under a size limit the index did not record ({limit})"
    else:
        let_in = f"now within the size limit ({limit}, was {manifest.max_file_mb:g})"
    for label, files in (
        ("new", added),
        ("removed", removed),
        ("changed", changed),
        (let_in, [f for f in size_limit_lets_in(manifest, settings, current) if f not in changed]),
        (f"now over the size limit ({limit})", size_limit_leaves_out(manifest, settings, current)),
    ):
        if files:
            reasons.append(f"{label} files: {', '.join(files[:5])}{' …' if len(files) > 5 else ''}")
    return reasons


def size_limit_lets_in(
    manifest: Manifest, settings: Settings, current: dict[str, Path] | None = None
) -> list[str]:
    """Files the build skipped that settings.max_file_mb lets in: a skipped file is known by its
    sha256 only, so one bigger than the build's limit was skipped for its size. A build that did not
    record its limit (before max_file_mb was in the manifest) has every skipped file looked at again.

    current is index name -> path of the files to index (default: source_files(settings)).
    """
    current = current if current is not None else {n: p for n, p, _ in source_files(settings)}
    before = None if manifest.max_file_mb is None else int(manifest.max_file_mb * 2**20)
    limit = max_file_bytes(settings)
    sizes = {f: file_size(current[f]) for f in manifest.skipped if f in current}
    return sorted(f for f, size in sizes.items() if 0 < size <= limit and (before is None or size > before))


def size_limit_leaves_out(manifest: Manifest, settings: Settings, current: dict[str, Path]) -> list[str]:
    """Indexed files now over settings.max_file_mb: the next build drops them (and lists them skipped)."""
    limit = max_file_bytes(settings)
    return sorted(f for f in manifest.sources if f in current and file_size(current[f]) > limit)


def describe_store(backend: str | None, url: str) -> str:
    return f"{backend} at {url}" if url else f"{backend} in the index folder"
