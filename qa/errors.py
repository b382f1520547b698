"""Errors meant for users: each message says what to do next."""


class QAError(Exception):
    """Base class: the CLI prints the message on one line, the web page shows it."""


class InputError(QAError):
    """A question or argument the product cannot take as it is."""


class CorpusError(QAError):
    """The document folder is missing, empty or unreadable."""


class IndexMissingError(QAError):
    """No index has been built yet."""


class IndexStaleError(QAError):
    """The index no longer matches the documents, model or chunking settings."""


class IndexCorruptError(QAError):
    """An index file is damaged, partly written or fails its checksum."""


class ModelError(QAError):
    """A model package is missing, damaged or cannot be loaded."""


class MissingExtraError(QAError):
    """An optional feature was asked for but its package is not installed."""


class VectorStoreError(QAError):
    """The vector store (e.g. a Qdrant server) cannot be reached or refuses a request."""
