"""What a build records about itself (manifest.json): the format, how it was made (embedding model,
chunking, language model, vector backend), the sha256 of every source and index file, the count."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

from qa.errors import IndexCorruptError, IndexStaleError
from qa.index.builds import reading

# 3: embeddings.npy and pages.json were added; 4: analysis.json, chunks of spaCy sentences of
# rebuilt paragraphs; 5: section headings start chunks; 6: captions, datelines, breadcrumbs and code
# lines no longer head sections (other chunks); 7: a sentence the parser cut before its closing mark
# is joined to the next (other chunks); 8: a wrapped line opening with a number or letter and a dot
# ("70.  Due to") goes on the sentence before it; 9: a word hyphenated across a line break is parsed
# whole ("re-" / "tained" reads "retained"); 10: an option list or a signature heads its description
# ("-h, --help", "read(fd, buf, n)"); 11: a rejoined word keeps a hyphen its shape shows is real
# ("X-ray", "COVID-19"). An index of an older format is rebuilt in full.
FORMAT_VERSION = 11
EMBEDDINGS = "embeddings.npy"
PAGES = "pages.json"
ANALYSIS = "analysis.json"
RECORD_FILES = ("chunks.json", "lines.json", PAGES, EMBEDDINGS, ANALYSIS)
DEFAULT_VECTOR_STORE = {"backend": "faiss", "files": ["vectors.faiss"]}  # manifests from before backends


@dataclass(frozen=True)
class Manifest:
    format_version: int
    created: str
    embedding_model: str
    dim: int
    chunk_chars: int
    chunk_overlap: int
    sources: dict[str, str]  # file name -> sha256 of its bytes
    skipped: dict[str, str]  # files left out (empty, binary) -> sha256, so they do not look new
    files: dict[str, str]  # index file name -> sha256, checked on load
    count: int
    index_type: str
    # The vector backend's record: {"backend": "faiss" | "qdrant", "files": [...], and e.g. the
    # Qdrant url and collection}; never an API key.
    vector_store: dict = dataclasses.field(default_factory=lambda: dict(DEFAULT_VECTOR_STORE))
    language_model: str = ""  # the spaCy pipeline that analysed the documents
    # QA_MAX_FILE_MB the build read files under: changing it changes which files are indexed.
    # None in builds from before it was recorded.
    max_file_mb: float | None = None
    # "folder": settings.docs_dir (and the uploads), kept up to date by build_index; "memory":
    # qa.TextDocuments saved by Retriever.save, never updated from a folder.
    origin: str = "folder"
    metadata: dict[str, dict] = dataclasses.field(default_factory=dict)  # memory: name -> caller's fields

    @classmethod
    def from_dict(cls, data: object) -> Manifest:
        if not isinstance(data, dict):
            raise IndexCorruptError("index manifest is not a JSON object: run `qa index`")
        fields = dataclasses.fields(cls)
        required = {f.name for f in fields if f.default is f.default_factory is dataclasses.MISSING}
        missing = required - data.keys()
        if missing:
            raise IndexCorruptError(f"index manifest lacks {', '.join(sorted(missing))}: run `qa index`")
        manifest = cls(**{f.name: data[f.name] for f in fields if f.name in data})
        if not isinstance(manifest.vector_store, dict) or not isinstance(
            manifest.vector_store.get("files", []), list
        ):
            raise IndexCorruptError("index manifest has a malformed vector_store: run `qa index`")
        if not isinstance(manifest.metadata, dict) or not all(
            isinstance(fields, dict) for fields in manifest.metadata.values()
        ):
            raise IndexCorruptError(
                "index manifest has malformed document metadata: save the documents again (Retriever.save)"
            )
        return manifest

    @property
    def index_files(self) -> tuple[str, ...]:
        """Every file of the build that the manifest checksums."""
        return (*self.vector_store.get("files", []), *RECORD_FILES)


def read_manifest(index_dir: Path) -> Manifest:
    """The live build's manifest (under a shared lock, so a save cannot remove it mid-read)."""
    with reading(index_dir) as build:
        return build_manifest(build)


def build_manifest(build: Path) -> Manifest:
    """The manifest of one build folder."""
    path = build / "manifest.json"
    try:
        return Manifest.from_dict(json.loads(path.read_text()))
    except (OSError, ValueError) as e:
        raise IndexCorruptError(f"cannot read {path} ({e}): run `qa index`") from e


def check_format(manifest: Manifest) -> None:
    """An index written by another version of the format is rebuilt, not read."""
    if manifest.format_version != FORMAT_VERSION:
        raise IndexStaleError(
            f"index format {manifest.format_version} is not the current {FORMAT_VERSION}: "
            "run `qa index` to rebuild it"
        )
