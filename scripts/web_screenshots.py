"""Retake the chat page's screenshots in docs/ (README "The chat page").

Starts `python app.py` on a free port with a fresh index and uploads folder in a temp folder (generator
off: the answers are quoted lines, as most are), and drives headless Chromium at 1280x900 and 390x844:
start-up, an added file, two answers and a citation opened. Needs chromium and chromium-driver.

    .venv/bin/python scripts/web_screenshots.py [OUT_DIR]   # default: docs/
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import free_port  # noqa: E402
from tests.web_page import DESKTOP, PHONE, ask, open_page, set_size, wait  # noqa: E402

log = logging.getLogger("web_screenshots")
NOTE = "# Harbin clinic fees 2024\n\nThe Harbin municipal clinic fee for 2024 was set at 47 yuan per visit.\n"


def chromium():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)


def shoot(browser, url: str, out: Path, run: Path) -> None:
    from selenium.webdriver.common.by import By

    set_size(browser, DESKTOP)
    wait(browser, 120).until(lambda d: _loaded(d, url))
    status = wait(browser).until(lambda d: d.find_element(By.ID, "status"))
    wait(browser, 300).until(lambda d: "▸ index" in status.text or "✓ index" in status.text)
    browser.save_screenshot(str(out / "chat-starting.png"))
    open_page(browser, url, DESKTOP, seconds=600)
    note = run / "harbin-clinic-fees.md"
    note.write_text(NOTE)
    browser.find_element(By.CSS_SELECTOR, "#upload input[type=file]").send_keys(str(note))
    wait(browser, 120).until(lambda d: "Added" in d.find_element(By.ID, "upload-status").text)
    ask(browser, "What was Jiangxi's 2020 recovered fund amount?")
    ask(browser, "What is the 2023 financing standard for residents' medical insurance?")
    _open_last_citation(browser)
    browser.execute_script("window.scrollTo(0, 0)")
    browser.save_screenshot(str(out / "chat-desktop.png"))
    open_page(browser, url, PHONE)
    ask(browser, "What was Jiangxi's 2020 recovered fund amount?")
    browser.save_screenshot(str(out / "chat-phone.png"))
    _open_last_citation(browser)
    browser.save_screenshot(str(out / "chat-phone-source.png"))


def _loaded(browser, url: str) -> bool:
    try:
        browser.get(url)
    except Exception:  # noqa: BLE001 - not serving yet: the app is still importing
        return False
    return True


def _open_last_citation(browser) -> None:
    from selenium.webdriver.common.by import By

    browser.find_elements(By.CSS_SELECTOR, '#chat a[href^="#cite="]')[-1].click()
    wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#source .qa-cited"))


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "docs")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="qa-shots-") as tmp:
        run, port = Path(tmp), free_port()
        env = dict(os.environ, QA_INDEX_DIR=str(run / "index"), QA_PORT=str(port), QA_GENERATOR_MODEL="none")
        with open(run / "app.log", "w") as app_log:
            command = [sys.executable, "app.py"]
            app = subprocess.Popen(command, cwd=ROOT, env=env, stdout=app_log, stderr=app_log)
            browser = chromium()
            try:
                shoot(browser, f"http://127.0.0.1:{port}/", out, run)
            finally:
                browser.quit()
                app.send_signal(signal.SIGINT)
                app.wait(30)
    log.info("screenshots in %s", out)


if __name__ == "__main__":
    main()
