"""Launching Debian's Chromium through Playwright, and watching what a page does once opened."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, Request, ViewportSize

#: Set FIDELITY_TEST_CHROMIUM to use another Chromium binary.
CHROMIUM = Path(os.environ.get("FIDELITY_TEST_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT: ViewportSize = {"width": 1280, "height": 900}
INSTALL = ("install Chromium with `apt-get install chromium`, and playwright with "
           "`pip install -e '.[test]'`")


def unavailable(why: str) -> NoReturn:
    """Skip on a developer machine; fail under CI, where a missing browser must not pass silently."""
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run: {why}; CI is set, so this fails instead of skipping "
                    f"({INSTALL})", pytrace=False)
    pytest.skip(f"browser tests need headless Chromium: {why}; {INSTALL}")


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium, or a skip (a failure under CI) saying how to install what is missing."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        unavailable("the playwright Python package is not installed")
    if not CHROMIUM.is_file():
        unavailable(f"no Chromium at {CHROMIUM}")
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        except Error as exc:
            unavailable(f"{CHROMIUM} does not start: {exc.message.splitlines()[0]}")
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Watched:
    """A page with everything it logged, requested and popped up since it was opened."""

    page: Page
    """The page."""
    errors: list[str] = field(default_factory=list)
    """Console errors and uncaught exceptions."""
    requests: list[str] = field(default_factory=list)
    """URL of every request the page made, navigations included."""
    dialogs: list[str] = field(default_factory=list)
    """Messages of alert/confirm/prompt dialogs (an injected script would open one)."""

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text}")

    def on_page_error(self, error: Exception) -> None:
        self.errors.append(f"uncaught: {error}")

    def on_request(self, request: Request) -> None:
        self.requests.append(request.url)

    def on_dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def assert_quiet(self, *urls: str) -> None:
        """No console error, no dialog, and no request but the navigations to `urls`."""
        assert self.errors == []
        assert self.dialogs == []
        assert self.requests == list(urls)


@contextmanager
def blank_page(browser: Browser) -> Iterator[Watched]:
    """A watched blank page in a fresh 1280×900 context, closed afterwards."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    watched = Watched(page)
    page.on("console", watched.on_console)
    page.on("pageerror", watched.on_page_error)
    page.on("request", watched.on_request)
    page.on("dialog", watched.on_dialog)
    try:
        yield watched
    finally:
        context.close()


@contextmanager
def opened(browser: Browser, path: Path) -> Iterator[Watched]:
    """The local file `path`, loaded in a watched page, watched from the first byte."""
    with blank_page(browser) as watched:
        watched.page.goto(path.as_uri(), wait_until="load")
        yield watched
