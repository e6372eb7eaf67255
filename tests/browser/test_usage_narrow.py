"""The usage page on a 375 px phone: every number on screen, the chart's last day labelled,
the period in the URL."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

from domain.usage import UsageRecord, UsageSource
from tests.support.browser import screenshot, sign_up

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.support.browser import LiveServer

pytestmark = pytest.mark.browser

# Cells of every usage table whose right edge lies past the viewport.
_OFF_SCREEN = """() => [...document.querySelectorAll('main table td, main table th')]
  .filter(cell => cell.getBoundingClientRect().right > window.innerWidth + 0.5)
  .map(cell => cell.textContent.trim())"""


def _calls(live_server: LiveServer) -> None:
    container = live_server.world.container

    async def add() -> None:
        async with container.uow() as uow:
            user = await uow.users.by_email("trader@example.com")
            assert user is not None
            now = container.clock.now()
            for ago, source in ((0, UsageSource.GATEWAY), (3, UsageSource.SESSION)):
                await uow.usage.add(
                    UsageRecord(
                        id=container.ids.new_id(),
                        user_id=user.id,
                        provider="anthropic",
                        model="claude-sonnet-4-5-20250929",
                        credential_id=None,
                        session_id=None,
                        input_tokens=1_234_567,
                        output_tokens=89_012,
                        cost_usd=Decimal("12.3456"),
                        source=source,
                        created_at=now - timedelta(days=ago),
                    )
                )
            await uow.commit()

    live_server.run(add())


def test_usage_at_375_px_keeps_every_number_on_screen(page: Page, live_server: LiveServer) -> None:
    sign_up(page)
    _calls(live_server)
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto("/usage")
    expect(page.locator("#usage-by-day tbody tr")).to_have_count(2)
    assert page.evaluate(_OFF_SCREEN) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # Each number is still named: its column's label is shown beside it.
    cost = page.locator("#usage-by-model tbody td.num").last
    assert cost.evaluate("td => getComputedStyle(td, '::before').content") == '"Cost"'
    expect(page.locator("#usage-by-source .source-name")).to_have_text(
        ["Gateway", "Agent sessions"]
    )

    # The chart names the period's last day (today) under its last bar.
    today = live_server.world.container.clock.now().date()
    labels = page.locator("svg#tokens-chart text[text-anchor]").all_text_contents()
    assert labels[-1] == f"{today:%b} {today.day}"
    screenshot(page, "usage-phone")

    page.get_by_label("From", exact=True).fill((today - timedelta(days=1)).isoformat())
    page.get_by_label("To", exact=True).fill(today.isoformat())
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    assert re.search(r"/usage\?since=\d{4}-\d\d-\d\d&until=\d{4}-\d\d-\d\d$", page.url)
    expect(page.locator("#usage-by-day tbody tr")).to_have_count(1)
    assert page.evaluate(_OFF_SCREEN) == []
