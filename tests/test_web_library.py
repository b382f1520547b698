"""The page's library (model-free): start-up steps, document list, adding and removing files, source
lines, and what the chat shows of an answer."""

from __future__ import annotations

import pytest

from qa.app.chat import cleared, input_state, retry_handler
from qa.app.library import Library
from qa.app.render import render_answer, render_passages, render_status
from qa.app.titles import document_title
from qa.errors import InputError, QAError
from qa.records import Answer, Chunk, Citation, Hit
from tests.conftest import JIANGXI_FILE, SEEDS, FakeEmbedder, GatedEmbedder, fake_settings_for

NOTE = b"# Harbin clinic notice\n\nThe Harbin clinic fee for 2024 was set at 47 yuan per visit.\n"
QUESTION = "What was the Harbin clinic fee for 2024?"


@pytest.fixture
def library(make_pipeline):
    return _library(make_pipeline())


def _library(pipeline) -> Library:
    return Library(pipeline.settings, pipeline=pipeline)


def seeds_bytes() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(SEEDS.iterdir())}


# --- documents ---------------------------------------------------------------------------------


def test_the_document_list_has_titles_counts_and_the_files_left_out(make_pipeline, docs_copy):
    (docs_copy / "empty.txt").write_text("")
    (docs_copy / "photo.png").write_bytes(b"\x89PNG")
    listing = _library(make_pipeline()).documents()
    assert listing["count"] == 5 and listing["indexed"]
    jiangxi = next(d for d in listing["documents"] if d["file"] == JIANGXI_FILE)
    assert jiangxi["title"] == "China News Service, Nanchang, March 19 (Reporter Wu Pengquan)"
    assert jiangxi["lines"] > 1 and jiangxi["uploaded"] is False
    reasons = {s["file"]: s["reason"] for s in listing["skipped"]}
    assert reasons == {"empty.txt": "empty file", "photo.png": "unsupported file type .png"}


@pytest.mark.parametrize(
    ("file", "first", "title"),
    [
        ("notes.md", "## Clinic fees 2022", "Clinic fees 2022"),
        ("001_5c3b6ceae2eb49f9.txt", "", "001"),
        ("report.txt", "word " * 40, ("word " * 14).strip() + "…"),
    ],
)
def test_document_titles_are_readable(file, first, title):
    assert document_title(file, first) == title


def test_source_lines_come_with_their_neighbours_and_title(library):
    out = library.source(JIANGXI_FILE, 3, 2)
    assert out["line"] == 3 and out["title"].startswith("China News Service, Nanchang")
    numbers = [row["line"] for row in out["lines"]]
    assert 3 in numbers and min(numbers) >= 1 and max(numbers) <= 5 and len(numbers) >= 2
    with pytest.raises(InputError, match="not a file name inside"):
        library.source("../secret.txt", 1, 2)


# --- adding and removing files -------------------------------------------------------------------


def test_an_added_file_is_answered_from_and_cited_at_once_and_can_be_removed(library, docs_copy):
    before = seeds_bytes()
    assert library.add([("harbin.md", NOTE)]) == ["uploads/harbin.md"]
    answer = library.pipeline.ask(QUESTION)
    assert "47 yuan" in answer.text
    assert ("uploads/harbin.md", 3) in {(c.file, c.line) for c in answer.citations}
    listing = library.documents()
    assert {"file": "uploads/harbin.md", "uploaded": True, "title": "Harbin clinic notice"}.items() <= next(
        d for d in listing["documents"] if d["file"] == "uploads/harbin.md"
    ).items()
    assert (library.settings.uploads_path / "harbin.md").read_bytes() == NOTE
    assert not (docs_copy / "harbin.md").exists() and seeds_bytes() == before  # seeds/ untouched

    library.remove("uploads/harbin.md")
    assert "uploads/harbin.md" not in {d["file"] for d in library.documents()["documents"]}
    assert not library.pipeline.ask(QUESTION).citations or all(
        c.file != "uploads/harbin.md" for c in library.pipeline.ask(QUESTION).citations
    )


def test_an_upload_updates_the_index_incrementally_with_progress(library):
    reports = []  # (chunks embedded so far, chunks to embed): what the page's bar shows
    library.add([("harbin.md", NOTE)], lambda done, total: reports.append((done, total)))
    chunks = len(library.pipeline.retriever.store.chunks)
    assert reports and reports[-1][0] == reports[-1][1]  # the bar ends full
    assert all(total == reports[0][1] for _, total in reports) and reports[0][1] < chunks  # only the new file
    assert [done for done, _ in reports] == sorted(done for done, _ in reports)


@pytest.mark.parametrize(
    ("name", "raw", "reason"),
    [
        ("virus.exe", b"MZ", "only .txt, .md, .html, .htm, .pdf files can be added, not .exe"),
        (".hidden.txt", b"text", "not a usable file name"),
        ("empty.txt", b"", "cannot be used: empty file"),
        ("blob.txt", b"\x00\x01\x02" * 10, "cannot be used: binary file"),
        ("broken.pdf", b"%PDF-1.4 not really", "cannot be used"),
        ("huge.txt", b"a" * (20 * 2**20 + 1), "files up to 20 MB can be added"),
    ],
)
def test_bad_files_are_refused_with_the_reason_and_nothing_changes(library, name, raw, reason):
    build = (library.settings.index_dir / "CURRENT").read_text()
    with pytest.raises(InputError, match=reason.replace(".", r"\.").replace("(", r"\(")):
        library.add([("fine.md", NOTE), (name, raw)])  # one bad file: none of them is added
    assert (library.settings.index_dir / "CURRENT").read_text() == build
    assert not library.settings.uploads_path.exists() or not any(library.settings.uploads_path.iterdir())


def test_a_failed_index_update_leaves_the_files_and_the_live_index_as_they_were(library, monkeypatch):
    import qa.app.library as library_module

    old = library.pipeline
    build = (library.settings.index_dir / "CURRENT").read_text()

    def broken_build(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(library_module, "build_index", broken_build)
    with pytest.raises(RuntimeError):
        library.add([("harbin.md", NOTE)])
    assert library.pipeline is old and (library.settings.index_dir / "CURRENT").read_text() == build
    assert not (library.settings.uploads_path / "harbin.md").exists()
    assert "723 million" in library.pipeline.ask("What was Jiangxi's 2020 recovered fund amount?").text


def test_only_files_added_from_the_page_can_be_removed(library):
    with pytest.raises(InputError, match="only those can be removed"):
        library.remove(JIANGXI_FILE)
    with pytest.raises(InputError, match="only those can be removed"):
        library.remove("uploads/never-added.md")


def test_uploads_are_off_when_their_folder_is_inside_the_documents_folder(make_pipeline, docs_copy):
    pipeline = make_pipeline()
    settings = pipeline.settings.replace(uploads_dir=docs_copy / "mine")
    with pytest.raises(InputError, match="uploads are off"):
        Library(settings, pipeline=pipeline).add([("harbin.md", NOTE)])
    assert not (docs_copy / "mine").exists()


# --- start-up ----------------------------------------------------------------------------------------


def test_start_up_reports_each_step_and_answers_once_ready(tmp_path, docs_copy):
    embedder = GatedEmbedder(seconds=60)
    library = Library(
        fake_settings_for(tmp_path, docs_copy).replace(generate="when-needed"), embedder=embedder
    )
    thread = library.start()
    status = library.status()
    assert status["ready"] is False and status["steps"][0]["state"] == "running"
    with pytest.raises(QAError, match="still starting"):
        library.pipeline.ask(QUESTION)
    embedder.release.set()
    thread.join(60)
    states = {s["name"]: s["state"] for s in library.status()["steps"]}
    assert library.ready() and states == {"embedding model": "done", "index": "done", "generator": "off"}
    assert "723 million" in library.pipeline.ask("What was Jiangxi's 2020 recovered fund amount?").text


def test_start_up_builds_only_a_short_index_and_points_a_long_one_to_qa_index(tmp_path, docs_copy, caplog):
    settings = fake_settings_for(tmp_path, docs_copy)
    library = Library(settings, embedder=FakeEmbedder())
    library.start().join(60)
    assert library.ready() and "building the index (no index yet): about" in caplog.text

    (docs_copy / "big.txt").write_bytes(b"A sentence about the funds of one province in one year.\n" * 30_000)
    embedder = FakeEmbedder()
    library = Library(settings, embedder=embedder)
    library.start().join(60)
    index = library.status()["steps"][1]
    assert index["state"] == "failed" and "QA_AUTO_BUILD_SECONDS" in index["detail"]
    assert f"run `qa index --docs {docs_copy}" in index["detail"] and embedder.calls == 0  # nothing embedded


def test_files_over_the_size_limit_are_listed_as_left_out(tmp_path, docs_copy):
    from tests.conftest import fake_pipeline

    (docs_copy / "big.txt").write_text("Ningxia recovered 31 million yuan of medical funds.\n" * 600)  # 31 kB
    pipeline = fake_pipeline(fake_settings_for(tmp_path, docs_copy).replace(max_file_mb=0.02))
    reasons = {s["file"]: s["reason"] for s in _library(pipeline).documents()["skipped"]}
    assert "over the" in reasons["big.txt"] and "raise QA_MAX_FILE_MB" in reasons["big.txt"]


def test_the_start_up_panel_marks_the_page_starting_until_the_chat_can_answer():
    steps = [{"name": "index", "state": "running", "detail": "", "done": 3, "total": 9}]
    starting = render_status({"ready": False, "steps": steps})
    assert "qa-starting" in starting and "example questions open" in starting  # examples off meanwhile
    steps = [{"name": "generator", "state": "running", "detail": "", "done": 0, "total": 0}]
    assert "qa-starting" not in render_status({"ready": True, "steps": steps})  # answers before the generator


def test_a_failed_start_says_which_step_and_why(tmp_path):
    settings = fake_settings_for(tmp_path, tmp_path / "docs")
    (tmp_path / "docs").mkdir()
    library = Library(settings, embedder=FakeEmbedder())
    library.start().join(60)
    failed = [s for s in library.status()["steps"] if s["state"] == "failed"]
    assert [s["name"] for s in failed] == ["index"] and "no readable" in failed[0]["detail"]
    with pytest.raises(QAError, match="could not start: index"):
        _ = library.pipeline


# --- what the chat shows ------------------------------------------------------------------------------

LINE = "In 2020 the province recovered 723 million yuan in medical insurance funds."
SPACY = "packaged:en_core_web_sm"  # the packaged parser (model tier)


def answer(text: str, short: str = "", line: str = LINE, speaker: str = "") -> Answer:
    chunk = Chunk("a.txt#0", "a.txt", 1, 1, 0, len(line), line)
    cited, hits = (Citation("a.txt", 1, line),), (Hit(chunk, 0.0205, 1),)
    return Answer("q?", text, False, cited, hits, short_answer=short, speaker=speaker)


def test_the_short_answer_leads_and_the_cited_line_is_quoted_once():
    shown = render_answer(answer(LINE, short="723 million yuan"), {"a.txt": "Jiangxi funds"})
    assert shown.startswith("**723 million yuan**")
    assert shown.count("recovered 723 million yuan") == 1
    assert "[Jiangxi funds, line 1](#cite=a.txt:1)" in shown


def test_an_answer_text_that_leads_with_its_short_answer_shows_the_quote_once():
    # the pipeline's shape: "<short answer>. <quote>"
    shown = render_answer(answer(f"723 million yuan. {LINE}", short="723 million yuan"))
    assert shown.startswith("**723 million yuan**")
    assert shown.count("recovered 723 million yuan") == 1


def test_without_a_short_answer_the_sentence_is_not_repeated_by_its_source():
    shown = render_answer(answer(LINE))
    assert shown.count("recovered 723 million yuan") == 1 and "(#cite=a.txt:1)" in shown


def test_a_source_that_says_more_than_the_answer_is_quoted():
    shown = render_answer(answer("Jiangxi recovered 723 million yuan [1].", short=""))
    assert "Jiangxi recovered" in shown and "> In 2020 the province recovered" in shown


FERRY = "The harbour office said the night ferry costs 12 euros."


def test_a_short_answer_from_a_reported_statement_is_shown_as_its_speakers():
    shown = render_answer(answer(f"12 euros. {FERRY}", "12 euros", FERRY, speaker="the harbour office"))
    assert shown.startswith("According to the harbour office: **12 euros**")
    assert shown.count("night ferry costs 12 euros") == 1  # the quote still once
    plain = render_answer(answer(f"723 million yuan. {LINE}", short="723 million yuan"))
    assert plain.startswith("**723 million yuan**")  # a plain fact stays a plain fact


@pytest.mark.parametrize(
    ("speaker", "lead"),
    [
        ("she", "According to her: "),  # no one named before her in the paragraph
        ("We", "According to the cited text: "),  # never "According to us": the bot's own view
        ("Dr. <b>Moro</b>", "According to Dr. &lt;b&gt;Moro&lt;/b&gt;: "),  # escaped like any text
    ],
)
def test_the_speaker_is_named_in_the_object_case_and_escaped(speaker, lead):
    assert render_answer(
        answer("The night ferry costs 12 euros [1].", line=FERRY, speaker=speaker)
    ).startswith(lead + "The night ferry")


@pytest.mark.model
def test_the_chat_shows_a_reported_opinion_as_its_speakers(tmp_path, docs_copy):
    from qa.app.chat import chat_handler
    from tests.conftest import fake_pipeline

    (docs_copy / "harbour.md").write_text(
        "# Harbour notes\n\nCaptain Mira Holt believes that the old pier will close in 2031.\n"
    )
    settings = fake_settings_for(tmp_path, docs_copy).replace(generate="when-needed", language_model=SPACY)
    respond = chat_handler(fake_pipeline(settings))
    *_, (chat, history, _, _) = respond("When will the old pier close?", [], [])
    assert chat[-1]["content"].startswith("According to Captain Mira Holt: **2031**")
    assert history[-1][1].startswith("2031")  # what follow-ups read is the answer, as before


def test_passages_show_rank_and_a_relevance_bar_not_raw_scores():
    shown = render_passages(answer(LINE))
    assert "**1.**" in shown and "▰" in shown and "0.0205" not in shown and "score" not in shown


# --- chat state ----------------------------------------------------------------------------------------


def test_every_clear_empties_the_follow_up_history():
    chat, history, *_ = cleared()
    assert chat == [] and history == []


def test_regenerate_forgets_the_turn_it_replaces(make_pipeline):
    from qa.app.chat import chat_handler

    calls = []
    pipeline = make_pipeline()
    stream = pipeline.stream
    pipeline.stream = lambda q, h=None: (calls.append(h), stream(q, h))[1]
    respond = chat_handler(pipeline)
    *_, (chat, history, _, _) = respond("What was Jiangxi's 2020 recovered fund amount?", [], [])
    *_, (chat, history, _, _) = respond("and in 2030?", chat, history)
    *_, (chat2, history2, _, _) = retry_handler(respond)(chat, history)
    assert len(calls[-1]) == 1 and len(history2) == 2 and len(chat2) == 4  # the first turn only


def test_an_empty_question_adds_no_bubble_and_ask_stays_off():
    from qa.app.chat import chat_handler

    respond = chat_handler(object())  # never reached: an empty question asks nothing
    outputs = list(respond("   ", [], []))
    assert len(outputs) == 1 and outputs[0][0] == [] and outputs[0][1] == []
    send, count = input_state("", 2000)
    assert send["interactive"] is False and "0 / 2,000 characters" in count
    send, count = input_state("x" * 2001, 2000)
    assert send["interactive"] is False and "too long" in count


def test_the_settings_keep_uploads_beside_the_index(tmp_path):
    settings = fake_settings_for(tmp_path, SEEDS)
    assert settings.uploads_path == tmp_path / "uploads"


def test_a_new_pipeline_per_update_keeps_the_generator(make_pipeline):
    from tests.conftest import FakeGenerator

    generator = FakeGenerator("Harbin: 47 yuan [1].")
    pipeline = make_pipeline(generator=generator)
    library = _library(pipeline)
    library.add([("harbin.md", NOTE)])
    assert library.pipeline is not pipeline and library.pipeline.generator is generator


def test_a_pdf_is_shown_by_page_and_line_in_citations_and_the_source_panel(library):
    from qa.app.render import render_source
    from tests.pdf_fixtures import pdf_bytes

    pages = [["Harbin report", "Cover page."], ["Fees", "The Harbin clinic fee for 2024 was 47 yuan."]]
    pdf = pdf_bytes(pages)
    library.add([("harbin.pdf", pdf)])
    answer = library.pipeline.ask(QUESTION)
    cited = next(c for c in answer.citations if c.file == "uploads/harbin.pdf")
    assert (cited.page, cited.page_line) == (2, 2)
    assert "p.2 line 2](#cite=uploads/harbin.pdf:" in render_answer(answer)
    panel = render_source(library.source("uploads/harbin.pdf", cited.line, 2))
    assert "page 2, line 2" in panel and "<mark>The Harbin clinic fee for 2024 was 47 yuan.</mark>" in panel
