"""The usage page's period lives in the URL as ``since`` and ``until``: what the form sends,
what a bookmark or a shared link holds, and what the CSV link carries."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from domain.usage import UsageRecord, UsageSource
from tests.support.site import Site


async def _calls(site: Site, *days_ago: int) -> None:
    user_id = await site.user_id()
    container = site.world.container
    now = site.world.clock.now()
    async with container.uow() as uow:
        for ago in days_ago:
            await uow.usage.add(
                UsageRecord(
                    id=container.ids.new_id(),
                    user_id=user_id,
                    provider="openai",
                    model="model-a",
                    credential_id=None,
                    session_id=None,
                    input_tokens=100 + ago,
                    output_tokens=1,
                    cost_usd=Decimal("0.001"),
                    source=UsageSource.SESSION,
                    created_at=now - timedelta(days=ago),
                )
            )
        await uow.commit()


def _days_listed(page: str) -> list[str]:
    table = page.split('id="usage-by-day"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<time datetime="([^"]+)">', table)


async def test_since_alone_narrows_the_period(signed_in: Site) -> None:
    await _calls(signed_in, 0, 5, 20)
    today = signed_in.world.clock.now().date()
    since = (today - timedelta(days=7)).isoformat()
    page = (await signed_in.client.get(f"/usage?since={since}")).text
    assert f"from {since} to {today.isoformat()}" in page
    assert _days_listed(page) == [today.isoformat(), (today - timedelta(days=5)).isoformat()]
    assert f'name="since" type="date" value="{since}"' in page


async def test_until_is_the_last_day_included(signed_in: Site) -> None:
    await _calls(signed_in, 0, 5, 20)
    today = signed_in.world.clock.now().date()
    five_ago = (today - timedelta(days=5)).isoformat()
    page = (await signed_in.client.get(f"/usage?until={five_ago}")).text
    assert _days_listed(page) == [five_ago, (today - timedelta(days=20)).isoformat()]
    assert f'name="until" type="date" value="{five_ago}"' in page


async def test_the_csv_links_times_show_the_same_days(signed_in: Site) -> None:
    await _calls(signed_in, 0, 5, 20)
    today = signed_in.world.clock.now().date()
    first, last = today - timedelta(days=6), today - timedelta(days=1)
    page = (await signed_in.client.get(f"/usage?since={first}&until={last}")).text
    link = re.search(r'<a class="download" href="/usage/export.csv\?([^"]+)"', page)
    assert link is not None
    same = (await signed_in.client.get("/usage?" + link.group(1).replace("&amp;", "&"))).text
    assert f"from {first.isoformat()} to {last.isoformat()}" in same
    assert _days_listed(same) == _days_listed(page) == [(today - timedelta(days=5)).isoformat()]
    # A time without a zone is UTC; midnight as the end leaves that day out.
    midnight = datetime.combine(today, datetime.min.time()).isoformat()
    naive = (await signed_in.client.get(f"/usage?until={midnight}")).text
    assert _days_listed(naive)[0] == (today - timedelta(days=5)).isoformat()


async def test_the_form_sends_since_and_until(signed_in: Site) -> None:
    page = (await signed_in.client.get("/usage")).text
    form = page.split('<form class="card period"', 1)[1].split("</form>", 1)[0]
    assert re.findall(r'<input id="[^"]+" name="([^"]+)"', form) == ["since", "until"]
    assert 'method="get" action="/usage"' in form


async def test_the_sources_are_named_and_told_apart(signed_in: Site) -> None:
    await _calls(signed_in, 0)
    page = (await signed_in.client.get("/usage")).text
    row = page.split('<tr class="source-session">', 1)[1].split("</tr>", 1)[0]
    assert '<span class="source-name">Agent sessions</span>' in row
    assert "chats run through BYOM&#39;s sessions API" in row
    assert "Every source together" in page  # the chart's legend says what it adds up


@pytest.mark.parametrize(
    "query",
    [
        "until=0001-01-01T00:00:00",  # the day before the first day there is
        "until=9999-12-31T23:00:00-05:00",  # past the last day there is, in UTC
        "since=9999-12-30&until=9999-12-31",  # the end of that day has no next day
    ],
)
async def test_a_period_at_the_edge_of_the_calendar_is_a_422_not_a_500(
    signed_in: Site, query: str
) -> None:
    response = await signed_in.client.get(f"/usage?{query}")
    assert response.status_code == 422
    assert "The period is not valid" in response.text


async def test_a_period_of_millennia_is_listed_without_a_chart(signed_in: Site) -> None:
    await _calls(signed_in, 0, 5)
    response = await signed_in.client.get("/usage?since=0001-01-01&until=9999-12-30")
    assert response.status_code == 200
    assert _days_listed(response.text) == [
        signed_in.world.clock.now().date().isoformat(),
        (signed_in.world.clock.now().date() - timedelta(days=5)).isoformat(),
    ]
    assert "<svg" not in response.text
