"""Driving the chat page in headless Chromium: the steps the browser tests share (explicit waits only)."""

from __future__ import annotations

from contextlib import contextmanager

DESKTOP = (1280, 900)
PHONE = (390, 844)


def wait(browser, seconds: float = 60):
    """An explicit wait that polls through the page re-rendering under it (a chat message replaced
    while streaming is a stale element for a moment, not a failure)."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    ignored = (NoSuchElementException, StaleElementReferenceException)
    return WebDriverWait(browser, seconds, poll_frequency=0.2, ignored_exceptions=ignored)


def set_size(browser, size: tuple[int, int]) -> None:
    """Make the page's viewport exactly `size` (a phone is a touch device, as it would be)."""
    width, height = size
    browser.set_window_size(width + 40, height + 200)  # room for the window's own frame
    metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600}
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)


def open_page(browser, url: str, size: tuple[int, int] = DESKTOP, seconds: float = 120):
    """Load the page at a viewport size and wait until the question box takes questions."""
    set_size(browser, size)
    browser.get(url)
    wait(browser, seconds).until(lambda d: question_box(d).is_enabled())
    return question_box(browser)


def ask(browser, question: str, seconds: float = 120) -> str:
    """Type a question, press Ask once it is enabled, and wait for the answer; returns the chat's text."""
    from selenium.webdriver.common.by import By

    box = browser.find_element(By.CSS_SELECTOR, "#question textarea")
    answers = len(bot_messages(browser))
    box.send_keys(question)
    send = browser.find_element(By.ID, "ask")
    wait(browser).until(lambda d: send.is_enabled())
    send.click()
    # done: one more answer, no longer the "…" placeholder or a draft, and Ask is back (Stop hidden)
    wait(browser, seconds).until(
        lambda d: (
            len(bot_messages(d)) > answers
            and not bot_messages(d)[-1].text.strip().endswith("…")
            and d.find_element(By.ID, "ask").is_displayed()
        )
    )
    wait(browser).until(chat_idle)  # nothing left running over the chat, so a click reaches its target
    return browser.find_element(By.ID, "chat").text


def bot_messages(browser) -> list:
    from selenium.webdriver.common.by import By

    return browser.find_elements(By.CSS_SELECTOR, "#chat [data-testid='bot']")


def last_answer_in_view(browser) -> bool:
    """Whether the top of the last answer shows in the window and in the chat's scrolled area."""
    return browser.execute_script(
        """
        const bots = document.querySelectorAll("#chat [data-testid='bot']");
        const last = bots[bots.length - 1].getBoundingClientRect();
        const chat = document.querySelector("#chat").getBoundingClientRect();
        return last.top >= Math.max(0, chat.top) - 1 && last.top < Math.min(innerHeight, chat.bottom) - 20;
        """
    )


def chat_idle(browser, elem_id: str = "chat") -> bool:
    """Whether no event is running on the chat (or the element `elem_id`): Gradio's progress or
    error layer would take a click."""
    from selenium.webdriver.common.by import By

    trackers = browser.find_elements(By.CSS_SELECTOR, f"#{elem_id} [data-testid='status-tracker']")
    return all("hide" in (t.get_attribute("class") or "").split() for t in trackers)


def click_when_free(browser, css: str, seconds: float = 60) -> None:
    """Click the element `css` finds, found afresh each try, once nothing covers it (Gradio's
    progress overlay goes when its event ends; a re-rendered message is a new element)."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By

    last = []

    def clicked(d) -> bool:
        try:
            d.find_element(By.CSS_SELECTOR, css).click()
        except WebDriverException as e:  # covered, stale or not there yet: try again
            last[:] = [f"{type(e).__name__}: {e.msg}"]
            return False
        return True

    try:
        wait(browser, seconds).until(clicked)
    except Exception as e:
        raise AssertionError(f"could not click {css}: {last[0] if last else 'not found'}") from e


def question_box(browser):
    from selenium.webdriver.common.by import By

    return browser.find_element(By.CSS_SELECTOR, "#question textarea")


def text_of(browser, elem_id: str) -> str:
    """The text of an element found afresh (an element kept across re-renders may be stale)."""
    from selenium.webdriver.common.by import By

    return browser.find_element(By.ID, elem_id).text


# Delays every chunk of Gradio's event stream (/queue/data) by `lag` ms, in order, while plain requests
# (/cancel, /reset, /run/predict) go at once: the event stream lagging behind them, as it does when
# the server or the network is busy.
_LAGGING_STREAM = """
(() => {
  const lag = %d;
  const realFetch = window.fetch;
  window.fetch = async function (input, init) {
    const response = await realFetch.apply(this, arguments);
    const url = typeof input === "string" ? input : input.url;
    if (!url.includes("/queue/data") || !response.body) return response;
    const reader = response.body.getReader();
    window.qaOpenStreams = (window.qaOpenStreams || 0) + 1;
    const body = new ReadableStream({
      start(controller) {
        let chain = Promise.resolve();  // chunks leave in the order they came, each `lag` ms late
        const later = (due, deliver) => {
          const pause = () => new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
          chain = chain.then(pause).then(() => { try { deliver(); } catch (e) { /* reader gone */ } });
        };
        (async () => {
          for (;;) {
            let step;
            try {
              step = await reader.read();
            } catch (e) {
              window.qaOpenStreams -= 1;
              later(performance.now(), () => controller.error(e));
              return;
            }
            const deliver = () => {
              if (step.done) window.qaOpenStreams -= 1;
              step.done ? controller.close() : controller.enqueue(step.value);
            };
            later(performance.now() + lag, deliver);
            if (step.done) return;
          }
        })();
      },
      cancel(reason) { return reader.cancel(reason); },
    });
    const {status, statusText, headers} = response;
    return new Response(body, {status, statusText, headers});
  };
})();
"""


@contextmanager
def lagging_event_stream(browser, seconds: float):
    """Pages loaded inside this block get Gradio's event stream `seconds` late (plain requests are
    not delayed); the browser is shared by a module's tests, so the delay goes again on leaving.

    Start an event only once `stream_delivered` (Gradio's page opens no new stream for an event
    sent while the end of the last one is still on its way, and that event's messages never come)."""
    added = browser.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument", {"source": _LAGGING_STREAM % round(seconds * 1000)}
    )
    try:
        yield
    finally:
        removed = {"identifier": added["identifier"]}
        browser.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", removed)


def stream_delivered(browser) -> bool:
    """Whether the page has had an event stream and every one has delivered its end (see
    `lagging_event_stream`)."""
    return browser.execute_script("return window.qaOpenStreams === 0")


# The element the chat's messages scroll in.
_SCROLLER = """[...document.querySelectorAll("#chat *")].find(
  (e) => e.scrollHeight > e.clientHeight + 1 && getComputedStyle(e).overflowY !== "visible"
)"""


def covered_text(browser) -> list[str]:
    """Chat controls or labels drawn over message text: each as "<control> over '<words>'" (none
    when the layout is right). Text is counted where it shows, inside the chat's scrolled area; a
    control is a visible button or label in the chat (the trash strip, copy and retry icons)."""
    return browser.execute_script(
        """
        const chat = document.querySelector("#chat");
        const scroller = (CHAT_SCROLLER) || chat;
        const view = scroller.getBoundingClientRect();
        const texts = [];
        const walker = document.createTreeWalker(scroller, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          if (!node.textContent.trim() || node.parentElement.closest("button, label")) continue;
          const range = document.createRange();
          range.selectNodeContents(node);
          for (const r of range.getClientRects()) {
            const top = Math.max(r.top, view.top), bottom = Math.min(r.bottom, view.bottom);
            const words = node.textContent.trim();
            if (bottom - top > 2 && r.width > 2) texts.push([r.left, top, r.right, bottom, words]);
          }
        }
        const found = [];
        for (const control of chat.querySelectorAll("button, label, [data-testid='block-label']")) {
          const c = control.getBoundingClientRect();
          if (!c.width || !c.height || getComputedStyle(control).visibility === "hidden") continue;
          for (const [left, top, right, bottom, words] of texts) {
            if (c.left < right - 1 && left < c.right - 1 && c.top < bottom - 1 && top < c.bottom - 1) {
              const name = control.getAttribute("aria-label") || control.tagName.toLowerCase();
              found.push(`${name} over '${words.slice(0, 40)}'`);
            }
          }
        }
        return found;
        """.replace("CHAT_SCROLLER", _SCROLLER)
    )


def scroll_chat(browser, top: int) -> None:
    """Scroll the chat's messages to `top` pixels (past the end: to the end)."""
    browser.execute_script(f"const s = {_SCROLLER}; if (s) s.scrollTop = arguments[0];", top)
