"""While a key is being checked the form says so and cannot be sent again: a second click,
Enter or submit reaches the provider never, however fast it comes."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

from domain.provider import Provider
from tests.support.browser import add_key, sign_up
from tests.support.constants import OPENAI_KEY, OPENAI_ROTATED

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

    from tests.support.browser import LiveServer
    from tests.support.fakes import FakeLlmProvider

pytestmark = pytest.mark.browser


def _openai_card(page: Page) -> Locator:
    return page.locator("li.card").filter(
        has=page.get_by_role("heading", name="OpenAI", exact=True)
    )


def _held_openai(live_server: LiveServer) -> tuple[FakeLlmProvider, asyncio.Event]:
    """OpenAI's model list (every key check) waits until the test lets it answer."""
    openai = live_server.world.providers.get(Provider.OPENAI)
    held = asyncio.Event()
    openai.hold_lists = held
    return openai, held


def _answer(live_server: LiveServer, openai: FakeLlmProvider, held: asyncio.Event) -> None:
    """Once the first check is with the provider, the provider answers."""
    deadline = time.monotonic() + 5
    while openai.lists_waiting != 1:
        assert time.monotonic() < deadline, "the first check never reached the provider"
        time.sleep(0.02)

    async def release() -> None:
        held.set()

    live_server.run(release())


# While a form post is in flight Playwright's locators wait for the navigation to end, so the
# first click, a look at the busy form and the second submit are one script in the page.
_CLICK_TWICE = """async ([formSelector, first, second]) => {
  const forms = [...document.querySelectorAll(formSelector)];
  const named = (f, text) => [...f.querySelectorAll('button')].find(
    b => b.textContent.trim().startsWith(text));
  const form = forms.find(f => named(f, first));
  named(form, first).click();
  // The provider holds its answer, so the first request is still open after this.
  await new Promise(done => setTimeout(done, 400));
  const seen = {
    status: form.querySelector('.busy').textContent,
    disabled: [...form.querySelectorAll('button')].map(b => b.disabled),
  };
  // Every other way a second submit comes: a click, Enter in a field, a script.
  named(form, second).click();
  form.requestSubmit();
  return seen;
}"""


def _click_twice(page: Page, form: str, first: str, second: str) -> dict[str, object]:
    seen: dict[str, object] = page.evaluate(_CLICK_TWICE, [form, first, second])
    return seen


@pytest.mark.parametrize("action", ["Check now", "Rotate key"])
def test_a_second_submit_while_a_key_is_checked_never_reaches_the_provider(
    page: Page, live_server: LiveServer, action: str
) -> None:
    sign_up(page)
    add_key(page, "OpenAI", OPENAI_KEY)
    openai, held = _held_openai(live_server)
    before = len(openai.calls)
    card = _openai_card(page)
    if action == "Rotate key":
        card.locator("summary", has_text="Rotate key").click()
        card.get_by_label("New OpenAI key").fill(OPENAI_ROTATED)

    with page.expect_navigation(url="**/models?done=*"):
        seen = _click_twice(page, "li.card form", action, action)
        _answer(live_server, openai, held)
    text = (
        "Checking the new key with OpenAI…" if action == "Rotate key" else "Checking with OpenAI…"
    )
    assert seen == {"status": text, "disabled": [True]}
    assert len(openai.calls) == before + 1
    expect(page.get_by_role("status").first).to_contain_text("OpenAI key sk-…")


def test_check_key_shows_the_provider_and_blocks_save_until_it_answers(
    page: Page, live_server: LiveServer
) -> None:
    sign_up(page)
    openai, held = _held_openai(live_server)
    form = page.locator("form.add-key")
    form.get_by_label("Provider").select_option(label="OpenAI")
    form.get_by_label("API key").fill(OPENAI_KEY)
    check = form.get_by_role("button", name="Check key and load models")
    save = form.get_by_role("button", name="Save key")
    assert len(openai.calls) == 0

    seen = _click_twice(page, "form.add-key", "Check key", "Save key")
    assert seen == {"status": "Checking with OpenAI…", "disabled": [True, True]}
    _answer(live_server, openai, held)

    # The answer arrives: the model list, the buttons back, the busy line gone.
    expect(form.locator("select#model_name")).to_be_visible()
    expect(save).to_be_enabled()
    expect(check).to_be_enabled()
    expect(form.locator("p.busy")).to_have_text("")
    assert len(openai.calls) == 1
    assert page.url.endswith("/models?done=welcome")  # Save was not sent
    assert live_server.world.db.credentials == {}
