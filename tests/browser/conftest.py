"""A real browser (Debian's Chromium through Playwright) against the app served by uvicorn.

The app runs on 127.0.0.1 in a background thread with the in-memory world: provider calls go
to ``tests.support.fakes``' stand-ins, so nothing leaves the machine. Browser tests skip only when
/usr/bin/chromium is missing and CI is unset; in CI a missing browser is a failure.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
import uvicorn

from entrypoints.http.app import create_app
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, DESKTOP, LiveServer
from tests.support.builders import keyed_providers, memory_world

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page


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
    world = memory_world(providers=keyed_providers())
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
