"""A real browser (Debian's Chromium through Playwright) against the app served by uvicorn.

The app runs on 127.0.0.1 in a background thread with the in-memory world: provider calls go
to ``tests.fakes``' stand-ins, so nothing leaves the machine. Browser tests skip only when
/usr/bin/chromium is missing and CI is unset; in CI a missing browser is a failure.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pytest
import uvicorn

from domain.provider import Provider
from entrypoints.http.app import create_app
from tests.builders import World, memory_world

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

OPENAI_KEY = "sk-proj-" + "Br0wser7" * 6 + "wxyz"
OPENAI_ROTATED = "sk-proj-" + "R0tated9" * 6 + "n3w1"
ANTHROPIC_KEY = "sk-ant-api03-" + "Pl4y_" * 12 + "AAAA"
PASSWORD = "a long enough password"

T = TypeVar("T")


@dataclass
class LiveServer:
    """The app on a real port, and a way to run coroutines on its event loop."""

    url: str
    world: World
    loop: asyncio.AbstractEventLoop
    server: uvicorn.Server
    thread: threading.Thread = field(repr=False)

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=10)


# Module scope, not session: Playwright's sync API keeps an event loop running in this thread
# while it is open, which the asyncio tests of other modules could not start beside.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {CHROMIUM} is missing: apt-get install -y chromium")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install -y chromium); runs in CI")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()


@pytest.fixture
def live_server() -> Iterator[LiveServer]:
    world = memory_world()
    world.providers.accept(Provider.OPENAI, OPENAI_KEY, OPENAI_ROTATED)
    world.providers.accept(Provider.ANTHROPIC, ANTHROPIC_KEY)
    app = create_app(container=world.container)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    loop = asyncio.new_event_loop()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.serve(sockets=[sock]))

    thread = threading.Thread(target=serve, name="byom-live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", world, loop, server, thread)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        loop.close()
        sock.close()


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP)
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    problems: list[str] = []
    # A CSP violation or a script error means a page is broken for real users too.
    opened.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    opened.on("pageerror", lambda e: problems.append(str(e)))
    yield opened
    context.close()
    blocked = [p for p in problems if "Content Security Policy" in p or "Refused" in p]
    assert not blocked, blocked


def click_and_wait(page: Page, button: Locator, url: str | None = None) -> None:
    """Submit a form with a click and wait for the page that answers it (same URL or not)."""
    with page.expect_navigation(url=url) if url else page.expect_navigation():
        button.click()


def screenshot(page: Page, name: str) -> None:
    """Saves the page at desktop and at phone width under artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size or DESKTOP
    page.screenshot(path=str(SCREENSHOTS / f"{name}-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-phone.png"), full_page=True)
    page.set_viewport_size(size)


def sign_up(page: Page, email: str = "trader@example.com") -> None:
    page.goto("/signup")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation(url="**/models?done=welcome"):
        page.get_by_role("button", name="Sign up").click()


def add_key(page: Page, provider: str, key: str, model: str | None = None) -> None:
    form = page.locator("form.add-key")
    form.get_by_label("Provider").select_option(label=provider)
    form.get_by_label("API key").fill(key)
    if model is not None:
        form.get_by_role("button", name="Check key and load models").click()
        # The model list arrives live from the provider (htmx swaps in a select).
        form.locator("select#model_name").select_option(model)
    # The page may already be at ?done=added: wait for the new navigation, not the URL.
    with page.expect_navigation(url="**/models?done=added"):
        form.get_by_role("button", name="Save key").click()
