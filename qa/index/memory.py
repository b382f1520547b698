"""An index of documents given in memory (text + metadata), not read from a folder; saved to a folder
and loaded back on request.

    >>> import qa
    >>> docs = [qa.TextDocument("memo-1", "Jiangxi recovered 723 million yuan.", {"year": 2020})]
    >>> retriever = qa.Retriever.from_documents(docs, embedder)  # doctest: +SKIP
    >>> retriever.search("Jiangxi funds", k=1, where={"year": 2020})  # doctest: +SKIP
    >>> retriever.save("memos-index")                             # doctest: +SKIP
    >>> loaded = qa.Retriever.load("memos-index", embedder)      # doctest: +SKIP

The index lives in memory (FAISS, exact search) until saved; the same chunking, BM25 and fusion as a
folder's index apply, and a document's name is what its citations name. Metadata values are text,
numbers or booleans, so that `where` filters compare them exactly (and JSON keeps them as they are).

Saved, it is a folder index in the same format (qa/index/store.py: a build folder made live by an
atomic rename of CURRENT, every file checksummed), with the metadata in its manifest and the
manifest's origin "memory": `qa index` and `Retriever.from_settings` refuse to treat it as the index
of a folder, so a build over it can never replace the documents with a folder's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from qa.config import Settings
from qa.errors import IndexCorruptError, IndexMissingError, IndexStaleError, InputError
from qa.index.faiss_index import choose_index_type
from qa.index.faiss_vectors import FaissVectors, build_faiss
from qa.index.indexer import document_part, new_manifest
from qa.index.store import IndexStore, Manifest, read_manifest
from qa.ingest.corpus import Document, is_safe_name
from qa.nlp import load_nlp
from qa.retrieval.embedding import Embedder

MAX_DOCUMENTS = 100_000  # beyond this, index a folder: `qa index` shows progress and is incremental


@dataclass(frozen=True)
class TextDocument:
    """One document given in memory: its name is cited like a file name ("memo-1", "2023/audit.txt")."""

    name: str
    text: str
    metadata: Mapping[str, str | int | float | bool] = field(default_factory=dict)


def build_memory_store(
    documents: Iterable[TextDocument], embedder: Embedder, settings: Settings
) -> tuple[IndexStore, dict[str, dict]]:
    """A searchable store over the documents, and name -> metadata. Nothing is written to disk."""
    given = list(documents)
    docs = _checked(given)
    nlp = load_nlp(settings.language_model)
    parts = [document_part(doc, nlp, settings) for doc in docs]
    chunks = [c for p in parts for c in p.chunks]
    lines = {key: text for p in parts for key, text in p.lines.items()}
    if not chunks:
        raise InputError("the documents hold no sentences to index")
    vectors = embedder.embed([c.search_text for c in chunks])
    index_type = choose_index_type(len(chunks), int(vectors.shape[1]), settings.index_type)
    sources = {d.file: d.sha256 for d in docs}
    manifest = new_manifest(
        settings,
        embedder.name,
        vectors,
        index_type,
        sources=sources,
        skipped={},
        vector_store={"backend": "faiss", "files": []},
        origin="memory",
        metadata={d.name: dict(d.metadata) for d in given if d.name in sources},  # not the empty ones
    )
    analysis = {p.file: p.analysis for p in parts}
    vectors_index = FaissVectors(build_faiss(vectors, index_type))
    store = IndexStore(manifest, vectors_index, chunks, lines, {}, vectors, analysis=analysis)
    return store, manifest.metadata


def save_memory_store(store: IndexStore, folder: Path) -> Path:
    """Write an in-memory store into `folder` (created if need be) as a folder index does: a new build
    folder made live by an atomic rename of CURRENT, so a reader or a crash never sees half of it.
    A folder that a previous save wrote is replaced; any other folder that is not empty is refused."""
    if store.manifest.origin != "memory" or store.embeddings is None:
        raise InputError(
            "only an index of documents given in memory (Retriever.from_documents) is saved this way; "
            "a folder's index is written by `qa index` or qa.build_index, a loaded one is on disk already"
        )
    folder = Path(folder)
    if folder.is_dir() and any(folder.iterdir()):
        try:
            check_memory_index(read_manifest(folder), folder)
        except IndexMissingError:
            raise InputError(
                f"{folder} is not empty and holds no saved index: save into a new or empty folder"
            ) from None
        except IndexCorruptError:
            raise InputError(
                f"{folder} holds an index that cannot be read: delete it, or save into a new or empty folder"
            ) from None
    return store.save(folder)


def load_memory_store(folder: Path, embedder: Embedder, settings: Settings) -> IndexStore:
    """The store save_memory_store wrote, checked as a folder index is on load (checksums, names,
    line numbers); its embedding and language models must be the ones given now."""
    folder = Path(folder)
    if not folder.is_dir():
        raise IndexMissingError(f"no saved index in {folder}: Retriever.save(folder) writes one")
    store = IndexStore.load(folder)
    check_memory_index(store.manifest, folder)
    built = store.manifest
    if built.embedding_model != embedder.name:
        raise IndexStaleError(
            f"{folder} was embedded with {built.embedding_model}, not {embedder.name}: load it with "
            "that embedding model, or index the documents again with this one"
        )
    if built.language_model != settings.language_model:
        raise IndexStaleError(
            f"{folder} was analysed with language model {built.language_model}, not "
            f"{settings.language_model}: load it with settings whose language_model is {built.language_model}"
        )
    return store


def check_memory_index(manifest: Manifest, folder: Path) -> None:
    if manifest.origin != "memory":
        raise InputError(
            f"{folder} holds the index of a document folder, not documents saved from memory: "
            "open it with qa.Retriever.from_settings, and save into another folder"
        )


def _checked(documents: list) -> list[Document]:
    """The documents as corpus Documents, or an InputError naming the first bad one."""
    if len(documents) > MAX_DOCUMENTS:
        raise InputError(f"{len(documents):,} documents; index at most {MAX_DOCUMENTS:,} from memory")
    seen: set[str] = set()
    out = []
    for number, doc in enumerate(documents, 1):
        if not isinstance(doc, TextDocument):
            raise InputError(
                f"document {number} must be a qa.TextDocument(name, text, metadata), not {type(doc).__name__}"
            )
        if not is_safe_name(doc.name):
            raise InputError(
                f"document {number}: the name {doc.name!r} must be a relative name like 'memo-1' or 'a/b.txt'"
            )
        if doc.name in seen:
            raise InputError(f"document {number}: the name {doc.name!r} is used twice; names must be unique")
        seen.add(doc.name)
        if not isinstance(doc.text, str):
            raise InputError(f"document {doc.name!r}: text must be a str, not {type(doc.text).__name__}")
        _check_metadata(doc)
        text = doc.text.replace("\r\n", "\n").replace("\r", "\n")
        if text.strip():
            out.append(Document(doc.name, text, hashlib.sha256(text.encode()).hexdigest(), "memory"))
    if not out:
        raise InputError("no document has any text to index")
    return out


def _check_metadata(doc: TextDocument) -> None:
    if not isinstance(doc.metadata, Mapping):
        raise InputError(f"document {doc.name!r}: metadata must be a dict, not {type(doc.metadata).__name__}")
    for key, value in doc.metadata.items():
        if not isinstance(key, str) or key == "file":
            raise InputError(
                f"document {doc.name!r}: metadata keys are text other than 'file' (the name), not {key!r}"
            )
        if not isinstance(value, (str, int, float, bool)):
            raise InputError(
                f"document {doc.name!r}: metadata {key!r} must be text, a number or a boolean, "
                f"not {type(value).__name__}"
            )
