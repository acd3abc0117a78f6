"""What the browser tests share: the dashboard server on a free port, Debian's Chromium driven by Playwright (no
browser download; `executable_path` points at /usr/bin/chromium), accounts made the way real ones are, signing
in, the text a page shows a person, and screenshots of a page at 1400 px.

Screenshots go to a temporary folder on every run, and to docs/images/ (the README's pictures) only when
`RCM_WRITE_SCREENSHOTS=1` is set, so an ordinary test run never rewrites committed images.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pyotp
import pytest

CHROMIUM = os.environ.get("RCM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "dashboards" / "app.py"
DOCS_IMAGES = ROOT / "docs" / "images"
PASSWORD = "browser test passphrase 1"
SCREEN_WIDTH = 1400
SCREENSHOT_MAX_HEIGHT = 6000

# The main area's text without Material icon ligatures (their names, such as "open_in_new", are text in the DOM).
_MAIN_TEXT_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]').cloneNode(true);
  main.querySelectorAll('[data-testid="stIconMaterial"], style, script').forEach((e) => e.remove());
  return main.innerText + "\\n" + main.textContent;
}"""
_STILL_RUNNING_JS = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
_MAIN_HEIGHT_JS = "() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(pipeline):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium (apt-get install chromium)")
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(APP),
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(port),
            "--browser.gatherUsageStats",
            "false",
        ],
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(f"{url}/_stcore/health", timeout=1).text == "ok":
                break
        except httpx.HTTPError:
            time.sleep(0.5)
    else:
        server.kill()
        pytest.fail("streamlit did not come up")
    yield url
    server.terminate()
    server.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory) -> Path:
    if os.environ.get("RCM_WRITE_SCREENSHOTS") == "1":
        DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
        return DOCS_IMAGES
    return tmp_path_factory.mktemp("screenshots")


def new_page(browser, context=None):
    """A page 1400 px wide, in its own browser context (its own cookies) unless one is given."""
    context = context or browser.new_context(viewport={"width": SCREEN_WIDTH, "height": 1000})
    return context.new_page()


def administrator(ledger):
    return ledger.get_user("browser_admin") or ledger.create_first_admin(
        "browser_admin", "Browser Admin", "first admin passphrase 9"
    )


def invited_user(ledger, username: str, role: str, locations: list[str]):
    """The way a real account comes to be: an administrator's invitation, redeemed with the person's password."""
    if (user := ledger.get_user(username)) is not None:
        return user
    issued = ledger.invite_user(administrator(ledger), username, username.replace("_", " ").title(), role, locations)
    assert ledger.set_password_with_code(issued.code, PASSWORD) == username
    return ledger.get_user(username)


def sign_in(page, url: str, username: str, totp_secret: str | None = None) -> None:
    page.goto(url)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if totp_secret is not None:
        code_box = page.get_by_role("textbox", name="Authentication code")
        code_box.wait_for(timeout=30_000)
        code_box.fill(pyotp.TOTP(totp_secret).now())
        page.get_by_role("button", name="Verify").click()
    page.get_by_text("Sign out").first.wait_for(timeout=30_000)
    settle(page)


def settle(page) -> None:
    """Wait until the app's script run has finished (Streamlit's running indicator is gone)."""
    page.wait_for_timeout(500)
    page.wait_for_function(_STILL_RUNNING_JS, timeout=60_000)
    page.wait_for_timeout(500)


def choose(page, label: str, option: str) -> None:
    """Pick an option of a select box by its label and the option's text, with the keyboard as a person may:
    type to filter the list, then pick the option."""
    box = page.get_by_role("combobox", name=label, exact=True)
    box.click()
    box.fill(option)
    page.get_by_role("listbox", name=label).get_by_role("option", name=option, exact=True).click()
    settle(page)


def main_text(page) -> str:
    """What the page's main area says to a person: rendered text plus table cells (in the DOM as text)."""
    return page.evaluate(_MAIN_TEXT_JS)


# A snake_case word not part of a file name (quarantined files keep their delivered names, e.g. era_x_1.835).
_SNAKE_CASE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b(?!\.[A-Za-z0-9])")
_MACHINE_WORDS = re.compile(r"\bNone\b|\bnan\b|\bNaN\b|\bNaT\b|\bUTC\b|00:00:00|\d{4}-\d\d-\d\dT\d\d:\d\d")


def plain_words_problems(text: str) -> list[str]:
    """Raw column names and snake_case values, None/NaN, and UTC or ISO machine times: never for a person."""
    return sorted(set(_MACHINE_WORDS.findall(text)) | set(_SNAKE_CASE.findall(text)))


def screenshot(page, directory: Path, name: str) -> Path:
    """The whole page at 1400 px: the window is made as tall as the main area, so nothing is cut off."""
    height = min(max(page.evaluate(_MAIN_HEIGHT_JS), 800), SCREENSHOT_MAX_HEIGHT)
    page.set_viewport_size({"width": SCREEN_WIDTH, "height": height})
    page.wait_for_timeout(1500)  # charts re-lay out to the new size
    path = directory / f"{name}.png"
    page.screenshot(path=path)
    page.set_viewport_size({"width": SCREEN_WIDTH, "height": 1000})
    return path
