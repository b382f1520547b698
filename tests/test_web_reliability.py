"""The web server under faults and load, model-free: a real Gradio server over a fake-embedder
pipeline, driven through gradio_client (and headless Chromium where installed)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from qa.app.server import check_exposure
from qa.app.web import FAILED, render_answer, render_passages
from qa.errors import QAError
from tests.conftest import JIANGXI_FILE, SEEDS, FakeGenerator, fake_pipeline, fake_settings_for, running_app
from tests.web_page import ask, open_page, wait

JIANGXI = "What was Jiangxi's 2020 recovered fund amount?"


def client_for(url: str, **kwargs):
    from gradio_client import Client

    return Client(url, verbose=False, **kwargs)


def crash_on_jiangxi(messages) -> str:
    if "Jiangxi" in messages[-1]["content"]:
        raise RuntimeError("a bug deep inside generation")
    return "The financing standard was raised to 1020 yuan [1]."


# --- a failure stays in its own request ------------------------------------------------------------


def test_a_crash_in_one_request_is_reported_there_and_the_server_keeps_serving(make_pipeline):
    from gradio_client.exceptions import AppError

    pipeline = make_pipeline(generator=FakeGenerator(crash_on_jiangxi))
    with running_app(pipeline) as url:
        alice, bob = client_for(url), client_for(url)
        with pytest.raises(AppError, match="Something went wrong") as caught:
            alice.predict(JIANGXI, api_name="/ask")
        assert "RuntimeError" not in str(caught.value) and "Traceback" not in str(caught.value)
        other = bob.predict(
            "What is the 2023 financing standard for residents' medical insurance?", api_name="/ask"
        )
        assert "1020 yuan" in other["answer"]
        assert alice.predict("Jiangxi recovered funds", 2, api_name="/search")  # alice's session still works


def test_a_crash_in_one_json_api_request_is_a_500_for_it_alone(make_pipeline):
    import httpx

    from qa.app.http_api import FAILED as API_FAILED
    from qa.app.http_api import start_in_thread
    from qa.app.server import build_server
    from tests.conftest import free_port

    pipeline = make_pipeline(generator=FakeGenerator(crash_on_jiangxi))
    port = free_port()
    server = start_in_thread(build_server(pipeline, None, port), "127.0.0.1", port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            crashed = http.post("/api/ask", json={"question": JIANGXI})
            assert crashed.status_code == 500 and crashed.json() == {"error": API_FAILED}
            other = http.post("/api/ask", json={"question": "What is the 2023 financing standard?"})
            assert other.status_code == 200 and "1020 yuan" in other.json()["answer"]
    finally:
        server.should_exit = True


def test_a_crash_in_the_chat_shows_in_that_chat_and_keeps_its_history_and_text(make_pipeline):
    from qa.app.web import chat_handler

    respond = chat_handler(make_pipeline(generator=FakeGenerator(crash_on_jiangxi)))
    history = [["What is the 2023 financing standard?", "1020 yuan."]]
    chat = [{"role": "user", "content": "earlier"}, {"role": "assistant", "content": "1020 yuan."}]
    *_, (chat_out, history_out, _, box) = respond(JIANGXI, chat, history)
    assert chat_out[-1]["content"] == f"⚠️ {FAILED}"
    assert history_out == history  # nothing half-done is remembered
    assert box == JIANGXI  # the question is handed back, not lost


def test_a_user_error_in_the_chat_is_shown_in_that_chat(make_pipeline):
    from qa.app.web import chat_handler

    respond = chat_handler(make_pipeline())
    *_, (chat_out, history_out, _, _) = respond("?!", [], [])
    assert chat_out[-1]["content"].startswith("⚠️ the question has no words")
    assert history_out == []


# --- HTML in documents is shown, never run ------------------------------------------------------------

SCRIPT_DOC = (
    "Hainan clinic notice for 2022.\n\n"
    "The Hainan clinic notice of 2022 set the fee at 35 yuan <script>window.pwned = 1</script> "
    '<img src=x onerror="window.pwned = 2"> for every visit.\n'
)


def test_html_in_answers_and_passages_is_escaped(make_pipeline):
    pipeline = make_pipeline(extra={"zz_script.txt": SCRIPT_DOC})
    answer = pipeline.ask("What fee did the Hainan clinic notice of 2022 set?")
    shown = render_answer(answer) + render_passages(answer)
    assert "zz_script.txt" in shown and "&lt;script&gt;" in shown
    assert "<script" not in shown and "<img" not in shown


@pytest.mark.browser
def test_a_script_inside_a_document_is_shown_as_text_in_the_page_and_never_runs(make_pipeline, browser):
    from selenium.webdriver.common.by import By

    pipeline = make_pipeline(extra={"zz_script.txt": SCRIPT_DOC})
    with running_app(pipeline) as url:
        open_page(browser, url)
        ask(browser, "What fee did the Hainan clinic notice of 2022 set?")
        chat = browser.find_element(By.ID, "chat")
        assert "<script>window.pwned = 1</script>" in chat.text  # shown literally
        assert browser.execute_script("return window.pwned === undefined")
        assert not chat.find_elements(By.TAG_NAME, "script") and not chat.find_elements(
            By.CSS_SELECTOR, "img[src=x]"
        )
        chat.find_element(By.CSS_SELECTOR, 'a[href^="#cite=zz_script.txt"]').click()  # the source panel too
        source = wait(browser).until(lambda d: d.find_element(By.CSS_SELECTOR, "#source .qa-cited"))
        assert "<script>window.pwned = 1</script>" in source.text
        assert browser.execute_script("return window.pwned === undefined")


# --- exposure ---------------------------------------------------------------------------------------------


def test_by_default_the_server_binds_loopback_and_opens_no_share_link(monkeypatch):
    import inspect

    from qa.app.cli import build_parser
    from qa.app.server import serve
    from qa.config import load_settings

    monkeypatch.delenv("QA_HOST", raising=False)
    assert load_settings().host == "127.0.0.1"
    assert build_parser().parse_args(["serve"]).share is False
    assert inspect.signature(serve).parameters["share"].default is False


@pytest.mark.parametrize(
    ("host", "share", "message"),
    [
        ("0.0.0.0", False, "refusing to serve on 0.0.0.0 without a login"),
        ("192.168.1.20", False, "QA_AUTH=user:password"),
        ("127.0.0.1", True, "public share link without a login"),
    ],
)
def test_serving_beyond_this_machine_without_a_login_is_refused(host, share, message):
    with pytest.raises(QAError, match=message):
        check_exposure(host, share, None)


@pytest.mark.parametrize(("host", "share"), [("127.0.0.1", False), ("localhost", False), ("::1", False)])
def test_loopback_needs_no_login(host, share):
    check_exposure(host, share, None)


def test_any_address_is_allowed_with_a_login():
    check_exposure("0.0.0.0", True, [("ann", "pw")])


def test_serve_refuses_before_loading_anything(tmp_path, monkeypatch):
    from qa.app.server import serve
    from qa.config import Settings

    monkeypatch.delenv("QA_AUTH", raising=False)
    settings = Settings(docs_dir=tmp_path / "no-such-folder", index_dir=tmp_path / "index", host="0.0.0.0")
    with pytest.raises(QAError, match="without a login"):  # not CorpusError: nothing was loaded
        serve(settings, prevent_thread_lock=True)
    assert not (tmp_path / "index").exists()


def test_with_a_login_the_api_refuses_clients_without_it(make_pipeline):
    with running_app(make_pipeline(), auth=[("ann", "s3cret")]) as url:
        with pytest.raises(Exception):  # noqa: B017 - gradio_client raises a plain ValueError or an HTTP error
            client_for(url).predict("Jiangxi", 1, api_name="/search")
        rows = client_for(url, auth=("ann", "s3cret")).predict(
            "Jiangxi recovered funds", 1, api_name="/search"
        )
        assert rows[0]["file"] == JIANGXI_FILE


# --- source previews stay inside the corpus -----------------------------------------------------------


@pytest.fixture(scope="module")
def shared_app(tmp_path_factory):
    """One server for the read-only API tests of this module; its generator waits for `gate`."""
    settings = fake_settings_for(tmp_path_factory.mktemp("web"), SEEDS)
    gate = threading.Event()
    generator = FakeGenerator("Jiangxi recovered 723 million yuan in 2020 [1].", gate=gate)
    with running_app(fake_pipeline(settings, generator)) as url:
        yield url, generator, gate


def test_source_preview_returns_lines_around_a_cited_line(shared_app):
    url, _, _ = shared_app
    out = client_for(url).predict(JIANGXI_FILE, 1, 1, api_name="/source")
    assert out["file"] == JIANGXI_FILE
    assert out["lines"][0]["line"] == 1 and "723 million" in out["lines"][0]["text"]


@pytest.mark.parametrize(
    ("file", "message"),
    [
        ("../../../../etc/passwd", "not a file name inside the article folder"),
        ("/etc/passwd", "not a file name inside the article folder"),
        (f"./{JIANGXI_FILE}", "not a file name inside the article folder"),
        ("sub/../../secret.txt", "not a file name inside the article folder"),
        ("notes.txt", "no article named 'notes.txt' is indexed"),
    ],
)
def test_source_preview_refuses_files_outside_the_indexed_corpus(shared_app, file, message):
    from gradio_client.exceptions import AppError

    url, _, _ = shared_app
    with pytest.raises(AppError, match=message):
        client_for(url).predict(file, 1, 2, api_name="/source")


# --- load: generation is bounded, search is never stuck behind it ------------------------------------


def test_search_returns_while_a_slow_generation_is_in_progress(shared_app):
    url, generator, gate = shared_app
    gate.clear()
    generator.entered.clear()
    asking = client_for(url).submit(JIANGXI, api_name="/ask")
    try:
        assert generator.entered.wait(60), "the generation never started"
        rows = client_for(url).predict("Jiangxi recovered funds", 3, api_name="/search")
        assert rows[0]["file"] == JIANGXI_FILE
        assert not asking.done()  # the search came back while the generation was still held
    finally:
        gate.set()
    assert "723 million" in asking.result(timeout=60)["answer"]


def test_generations_run_one_at_a_time_and_every_caller_gets_its_own_answer(shared_app):
    url, generator, gate = shared_app
    gate.set()
    generator.most_at_once = 0
    questions = [JIANGXI, "What is the 2023 financing standard for residents' medical insurance?"] * 3
    with ThreadPoolExecutor(len(questions)) as pool:
        outs = list(pool.map(lambda q: client_for(url).predict(q, api_name="/ask"), questions))
    assert [o["question"] for o in outs] == questions
    assert generator.most_at_once == 1
