"""No build without saying so (issue 18, defect 4 and the library): the library never builds unless
asked; asked, it says what it embeds; `ask` and the web app build only short ones by themselves."""

from __future__ import annotations

import logging

import pytest

from qa.answer.pipeline import Pipeline
from qa.errors import IndexMissingError, IndexStaleError
from qa.index import planning
from qa.index.indexer import build_index
from qa.index.planning import SECONDS_PER_CHUNK, index_command, plan_build
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


def test_the_library_never_builds_unless_asked_and_says_how(fake_settings, fake_embedder):
    how = f"`{index_command(fake_settings)}`"
    with pytest.raises(IndexMissingError) as e:
        Retriever.from_settings(fake_settings, fake_embedder)
    message = str(e.value)
    assert f"no index of {fake_settings.docs_dir} in {fake_settings.index_dir}" in message
    assert how in message and "qa.build_index(settings, embedder)" in message and "build=True" in message
    with pytest.raises(IndexMissingError, match="build=True"):
        Pipeline(fake_settings).ask("What was Jiangxi's 2020 recovered fund amount?")
    assert fake_embedder.calls == 0 and not fake_settings.index_dir.exists()  # nothing embedded or written

    build_index(fake_settings, fake_embedder, progress=False)
    (fake_settings.docs_dir / "new.txt").write_text("Qinghai opened 12 new clinics in 2024.")
    calls = fake_embedder.calls
    with pytest.raises(
        IndexStaleError, match=r"is stale \(new files: new.txt\): build it with `qa index --docs"
    ):
        Retriever.from_settings(fake_settings, fake_embedder)
    assert fake_embedder.calls == calls


def test_asked_to_build_the_library_builds_whatever_it_takes_and_says_so(
    fake_settings, fake_embedder, monkeypatch, caplog
):
    monkeypatch.setattr(planning, "SECONDS_PER_CHUNK", 1000.0)  # every build now looks like days
    with caplog.at_level(logging.INFO, logger="qa.index.planning"):
        retriever = Retriever.from_settings(fake_settings, fake_embedder, build=True)
    assert len(retriever.chunks) > 0
    assert "building the index (no index yet): about" in caplog.text and "hours" in caplog.text
    assert all(r.levelno == logging.INFO for r in caplog.records if r.name == "qa.index.planning")


def test_a_long_build_is_refused_and_points_to_qa_index(fake_settings, fake_embedder):
    (fake_settings.docs_dir / "big.txt").write_bytes(BIG)
    with pytest.raises(IndexMissingError, match=r"QA_AUTO_BUILD_SECONDS.*run `qa index --docs") as e:
        Retriever.from_settings(fake_settings, fake_embedder, build=True, max_build_seconds=300)
    assert "chunks from 6 files" in str(e.value) and "minutes" in str(e.value)
    assert fake_embedder.calls == 0  # nothing was embedded

    build_index(fake_settings, fake_embedder, progress=False)
    (fake_settings.docs_dir / "big2.txt").write_bytes(BIG)
    with pytest.raises(IndexStaleError, match="new files: big2.txt"):
        Retriever.from_settings(fake_settings, fake_embedder, build=True, max_build_seconds=300)


def test_a_short_build_goes_ahead_and_says_what_it_embeds(fake_settings, fake_embedder, caplog):
    retriever = Retriever.from_settings(fake_settings, fake_embedder, build=True, max_build_seconds=300)
    assert len(retriever.chunks) > 0
    assert "building the index (no index yet): about" in caplog.text and "chunks from 5 files" in caplog.text
    assert {r.levelno for r in caplog.records if r.name == "qa.index.planning"} == {logging.WARNING}


def test_a_zero_limit_never_builds_implicitly(fake_settings, fake_embedder):
    with pytest.raises(IndexMissingError, match="QA_AUTO_BUILD_SECONDS is 0.*run `qa index"):
        Retriever.from_settings(fake_settings, fake_embedder, build=True, max_build_seconds=0)
    assert fake_embedder.calls == 0


def test_library_builds_print_no_progress_bars_unless_asked(fake_settings, fake_embedder, capfd):
    Retriever.from_settings(fake_settings, fake_embedder, build=True)
    build_index(fake_settings, fake_embedder, full=True)
    assert capfd.readouterr().err == ""
