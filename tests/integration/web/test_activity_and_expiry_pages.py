"""The Activity page and the expiry on 'Your models', without a browser: events newest first
with an "Older" link, expiry set, warned about a week before, shown expired, cleared."""

from __future__ import annotations

import re
from datetime import timedelta

from domain.credential_event import CredentialEventKind
from tests.support.constants import OPENAI_KEY
from tests.support.site import Site


def _card_expiry(page: str) -> str:
    found = re.search(r'<dd class="expiry">(.*?)</dd>', page, re.S)
    assert found is not None, page
    return found.group(1)


async def test_activity_lists_events_newest_first_and_pages_back(signed_in: Site) -> None:
    await signed_in.add_key("openai", OPENAI_KEY)
    user_id = await signed_in.user_id()
    async with signed_in.world.container.uow() as uow:
        key = (await uow.credentials.list_for_user(user_id))[0]
    for _ in range(30):
        signed_in.world.clock.advance(1)
        await signed_in.world.container.revalidate_credential.execute(user_id, key.id)

    first = await signed_in.client.get("/activity")
    assert first.status_code == 200
    assert '<a href="/activity" aria-current="page">Activity</a>' in first.text
    assert first.text.count('<tr class="event-') == 25
    assert "Checked: the provider accepted the key" in first.text
    assert "Key added" not in first.text
    older = re.search(r'href="(/activity\?before=[^"]+)" rel="next"', first.text)
    assert older is not None

    second = await signed_in.client.get(older.group(1).replace("&amp;", "&"))
    assert second.text.count('<tr class="event-') == 7
    assert "Key added" in second.text
    assert "Made the default" in second.text
    assert 'rel="next"' not in second.text
    assert OPENAI_KEY[:12] not in first.text + second.text
    assert "not over HTTP" in first.text  # the checks above were made in-process
    assert "<code>testclient</code>" in second.text  # the address the key was added from


async def test_a_bad_cursor_is_a_friendly_400(signed_in: Site) -> None:
    response = await signed_in.client.get("/activity?before=nope")
    assert response.status_code == 400
    assert "The page cursor is not valid" in response.text


async def test_an_expiry_is_set_warned_about_shown_expired_and_cleared(signed_in: Site) -> None:
    clock = signed_in.world.clock
    day = (clock.now().date() + timedelta(days=10)).isoformat()
    await signed_in.add_key("openai", OPENAI_KEY, expires_on=day)
    page = (await signed_in.client.get("/models")).text
    assert day in _card_expiry(page)
    assert "Expires in" not in page, "more than a week away: no warning yet"

    clock.advance(4 * 86400)
    page = (await signed_in.client.get("/models")).text
    assert re.search(r'class="badge expiring">Expires in [56] days<', page)

    clock.advance(7 * 86400)
    page = (await signed_in.client.get("/models")).text
    assert 'class="badge expired">Expired<' in page
    assert "expired, your agents no longer use this key" in _card_expiry(page)
    assert "expired at" in page  # the choice says the default key expired

    user_id = await signed_in.user_id()
    async with signed_in.world.container.uow() as uow:
        key = (await uow.credentials.list_for_user(user_id))[0]
    past = await signed_in.post(f"/models/{key.id}/expiry", {"expires_on": "2001-01-01"})
    assert past.status_code == 422
    assert "must be in the future" in past.text
    cleared = await signed_in.post(f"/models/{key.id}/expiry", {"expires_on": day, "clear": "yes"})
    assert cleared.headers["location"] == f"/models?done=expiry&key={key.id}"
    page = (await signed_in.client.get("/models")).text
    assert _card_expiry(page) == "Never"
    events = await signed_in.world.container.list_credential_events.execute(user_id)
    assert CredentialEventKind.EXPIRED in {e.kind for e in events.events}


async def test_a_stranger_is_sent_to_log_in_first(site: Site) -> None:
    response = await site.client.get("/activity", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Factivity"


async def test_an_expiry_form_post_without_the_csrf_token_is_refused(signed_in: Site) -> None:
    await signed_in.add_key("openai", OPENAI_KEY)
    user_id = await signed_in.user_id()
    async with signed_in.world.container.uow() as uow:
        key = (await uow.credentials.list_for_user(user_id))[0]
    refused = await signed_in.post(
        f"/models/{key.id}/expiry", {"expires_on": "2099-01-01"}, csrf=False
    )
    assert refused.status_code == 403
    assert signed_in.world.db.credentials[key.id].expires_at is None
