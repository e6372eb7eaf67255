"""Every settings page loads with nothing in the browser console: no CSP refusal, no script
error, no failed request. A refused inline style (htmx's indicator CSS) was one per page."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.support.browser import add_key, sign_up
from tests.support.constants import OPENAI_KEY

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.support.browser import LiveServer

pytestmark = pytest.mark.browser

PAGES = ("/models", "/gateway-tokens", "/usage", "/budget", "/activity", "/account")


def test_every_page_loads_with_an_empty_console(page: Page, live_server: LiveServer) -> None:
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    # A violation is also reported to the page itself, whatever the console shows.
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation',"
        " e => console.error('CSP violation: ' + e.violatedDirective))"
    )
    page.goto("/login")
    page.goto("/signup")
    sign_up(page)
    add_key(page, "OpenAI", OPENAI_KEY, model="model-a")
    for path in PAGES:
        page.goto(path)
        page.wait_for_load_state("load")
    page.goto("/models")
    page.locator("form.add-key").get_by_label("API key").fill(OPENAI_KEY)
    page.get_by_role("button", name="Check key and load models").click()
    page.locator("select#model_name").wait_for()
    assert [line for line in console if line.startswith(("error:", "warning:", "pageerror:"))] == []
