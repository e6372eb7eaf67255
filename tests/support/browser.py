"""Driving Debian's Chromium through Playwright against the app served by uvicorn in a thread."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import uvicorn

from tests.support.builders import World
from tests.support.constants import EMAIL, PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page, ViewportSize

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
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}

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


def sign_up(page: Page, email: str = EMAIL) -> None:
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
    with page.expect_navigation(url="**/models?done=added&key=*"):
        form.get_by_role("button", name="Save key").click()
