"""The interactive API docs in a real browser: drawn from the package's files under their
strict Content-Security-Policy, with nothing refused and nothing fetched from elsewhere."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

from tests.support.browser import LiveServer

if TYPE_CHECKING:
    from playwright.sync_api import ConsoleMessage, Page, Request

pytestmark = pytest.mark.browser


def test_the_docs_render_offline_under_their_policy(page: Page, live_server: LiveServer) -> None:
    errors: list[str] = []
    origins: set[str] = set()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    def on_request(request: Request) -> None:
        origins.add(request.url.split("/", 3)[2] if "://" in request.url else request.url[:5])

    page.on("console", on_console)
    page.on("request", on_request)
    page.goto("/schema/swagger")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("BYOM")
    expect(page.locator(".opblock").first).to_be_visible()
    assert [e for e in errors if "Content Security Policy" in e] == []
    assert origins <= {live_server.url.split("/", 3)[2], "data:"}
