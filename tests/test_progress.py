"""Library calls print no progress bars of their own (issue 18, library)."""

from __future__ import annotations

import pytest
from transformers.utils import logging as hf_logging

from qa.progress import quiet_loading


def test_quiet_loading_turns_bars_off_inside_and_restores_them():
    hf_logging.enable_progress_bar()
    with quiet_loading():
        assert not hf_logging.is_progress_bar_enabled()
    assert hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    with quiet_loading():
        pass
    assert not hf_logging.is_progress_bar_enabled()  # a caller's choice is kept
    hf_logging.enable_progress_bar()


@pytest.mark.model
def test_loading_the_embedding_model_draws_no_bar(capfd):
    from qa.config import DEFAULT_EMBEDDING
    from qa.retrieval.embedding import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder(DEFAULT_EMBEDDING, query_runtime="torch")
    embedder.embed(["Jiangxi recovered 723 million yuan."])
    assert "Loading weights" not in capfd.readouterr().err  # printed by every load before
