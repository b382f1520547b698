"""Implicit builds say what they cost, and long ones are refused (issue 18, defect 4)."""

from __future__ import annotations

import pytest

from qa.errors import IndexMissingError, IndexStaleError
from qa.index.indexer import build_index
from qa.index.planning import SECONDS_PER_CHUNK, plan_build
from qa.retrieval.retriever import Retriever

BIG = b"A sentence about the recovered funds of one province in one year.\n" * 30_000  # 2 MB


def test_the_plan_counts_only_new_and_changed_files(fake_settings, fake_embedder):
    plan = plan_build(fake_settings)
    assert plan.files == 5 and plan.chunks > 0
    assert plan.seconds == pytest.approx(plan.chunks * SECONDS_PER_CHUNK)
    build_index(fake_settings, fake_embedder, progress=False)
    assert plan_build(fake_settings).files == 0
    (fake_settings.docs_dir / "new.txt").write_bytes(BIG)
    plan = plan_build(fake_settings)
    assert (plan.files, plan.bytes) == (1, len(BIG))
    assert 3000 < plan.chunks < 10_000  # 2 MB of ~67-character lines
    assert "from 1 file (1.9 MB) to embed: about" in plan.describe()


def test_a_long_build_is_refused_and_points_to_qa_index(fake_settings, fake_embedder):
    (fake_settings.docs_dir / "big.txt").write_bytes(BIG)
    with pytest.raises(IndexMissingError, match=r"QA_AUTO_BUILD_SECONDS.*run `qa index`") as e:
        Retriever.from_settings(fake_settings, fake_embedder, progress=False)
    assert "chunks from 6 files" in str(e.value) and "minutes" in str(e.value)
    assert fake_embedder.calls == 0  # nothing was embedded

    build_index(fake_settings, fake_embedder, progress=False)
    (fake_settings.docs_dir / "big2.txt").write_bytes(BIG)
    with pytest.raises(IndexStaleError, match="new files: big2.txt"):
        Retriever.from_settings(fake_settings, fake_embedder, progress=False)


def test_a_short_build_goes_ahead_and_says_what_it_embeds(fake_settings, fake_embedder, caplog):
    retriever = Retriever.from_settings(fake_settings, fake_embedder, progress=False)
    assert len(retriever.chunks) > 0
    assert "building the index (no index yet): about" in caplog.text and "chunks from 5 files" in caplog.text


def test_a_zero_limit_never_builds_implicitly(fake_settings, fake_embedder):
    with pytest.raises(IndexMissingError, match="run `qa index`"):
        Retriever.from_settings(fake_settings.replace(auto_build_seconds=0), fake_embedder, progress=False)
    assert fake_embedder.calls == 0


def test_library_builds_print_no_progress_bars_unless_asked(fake_settings, fake_embedder, capfd):
    Retriever.from_settings(fake_settings, fake_embedder)
    build_index(fake_settings, fake_embedder, full=True)
    assert capfd.readouterr().err == ""
