"""The Gradio app over HTTP (gradio_client) and in a real headless Chromium."""

from __future__ import annotations

import pytest

from tests.conftest import JIANGXI_FILE, running_app

pytestmark = pytest.mark.model

QUESTION = "What was Jiangxi's 2020 recovered fund amount?"


@pytest.fixture(scope="module")
def server(model_pipeline):
    with running_app(model_pipeline) as url:
        yield url


@pytest.fixture(scope="module")
def client(server):
    from gradio_client import Client

    return Client(server, verbose=False)


def test_api_ask_returns_the_cli_json_shape(client):
    out = client.predict(QUESTION, api_name="/ask")
    assert "723 million" in out["answer"]
    assert (JIANGXI_FILE, 1) in {(c["file"], c["line"]) for c in out["citations"]}


def test_api_search_returns_ranked_passages(client):
    rows = client.predict("Jiangxi recovered medical insurance funds 2020", 3, api_name="/search")
    assert [r["rank"] for r in rows] == [1, 2, 3]
    assert rows[0]["file"] == JIANGXI_FILE


def test_api_reports_bad_input_without_breaking_the_server(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="empty"):
        client.predict("   ", api_name="/ask")
    assert client.predict("Jiangxi", 1, api_name="/search")  # still serving


@pytest.mark.browser
def test_browser_example_question_sends_on_click_and_shows_a_cited_answer(server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    from tests.web_page import open_page, wait

    open_page(browser, server)
    example = wait(browser).until(
        ec.element_to_be_clickable((By.XPATH, f'//*[@id="chat"]//*[normalize-space(text())="{QUESTION}"]'))
    )
    example.click()  # sends: no Ask needed
    chat = browser.find_element(By.ID, "chat")
    wait(browser, 180).until(lambda d: f"#cite={JIANGXI_FILE}:1" in chat.get_attribute("innerHTML"))
    browser.save_screenshot(str(tmp_path / "chat.png"))
    assert "723 million" in chat.text
    assert chat.text.count("723 million yuan in medical insurance funds") <= 1  # the line once, at most
