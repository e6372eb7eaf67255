"""The settings pages in a real browser: what a user does, end to end."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID

import pytest
from playwright.sync_api import expect

from domain.provider import Provider
from tests.support.browser import LiveServer, add_key, click_and_wait, screenshot, sign_up
from tests.support.constants import ANTHROPIC_KEY, OPENAI_KEY, OPENAI_ROTATED, PASSWORD

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
    page.wait_for_url("**/signup")
    screenshot(page, "signup")
    sign_up(page)
    screenshot(page, "models-empty")

    form = page.locator("form.add-key")
    form.get_by_label("Provider").select_option(label="OpenAI")
    form.get_by_label("API key").fill(OPENAI_KEY)
    form.get_by_role("button", name="Check key and load models").click()
    models = form.locator("select#model_name")
    models.select_option("model-b")
    expect(models.locator("option")).to_have_text(
        ["The provider's default model (model-a)", "model-a", "model-b"]
    )
    # The check swapped in the model list without touching the key the user typed.
    expect(form.get_by_label("API key")).to_have_value(OPENAI_KEY)
    screenshot(page, "models-checked")
    click_and_wait(page, form.get_by_role("button", name="Save key"), "**/models?done=added&key=*")

    saved = card(page, "OpenAI")
    expect(saved.locator("code.masked-key")).to_have_text("sk-…wxyz")
    expect(saved.locator(".badge.default")).to_be_visible()
    expect(saved).to_contain_text("model-b")
    expect(page.locator("section.choice")).to_contain_text("OpenAI · model-b")
    assert OPENAI_KEY not in page.content()
    screenshot(page, "models")


def test_set_default_rotate_validate_and_delete(page: Page, live_server: LiveServer) -> None:
    sign_up(page)
    add_key(page, "OpenAI", OPENAI_KEY, model="model-a")
    add_key(page, "Anthropic", ANTHROPIC_KEY)
    expect(card(page, "OpenAI").locator(".badge.default")).to_have_count(1)
    expect(card(page, "Anthropic").locator(".badge.default")).to_have_count(0)

    button = card(page, "Anthropic").get_by_role("button", name="Make default")
    click_and_wait(page, button, "**/models?done=default&key=*")
    expect(card(page, "Anthropic").locator(".badge.default")).to_have_count(1)
    expect(card(page, "OpenAI").locator(".badge.default")).to_have_count(0)
    expect(page.locator("section.choice")).to_contain_text("Anthropic · model-a")

    openai = card(page, "OpenAI")
    openai.locator("summary", has_text="Rotate key").click()
    openai.get_by_label("New OpenAI key").fill(OPENAI_ROTATED)
    click_and_wait(
        page, openai.get_by_role("button", name="Rotate key"), "**/models?done=rotated&key=*"
    )
    expect(card(page, "OpenAI").locator("code.masked-key")).to_have_text("sk-…n3w1")
    assert OPENAI_ROTATED not in page.content()

    check = card(page, "OpenAI").get_by_role("button", name="Check now")
    click_and_wait(page, check, "**/models?done=validated&key=*")
    expect(card(page, "OpenAI").locator(".badge.valid")).to_be_visible()

    # The provider starts refusing the key: "Check now" shows its reason on the card.
    live_server.world.providers.get(Provider.OPENAI).valid_keys.clear()
    check = card(page, "OpenAI").get_by_role("button", name="Check now")
    click_and_wait(page, check, "**/models?done=rejected&key=*")
    rejected = card(page, "OpenAI")
    expect(rejected.locator(".badge.rejected")).to_be_visible()
    expect(rejected.locator(".last-error")).to_have_text("openai says the API key is invalid")
    screenshot(page, "models-two-keys")

    anthropic = card(page, "Anthropic")
    anthropic.locator("summary", has_text="Delete key").click()
    expect(anthropic.get_by_text("Your agents fall back to the platform default")).to_be_visible()
    delete = anthropic.get_by_role("button", name="Yes, delete this key")
    click_and_wait(page, delete, "**/models?done=deleted&key=*")
    expect(card(page, "Anthropic")).to_have_count(0)
    expect(card(page, "OpenAI")).to_have_count(1)
    expect(page.locator("section.choice")).to_contain_text("No model yet")


def test_a_wrong_key_shows_the_providers_reason(page: Page, live_server: LiveServer) -> None:
    sign_up(page)
    wrong = "sk-ant-api03-" + "nope" * 10
    form = page.locator("form.add-key")
    form.get_by_label("Provider").select_option(label="Anthropic")
    form.get_by_label("API key").fill(wrong)
    form.get_by_role("button", name="Check key and load models").click()
    expect(form.get_by_role("alert")).to_contain_text("Anthropic says the API key is invalid.")

    click_and_wait(page, form.get_by_role("button", name="Save key"))
    alert = page.locator("section", has=page.locator("form.add-key")).get_by_role("alert")
    expect(alert).to_contain_text("The provider rejected the API key.")
    expect(alert).to_contain_text("Anthropic says the API key is invalid.")
    # Never echoed back, not even to fix a typo; the provider choice is kept.
    expect(page.get_by_label("API key")).to_have_value("")
    expect(page.get_by_label("Provider")).to_have_value("anthropic")
    assert wrong not in page.content()
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
    expect(page.locator("nav a[aria-current=page]")).to_have_text("Usage")
    rows = page.locator("#usage-by-day tbody tr")
    expect(rows).to_have_count(1)
    # The fake provider reports 12 input and 5 output tokens per call; model-a is priced
    # at $2.50 / $10.00 per million tokens.
    assert (24 * Decimal("2.50") + 10 * Decimal("10.00")) / 1_000_000 == Decimal("0.00016")
    expect(rows.first.locator("td")).to_have_text(["openai · model-a", "24", "10", "$0.00016"])
    expect(page.locator("svg#tokens-chart rect.series-0")).to_have_count(1)
    expect(page.locator("svg#cost-chart rect.series-0")).to_have_count(1)
    expect(page.locator(".summary")).to_contain_text("34")
    expect(page.locator("#usage-by-source tbody tr .source-name")).to_have_text(["Agent sessions"])
    expect(page.locator("#usage-by-token tbody tr th")).to_have_text(
        ["No token (sessions, in-process)"]
    )
    screenshot(page, "usage")

    # A period before any call, chosen with the keyboard: the tables empty, the CSV follows.
    page.get_by_label("From", exact=True).fill("2020-01-01")
    page.get_by_label("To", exact=True).fill("2020-01-31")
    page.get_by_label("To", exact=True).press("Enter")
    page.wait_for_url(re.compile(r".*/usage\?since=2020-01-01&until=2020-01-31$"))
    expect(page.get_by_text("No usage from 2020-01-01 to 2020-01-31.")).to_be_visible()
    with page.expect_download() as caught:
        page.get_by_role("link", name="Download CSV").click()
    download = caught.value
    assert download.suggested_filename.startswith("byom-usage-")
    assert download.suggested_filename.endswith(".csv")


def test_a_form_post_without_the_csrf_token_is_refused(page: Page, live_server: LiveServer) -> None:
    sign_up(page)
    form = page.locator("form.add-key")
    form.locator("input[name=_csrf_token]").evaluate("input => input.remove()")
    form.get_by_label("Provider").select_option(label="OpenAI")
    form.get_by_label("API key").fill(OPENAI_KEY)
    click_and_wait(page, form.get_by_role("button", name="Save key"))
    expect(page.get_by_role("heading", name="This form could not be verified")).to_be_visible()
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
    click_and_wait(page, page.get_by_role("button", name="Log out"), "**/login?done=logged_out")
    expect(page.get_by_role("status")).to_have_text("You are logged out.")

    page.goto("/usage")
    page.wait_for_url(re.compile(r".*/login\?next=%2Fusage$"))
    page.get_by_label("Email").fill("trader@example.com")
    page.get_by_label("Password").fill("not the password")
    click_and_wait(page, page.get_by_role("button", name="Log in"))
    expect(page.get_by_role("alert")).to_contain_text("Invalid email or password")
    expect(page.get_by_label("Password")).to_have_value("")
    screenshot(page, "login-failed")

    page.get_by_label("Password").fill(PASSWORD)
    click_and_wait(page, page.get_by_role("button", name="Log in"), "**/usage")
    expect(page.get_by_role("heading", name="Usage", exact=True)).to_be_visible()


def test_keyboard_users_can_skip_to_content_and_see_focus(
    page: Page, live_server: LiveServer
) -> None:
    sign_up(page)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    page.get_by_label("Provider").focus()
    page.keyboard.press("Tab")
    key = page.get_by_label("API key")
    expect(key).to_be_focused()
    expect(key).to_have_css("outline-style", "solid")
    expect(key).to_have_css("outline-width", "3px")
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


def test_budget_set_a_cap_see_whats_left_and_the_alert(page: Page, live_server: LiveServer) -> None:
    sign_up(page)
    add_key(page, "OpenAI", OPENAI_KEY, model="model-a")
    page.get_by_role("link", name="Budget").click()
    page.wait_for_url("**/budget")
    expect(page.locator("nav a[aria-current=page]")).to_have_text("Budget")
    expect(page.locator("#own-cap")).to_have_text("none")

    page.get_by_label("Cap in USD per month").fill("-3")
    click_and_wait(page, page.get_by_role("button", name="Save budget"))
    expect(page.get_by_role("alert")).to_contain_text(
        "The monthly cap (monthly_usd) must be between 0"
    )

    page.get_by_label("Cap in USD per month").fill("0.0002")
    page.get_by_label("Warn me at this percent").fill("50")
    click_and_wait(page, page.get_by_role("button", name="Save budget"))
    page.wait_for_url("**/budget?done=budget")
    expect(page.get_by_role("status")).to_have_text("Budget saved.")
    expect(page.locator("meter")).to_have_count(1)
    expect(page.locator("#budget-alert")).to_have_count(0)

    container, user_id = live_server.world.container, _user(live_server)

    async def chat() -> None:
        session = await container.start_agent_session.execute(user_id, title="Budgeted")
        await container.send_message.execute(user_id, session.id, "hi", max_tokens=5)

    live_server.run(chat())
    page.reload()
    # One call: 12 input and 5 output tokens at $2.50 / $10.00 per million = $0.00008, 40%.
    expect(page.locator("#own-spent")).to_have_text("$0.00008")
    expect(page.locator("label[for=gauge-1]")).to_contain_text("$0.00012 left of $0.0002")
    expect(page.locator("#budget-alert")).to_have_count(0)
    live_server.run(chat())
    page.reload()
    expect(page.locator("#budget-alert")).to_contain_text("past 50% of your $0.0002 cap")
    screenshot(page, "budget")

    page.get_by_label("Cap in USD per month").fill("")
    click_and_wait(page, page.get_by_role("button", name="Save budget"))
    expect(page.locator("#own-cap")).to_have_text("none")
    expect(page.locator("meter")).to_have_count(0)


def test_gateway_tokens_create_with_scopes_edit_and_revoke(
    page: Page, live_server: LiveServer
) -> None:
    sign_up(page)
    page.get_by_role("link", name="Gateway tokens").click()
    page.wait_for_url("**/gateway-tokens")
    expect(page.locator("nav a[aria-current=page]")).to_have_text("Gateway tokens")

    create = page.locator("form.create-token")
    create.get_by_label("Name").fill("trading bot")
    create.get_by_label("Allowed models").fill("gpt-4o-mini\nanthropic/claude-3-5-haiku-latest")
    create.get_by_label("Requests per minute").fill("lots")
    click_and_wait(page, create.get_by_role("button", name="Create token"))
    expect(page.get_by_role("alert")).to_contain_text("Rpm must be a whole number")
    expect(create.get_by_label("Requests per minute")).to_have_value("lots")

    create.get_by_label("Requests per minute").fill("30")
    create.get_by_label("Monthly budget (USD)").fill("12.50")
    with page.expect_navigation():
        create.get_by_label("Monthly budget (USD)").press("Enter")  # the keyboard submits
    secret = page.get_by_label("Copy it now: it is shown this once and never again.")
    expect(secret).to_have_value(re.compile(r"^byom_[A-Za-z0-9_-]{43}$"))
    token = page.locator("li.token")
    expect(token.locator(".badge")).to_have_text("Live")
    expect(token).to_contain_text("openai/gpt-4o-mini")
    expect(token).to_contain_text("30 requests")
    expect(token).to_contain_text("$12.5")
    screenshot(page, "gateway-tokens-created")

    page.goto("/gateway-tokens")
    expect(page.locator("#new-secret")).to_have_count(0)
    token.locator("summary", has_text="Edit scopes").focus()
    page.keyboard.press("Enter")
    token.get_by_label("Tokens per minute").fill("5000")
    token.get_by_label("Requests per minute").fill("")
    click_and_wait(
        page,
        token.get_by_role("button", name="Save scopes"),
        "**/gateway-tokens?done=token_updated",
    )
    expect(token).to_contain_text("No request limit · 5000 tokens per minute")

    token.locator("summary", has_text="Revoke").click()
    click_and_wait(
        page,
        token.get_by_role("button", name="Yes, revoke this token"),
        "**/gateway-tokens?done=token_revoked",
    )
    expect(token.locator(".badge")).to_have_text("Revoked")
    expect(token.locator("summary")).to_have_count(0)
    screenshot(page, "gateway-tokens")


def test_activity_lists_what_happened_to_the_keys_and_pages_back(
    page: Page, live_server: LiveServer
) -> None:
    sign_up(page)
    form = page.locator("form.add-key")
    form.get_by_label("Provider").select_option(label="OpenAI")
    form.get_by_label("API key").fill(OPENAI_KEY)
    form.get_by_label("Expires on (UTC)").fill("2099-01-31")
    click_and_wait(page, form.get_by_role("button", name="Save key"), "**/models?done=added&key=*")
    expect(card(page, "OpenAI").locator("dd.expiry")).to_contain_text("2099-01-31")
    card(page, "OpenAI").locator("summary", has_text="Expiry").click()
    screenshot(page, "models-expiry")
    openai = card(page, "OpenAI")
    openai.locator("summary", has_text="Rotate key").click()
    openai.get_by_label("New OpenAI key").fill(OPENAI_ROTATED)
    click_and_wait(
        page, openai.get_by_role("button", name="Rotate key"), "**/models?done=rotated&key=*"
    )

    # By keyboard: the nav link to Activity, then Enter.
    page.get_by_role("link", name="Activity").focus()
    with page.expect_navigation(url="**/activity"):
        page.keyboard.press("Enter")
    expect(page.locator("nav a[aria-current=page]")).to_have_text("Activity")
    rows = page.locator("#credential-events tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Key rotated")
    expect(rows.nth(0)).to_contain_text("…n3w1")
    expect(rows.nth(1)).to_contain_text("Made the default")
    expect(rows.nth(2)).to_contain_text("Key added")
    expect(rows.nth(2)).to_contain_text("127.0.0.1")
    assert OPENAI_KEY not in page.content()
    screenshot(page, "activity")

    user_id = _user(live_server)
    container = live_server.world.container

    async def check_often() -> None:
        key = (await container.list_credentials.execute(user_id))[0]
        for _ in range(25):
            await container.revalidate_credential.execute(user_id, key.id)

    live_server.run(check_often())
    page.reload()
    expect(rows).to_have_count(25)
    click_and_wait(page, page.get_by_role("link", name="Older"), "**/activity?before=*")
    expect(page.get_by_role("heading", name="Older events")).to_be_visible()
    expect(rows).to_have_count(3)
    expect(rows.nth(2)).to_contain_text("Key added")
    expect(page.get_by_role("link", name="Older")).to_have_count(0)
