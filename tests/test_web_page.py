"""The chat page in headless Chromium at desktop (1280x900) and phone (390x844) sizes, model-free:
clearing resets follow-ups, a citation opens its line, an added file is answered from and cited,
the page serves and shows progress while starting, the answer is in view on a phone, no icon or
label covers the messages, and the expected controls work."""

from __future__ import annotations

import contextlib
import threading
import time

import pytest

from qa.app.library import Library
from tests.conftest import (
    JIANGXI_FILE,
    GatedEmbedder,
    fake_settings_for,
    free_port,
    running_app,
)
from tests.web_page import (
    DESKTOP,
    PHONE,
    ask,
    bot_messages,
    chat_idle,
    click_when_free,
    covered_text,
    lagging_event_stream,
    last_answer_in_view,
    open_page,
    question_box,
    scroll_chat,
    set_size,
    stream_delivered,
    text_of,
    wait,
)

pytestmark = pytest.mark.browser

SIZES = pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
JIANGXI = "What was Jiangxi's 2020 recovered fund amount?"
NOTE = "# Harbin clinic notice\n\nThe Harbin clinic fee for 2024 was set at 47 yuan per visit.\n"


def spying(pipeline) -> list:
    """Record the history each question is asked with (what a follow-up is rewritten from)."""
    calls = []
    stream = pipeline.stream

    def recorded(question, history=None):
        calls.append((question, list(history or [])))
        return stream(question, history)

    pipeline.stream = recorded
    return calls


@SIZES
@pytest.mark.parametrize("how", ["trash icon", "new conversation"])
def test_clearing_resets_the_follow_up_history(make_pipeline, browser, size, how):

    pipeline = make_pipeline()
    calls = spying(pipeline)
    with running_app(pipeline) as url:
        open_page(browser, url, size)
        ask(browser, JIANGXI)
        ask(browser, "and in 2030?")
        assert calls[-1][1], "the follow-up was asked with the first turn as history"
        button = "#chat button[aria-label='Clear']" if how == "trash icon" else "#new"
        browser.execute_script(f"document.querySelector({button!r}).scrollIntoView({{block: 'center'}})")
        click_when_free(browser, button)
        wait(browser).until(lambda d: not bot_messages(d))
        ask(browser, "and in 2030?")
        assert calls[-1] == ("and in 2030?", [])  # no history left over from before the clear


@SIZES
def test_clicking_a_citation_shows_the_cited_line_in_its_document(make_pipeline, browser, size):
    from selenium.webdriver.common.by import By

    with running_app(make_pipeline()) as url:
        open_page(browser, url, size)
        text = ask(browser, JIANGXI)
        assert "China News Service, Nanchang, March 19 (Reporter Wu Pengquan), line 1" in text  # a title
        assert JIANGXI_FILE not in text and "score" not in text
        click_when_free(browser, f'#chat a[href="#cite={JIANGXI_FILE}:1"]')
        cited = wait(browser).until(lambda d: d.find_element(By.CSS_SELECTOR, "#source .qa-cited"))
        assert "recovered 723 million yuan in medical insurance funds" in cited.text
        panel = browser.find_element(By.ID, "source").text
        assert (
            "line 1" in panel and "Medical security is a major institutional arrangement" in panel
        )  # neighbours
        wait(browser, 10).until(lambda d: _in_window(d, cited))


@SIZES
def test_an_uploaded_file_is_answered_from_and_cited(make_pipeline, browser, size, tmp_path):
    from selenium.webdriver.common.by import By

    note = tmp_path / "harbin.md"
    note.write_text(NOTE)
    with running_app(make_pipeline()) as url:
        open_page(browser, url, size)
        browser.find_element(By.CSS_SELECTOR, "#upload input[type=file]").send_keys(str(note))
        wait(browser, 120).until(lambda d: "Added" in text_of(d, "upload-status"))
        assert "Harbin clinic notice" in browser.find_element(By.ID, "documents").text
        text = ask(browser, "What was the Harbin clinic fee for 2024?")
        assert "47 yuan" in text and "Harbin clinic notice, line 3" in text
        assert browser.find_elements(By.CSS_SELECTOR, '#chat a[href="#cite=uploads/harbin.md:3"]')

        choice = browser.find_element(By.CSS_SELECTOR, "#remove-choice input")  # and it can be removed
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", choice)
        choice.click()
        option = wait(browser).until(
            lambda d: d.find_element(By.CSS_SELECTOR, "#remove-choice li[aria-label='uploads/harbin.md']")
        )
        option.click()
        browser.find_element(By.ID, "remove").click()
        wait(browser, 120).until(lambda d: "Removed" in text_of(d, "upload-status"))
        assert "Harbin clinic notice" not in browser.find_element(By.ID, "documents").text


@SIZES
def test_the_answer_is_in_view_after_it_comes(make_pipeline, browser, size):
    with running_app(make_pipeline()) as url:
        open_page(browser, url, size)
        for question in (JIANGXI, "What is the 2023 financing standard for residents' medical insurance?"):
            ask(browser, question)
            wait(browser, 10).until(last_answer_in_view)
            assert not covered_text(browser)  # no icon or label over the messages


@SIZES
def test_no_control_or_label_covers_the_messages_when_the_chat_scrolls(make_pipeline, browser, size):
    with running_app(make_pipeline()) as url:
        open_page(browser, url, size)
        ask(browser, JIANGXI)
        ask(browser, "Which provinces have established long-term care insurance systems?")
        for top in (0, 120, 10_000):  # the first messages, part-way, the end
            scroll_chat(browser, top)
            time.sleep(0.3)
            assert not covered_text(browser), f"scrolled to {top}"


@contextlib.contextmanager
def _starting_app(tmp_path, docs_copy):
    """A served app whose start-up waits at the index build until the embedder is released:
    yields (page url, embedder)."""
    from qa.app.http_api import start_in_thread
    from qa.app.server import build_server

    embedder = GatedEmbedder()
    settings = fake_settings_for(tmp_path, docs_copy).replace(generate="when-needed")
    library = Library(settings, embedder=embedder)
    port = free_port()
    server = start_in_thread(build_server(library, None, port), "127.0.0.1", port)
    thread = library.start()
    try:
        yield f"http://127.0.0.1:{port}/", embedder
    finally:
        embedder.release.set()
        thread.join(60)
        server.should_exit = True


@SIZES
def test_the_page_is_served_during_start_up_and_answers_once_ready(browser, size, tmp_path, docs_copy):
    with _starting_app(tmp_path, docs_copy) as (url, embedder):
        _check_starting_page(browser, url, size)
        embedder.release.set()
        wait(browser, 120).until(lambda d: question_box(d).is_enabled())  # opens by itself, no reload
        assert "723 million" in ask(browser, JIANGXI)


@SIZES
def test_example_questions_are_disabled_until_the_chat_can_answer(browser, size, tmp_path, docs_copy):
    from selenium.webdriver.common.by import By

    examples = "#chat button.example"
    with _starting_app(tmp_path, docs_copy) as (url, embedder):
        _check_starting_page(browser, url, size)
        wait(browser).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, examples)) == 4)
        wait(browser).until(
            lambda d: not any(e.is_enabled() for e in d.find_elements(By.CSS_SELECTOR, examples))
        )
        first = browser.find_element(By.CSS_SELECTOR, examples)
        assert "when the chat can answer" in first.get_attribute("title")  # says why
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", first)
        first.click()  # a disabled button: nothing is sent
        time.sleep(1.5)
        assert not bot_messages(browser) and len(browser.find_elements(By.CSS_SELECTOR, examples)) == 4
        embedder.release.set()
        wait(browser, 120).until(
            lambda d: all(e.is_enabled() for e in d.find_elements(By.CSS_SELECTOR, examples))
        )
        assert question_box(browser).is_enabled()
        click_when_free(browser, examples)  # now it sends
        wait(browser, 120).until(lambda d: bot_messages(d) and "723 million" in bot_messages(d)[-1].text)


def _check_starting_page(browser, url, size):
    """The page loads while starting, shows the steps, and keeps the question box shut."""
    set_size(browser, size)
    browser.get(url)
    wait(browser).until(
        lambda d: "Starting" in text_of(d, "status") and "embedding model" in text_of(d, "status")
    )
    assert not question_box(browser).is_enabled()


class SlowStreamGenerator:
    """Writes the first words of its reply, then keeps streaming (an empty piece every 0.2 s, as a
    slow model would between tokens) until the test sets `release`: an answer still being written
    when Stop is pressed. Once released it answers at once."""

    def __init__(self, reply: str):
        self.name, self.reply, self.release = "slow-stream", reply, threading.Event()

    def stream(self, messages):
        yield self.reply[:8]
        for _ in range(300):  # at most a minute
            if self.release.wait(0.2):
                break
            yield ""
        yield self.reply[8:]


def _in_window(browser, element) -> bool:
    return browser.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return r.top >= 0 && r.top < innerHeight;", element
    )


@SIZES
def test_the_expected_controls_examples_stop_regenerate_theme_and_no_share(make_pipeline, browser, size):
    from selenium.webdriver.common.by import By

    generator = SlowStreamGenerator("Jiangxi recovered 723 million yuan in 2020 [1].")
    with running_app(make_pipeline(generator=generator)) as url:
        open_page(browser, url, size)
        assert not browser.find_element(By.ID, "ask").is_enabled()  # nothing typed: nothing to send
        assert not browser.find_elements(By.CSS_SELECTOR, "#chat button[aria-label='Share']")
        example = browser.find_element(By.XPATH, f'//*[@id="chat"]//*[normalize-space(text())="{JIANGXI}"]')
        assert browser.execute_script(
            "return arguments[0].scrollWidth <= arguments[0].clientWidth + 1", example
        )
        example.click()  # sends at once; the slow generator keeps it streaming
        wait(browser).until(lambda d: bot_messages(d) and "Jiangxi" in bot_messages(d)[-1].text)  # a draft
        wait(browser).until(lambda d: d.find_element(By.ID, "stop").is_displayed())
        browser.find_element(By.ID, "stop").click()
        wait(browser).until(lambda d: "stopped" in bot_messages(d)[-1].text)
        wait(browser).until(lambda d: d.find_element(By.ID, "ask").is_displayed())
        generator.release.set()  # from now on it answers at once
        click_when_free(browser, "#chat button[aria-label='Retry']")  # regenerate: asked again, answered
        wait(browser, 120).until(lambda d: "723 million" in bot_messages(d)[-1].text)
        assert len(bot_messages(browser)) == 1
        box = browser.find_element(By.CSS_SELECTOR, "#question textarea")
        paste = (
            "arguments[0].value = arguments[1];"
            "arguments[0].dispatchEvent(new Event('input', {bubbles: true}))"
        )
        browser.execute_script(paste, box, "x" * 2001)  # pasted, not cut: the count says it is too long
        wait(browser).until(
            lambda d: "2,001 / 2,000 characters" in text_of(d, "count") and "too long" in text_of(d, "count")
        )
        assert not browser.find_element(By.ID, "ask").is_enabled()
        dark = browser.execute_script("return document.body.classList.contains('dark')")
        browser.find_element(By.ID, "theme").click()
        wait(browser).until(
            lambda d: d.execute_script("return document.body.classList.contains('dark')") != dark
        )


@SIZES
def test_stop_leaves_nothing_over_the_chat_when_the_event_stream_lags(make_pipeline, browser, size):
    """Stop while an answer streams, on a page whose event stream lags behind its plain requests (as
    under load): the chat and the question box stay usable, with no progress or error layer over them."""
    from selenium.webdriver.common.by import By

    generator = SlowStreamGenerator("Jiangxi recovered 723 million yuan in 2020 [1].")
    with running_app(make_pipeline(generator=generator)) as url, lagging_event_stream(browser, 0.5):
        open_page(browser, url, size)
        wait(browser).until(stream_delivered)  # the page's own start-up events are over
        question_box(browser).send_keys(JIANGXI)
        wait(browser).until(lambda d: d.find_element(By.ID, "ask").is_enabled())
        browser.find_element(By.ID, "ask").click()
        wait(browser).until(lambda d: bot_messages(d) and "Jiangxi" in bot_messages(d)[-1].text)  # a draft
        browser.find_element(By.ID, "stop").click()
        wait(browser).until(lambda d: "stopped" in bot_messages(d)[-1].text)
        wait(browser).until(lambda d: d.find_element(By.ID, "ask").is_displayed())
        wait(browser).until(stream_delivered)  # what the lagging stream still carried has arrived
        time.sleep(0.5)
        for covered in ("chat", "question"):  # the answer's outputs
            assert chat_idle(browser, covered), f"a progress or error layer stays over #{covered} after Stop"
            assert "Error" not in text_of(browser, covered)
        generator.release.set()
        browser.find_element(By.CSS_SELECTOR, "#chat button[aria-label='Retry']").click()  # a real click
        wait(browser, 120).until(lambda d: "723 million" in bot_messages(d)[-1].text)
