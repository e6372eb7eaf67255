"""The settings pages in a real browser: what a user does, end to end."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID

import pytest

from domain.provider import Provider
from tests.browser.conftest import (
    ANTHROPIC_KEY,
    OPENAI_KEY,
    OPENAI_ROTATED,
    PASSWORD,
    LiveServer,
    add_key,
    screenshot,
    sign_up,
)

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = pytest.mark.browser


def card(page: Page, provider_label: str) -> Locator:
    return page.locator("li.card").filter(
        has=page.get_by_role("heading", name=provider_label, exact=True)
    )


def test_sign_up_add_a_key_and_see_it_masked(page: Page, live_server: LiveServer) -> None:
    page.goto("/")
    page.wait_for_url("**/login")
    screenshot(page, "login")
    page.get_by_role("link", name="Create an account").click()
    screenshot(page, "signup")
    sign_up(page)
    screenshot(page, "models-empty")

    form = page.locator("form.add-key")
    form.get_by_label("Provider").select_option(label="OpenAI")
    form.get_by_label("API key").fill(OPENAI_KEY)
    form.get_by_role("button", name="Check key and load models").click()
    models = form.locator("select#model_name")
    models.select_option("model-b")
    assert models.locator("option").all_inner_texts()[1:] == ["model-a", "model-b"]
    # The check swapped in the model list without touching the key the user typed.
    assert form.get_by_label("API key").input_value() == OPENAI_KEY
    screenshot(page, "models-checked")
    form.get_by_role("button", name="Save key").click()
    page.wait_for_url("**/models?done=added")

    saved = card(page, "OpenAI")
    assert saved.locator("code.masked-key").inner_text() == "sk-…wxyz"
    assert saved.locator(".badge.default").is_visible()
    assert "model-b" in saved.inner_text()
    assert OPENAI_KEY not in page.content()
    assert "OpenAI · model-b" in page.locator("section.choice").inner_text()
    screenshot(page, "models")


def test_set_default_rotate_validate_and_delete(page: Page, live_server: LiveServer) -> None:
    sign_up(page)
    add_key(page, "OpenAI", OPENAI_KEY, model="model-a")
    add_key(page, "Anthropic", ANTHROPIC_KEY)
    assert card(page, "OpenAI").locator(".badge.default").count() == 1
    assert card(page, "Anthropic").locator(".badge.default").count() == 0

    card(page, "Anthropic").get_by_role("button", name="Make default").click()
    page.wait_for_url("**/models?done=default")
    assert card(page, "Anthropic").locator(".badge.default").count() == 1
    assert card(page, "OpenAI").locator(".badge.default").count() == 0
    assert "Anthropic" in page.locator("section.choice").inner_text()

    openai = card(page, "OpenAI")
    openai.locator("summary", has_text="Rotate key").click()
    openai.get_by_label("New OpenAI key").fill(OPENAI_ROTATED)
    openai.get_by_role("button", name="Rotate key").click()
    page.wait_for_url("**/models?done=rotated")
    assert card(page, "OpenAI").locator("code.masked-key").inner_text() == "sk-…n3w1"
    assert OPENAI_ROTATED not in page.content()

    card(page, "OpenAI").get_by_role("button", name="Check now").click()
    page.wait_for_url("**/models?done=validated")
    assert card(page, "OpenAI").locator(".badge.valid").is_visible()

    # The provider starts refusing the key: "Check now" shows its reason on the card.
    live_server.world.providers.get(Provider.OPENAI).valid_keys.clear()
    card(page, "OpenAI").get_by_role("button", name="Check now").click()
    page.wait_for_url("**/models?done=rejected")
    rejected = card(page, "OpenAI")
    assert rejected.locator(".badge.rejected").is_visible()
    assert rejected.locator(".last-error").inner_text() == "openai says the API key is invalid"
    screenshot(page, "models-two-keys")

    anthropic = card(page, "Anthropic")
    anthropic.locator("summary", has_text="Delete key").click()
    assert anthropic.get_by_text("Your agents fall back to the platform default").is_visible()
    anthropic.get_by_role("button", name="Yes, delete this key").click()
    page.wait_for_url("**/models?done=deleted")
    assert card(page, "Anthropic").count() == 0
    assert card(page, "OpenAI").count() == 1
    assert "No model yet" in page.locator("section.choice").inner_text()


def test_a_wrong_key_shows_the_providers_reason(page: Page, live_server: LiveServer) -> None:
    sign_up(page)
    wrong = "sk-ant-api03-" + "nope" * 10
    form = page.locator("form.add-key")
    form.get_by_label("Provider").select_option(label="Anthropic")
    form.get_by_label("API key").fill(wrong)
    form.get_by_role("button", name="Check key and load models").click()
    alert = form.get_by_role("alert")
    assert "Anthropic says the API key is invalid." in alert.inner_text()

    form.get_by_role("button", name="Save key").click()
    page.wait_for_load_state()
    alert = page.locator("form.add-key").locator("xpath=..").get_by_role("alert")
    assert "The provider rejected the API key" in alert.inner_text()
    assert "Anthropic says the API key is invalid." in alert.inner_text()
    # Never echoed back, not even to fix a typo; the provider choice is kept.
    assert page.get_by_label("API key").input_value() == ""
    assert wrong not in page.content()
    assert page.get_by_label("Provider").input_value() == "anthropic"
    assert (
        live_server.run(live_server.world.container.list_credentials.execute(_user(live_server)))
        == []
    )
    screenshot(page, "models-wrong-key")


def test_usage_after_a_chat(page: Page, live_server: LiveServer) -> None:
    sign_up(page)
    add_key(page, "OpenAI", OPENAI_KEY, model="model-a")
    container = live_server.world.container
    user_id = _user(live_server)

    async def chat() -> None:
        session = await container.start_agent_session.execute(user_id, title="Backtest")
        await container.send_message.execute(user_id, session.id, "How did AAPL do?")
        await container.send_message.execute(user_id, session.id, "And MSFT?")

    live_server.run(chat())
    page.get_by_role("link", name="Usage").click()
    page.wait_for_url("**/usage")
    assert page.locator("nav a[aria-current=page]").inner_text() == "Usage"
    rows = page.locator("#usage-by-day tbody tr")
    assert rows.count() == 1
    # The fake provider reports 12 input and 5 output tokens per call; model-a is priced
    # at $2.50 / $10.00 per million tokens.
    cells = rows.first.locator("td").all_inner_texts()
    assert cells == ["openai · model-a", "24", "10", "$0.00016"]
    assert Decimal("0.00016") == (24 * Decimal("2.50") + 10 * Decimal("10.00")) / 1_000_000
    assert page.locator("svg#tokens-chart rect.series-0").count() == 1
    assert page.locator("svg#cost-chart rect.series-0").count() == 1
    assert "34" in page.locator(".summary").inner_text()
    screenshot(page, "usage")


def test_a_form_post_without_the_csrf_token_is_refused(page: Page, live_server: LiveServer) -> None:
    sign_up(page)
    form = page.locator("form.add-key")
    form.locator("input[name=_csrf_token]").evaluate("input => input.remove()")
    form.get_by_label("Provider").select_option(label="OpenAI")
    form.get_by_label("API key").fill(OPENAI_KEY)
    form.get_by_role("button", name="Save key").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="This form could not be verified").is_visible()
    screenshot(page, "csrf-refused")

    # The same post from outside any page of ours: the session cookie alone is not enough.
    answer = page.request.post(
        "/models", form={"provider": "openai", "api_key": OPENAI_KEY}, max_redirects=0
    )
    assert answer.status == 403
    assert (
        live_server.run(live_server.world.container.list_credentials.execute(_user(live_server)))
        == []
    )
    assert live_server.world.providers.calls == 0


def test_log_out_then_log_in_returns_to_the_page_asked_for(
    page: Page, live_server: LiveServer
) -> None:
    sign_up(page)
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login?done=logged_out")
    assert page.get_by_role("status").inner_text() == "You are logged out."

    page.goto("/usage")
    page.wait_for_url(re.compile(r".*/login\?next=%2Fusage$"))
    page.get_by_label("Email").fill("trader@example.com")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    assert "Invalid email or password" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Password").input_value() == ""
    screenshot(page, "login-failed")

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/usage")
    assert page.get_by_role("heading", name="Usage", exact=True).is_visible()


def test_keyboard_users_can_skip_to_content_and_see_focus(
    page: Page, live_server: LiveServer
) -> None:
    sign_up(page)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    provider = page.get_by_label("Provider")
    provider.focus()
    page.keyboard.press("Tab")
    key = page.get_by_label("API key")
    assert key.evaluate("el => el === document.activeElement")
    outline = key.evaluate(
        "el => getComputedStyle(el).outlineStyle + ' ' + getComputedStyle(el).outlineWidth"
    )
    assert outline == "solid 3px"
    # Every form control on the page has a label a screen reader can announce.
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
              .filter(el => !el.labels || el.labels.length === 0).map(el => el.name)"""
    )
    assert unlabelled == []


def _user(live_server: LiveServer, email: str = "trader@example.com") -> UUID:
    async def find() -> UUID:
        async with live_server.world.container.uow() as uow:
            user = await uow.users.by_email(email)
        assert user is not None
        return user.id

    return live_server.run(find())
