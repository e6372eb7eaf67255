"""The pages render, redirect and act like a user expects, without a browser."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from domain.errors import ProviderUnavailable
from domain.provider import Provider
from domain.usage import UsageRecord, UsageSource
from tests.support.constants import ANTHROPIC_KEY, EMAIL, OPENAI_KEY, OPENAI_ROTATED, PASSWORD
from tests.support.site import Site


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/", "/login"),
        ("/models", "/login?next=%2Fmodels"),
        ("/usage", "/login?next=%2Fusage"),
    ],
)
async def test_pages_send_strangers_to_the_login_page(site: Site, path: str, target: str) -> None:
    response = await site.client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == target


@pytest.mark.parametrize(
    ("path", "heading"), [("/login", "Log in"), ("/signup", "Create your account")]
)
async def test_account_pages_render_with_labelled_fields(
    site: Site, path: str, heading: str
) -> None:
    response = await site.client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert f">{heading}</h1>" in response.text
    assert '<label for="email">Email</label>' in response.text
    assert '<label for="password">Password</label>' in response.text
    assert 'name="_csrf_token"' in response.text


async def test_signing_up_signs_in_and_lands_on_your_models(site: Site) -> None:
    response = await site.post("/signup", {"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 303
    assert response.headers["location"] == "/models?done=welcome"

    page = await site.client.get(response.headers["location"])
    assert page.status_code == 200
    assert "Welcome!" in page.text
    assert EMAIL in page.text
    assert "No model yet." in page.text


async def test_a_taken_email_is_a_friendly_message_and_the_password_is_not_sent_back(
    signed_in: Site,
) -> None:
    await signed_in.post("/logout", {})
    response = await signed_in.post("/signup", {"email": EMAIL, "password": "another password 1"})
    assert response.status_code == 409
    assert "Email already registered" in response.text
    assert "another password 1" not in response.text
    assert f'value="{EMAIL}"' in response.text


async def test_a_wrong_password_is_refused_on_the_login_page(signed_in: Site) -> None:
    await signed_in.post("/logout", {})
    response = await signed_in.post("/login", {"email": EMAIL, "password": "wrong password!"})
    assert response.status_code == 401
    assert "Invalid email or password" in response.text
    assert "wrong password!" not in response.text


async def test_logging_in_returns_to_the_page_asked_for_but_never_elsewhere(
    signed_in: Site,
) -> None:
    await signed_in.post("/logout", {})
    back = await signed_in.post("/login", {"email": EMAIL, "password": PASSWORD, "next": "/usage"})
    assert back.headers["location"] == "/usage"
    for evil in (
        "https://evil.example/",
        "//evil.example/models",
        "/models\\@evil",
        "javascript:x",
    ):
        await signed_in.post("/logout", {})
        response = await signed_in.post(
            "/login", {"email": EMAIL, "password": PASSWORD, "next": evil}
        )
        assert response.headers["location"] == "/models", evil


async def test_logging_out_forgets_the_session(signed_in: Site) -> None:
    response = await signed_in.post("/logout", {})
    assert response.status_code == 303
    assert response.headers["location"] == "/login?done=logged_out"
    assert 'byom_session=""' in response.headers["set-cookie"]
    assert (await signed_in.client.get("/models", follow_redirects=False)).status_code == 303


async def test_adding_a_key_shows_it_masked_with_its_model_and_default_badge(
    signed_in: Site,
) -> None:
    response = await signed_in.add_key("openai", OPENAI_KEY, model_name="model-b")
    assert response.headers["location"].startswith("/models?done=added&key=")

    page = (await signed_in.client.get("/models?done=added")).text
    assert "Key saved." in page
    assert '<code class="masked-key">sk-…wxyz</code>' in page
    assert '<span class="badge default">Default</span>' in page
    assert '<span class="badge valid">Valid</span>' in page
    assert "<code>model-b</code>" in page
    assert "It is your default key." in page
    assert OPENAI_KEY not in page


async def test_the_key_check_fills_the_model_list_without_echoing_the_key(
    signed_in: Site,
) -> None:
    form = {"provider": "openai", "api_key": OPENAI_KEY}
    fragment = await signed_in.post("/models/check", form, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert re.findall(r'<option value="([^"]*)"', fragment.text) == ["", "model-a", "model-b"]
    assert '<option value="model-a" selected>' in fragment.text  # the catalog's default
    assert OPENAI_KEY not in fragment.text

    # Without JavaScript the whole page comes back, the key field empty.
    page = await signed_in.post("/models/check", form)
    assert page.status_code == 200
    assert "<html" in page.text
    assert "Enter the key again" in page.text
    assert OPENAI_KEY not in page.text
    assert signed_in.world.db.credentials == {}


async def test_a_wrong_key_shows_the_providers_reason_and_is_never_echoed(
    signed_in: Site,
) -> None:
    wrong = "sk-ant-api03-" + "nope" * 10
    checked = await signed_in.post(
        "/models/check", {"provider": "anthropic", "api_key": wrong}, headers={"HX-Request": "true"}
    )
    assert "Anthropic says the API key is invalid." in checked.text
    assert wrong not in checked.text

    response = await signed_in.post(
        "/models", {"provider": "anthropic", "api_key": wrong, "model_name": "model-a"}
    )
    assert response.status_code == 422
    assert "The provider rejected the API key." in response.text
    assert "Anthropic says the API key is invalid." in response.text
    assert wrong not in response.text
    assert wrong[-4:] * 2 not in response.text
    assert '<option value="anthropic" selected>' in response.text
    assert signed_in.world.db.credentials == {}


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("sk-ant-api03-" + "x" * 30, "this looks like an Anthropic key, not an OpenAI key"),
        ("k3y-7ch", "The API key is too short"),
        ("sk-has whitespace-0123456789", "The API key contains whitespace."),
    ],
)
async def test_malformed_keys_are_explained_before_any_provider_call(
    signed_in: Site, key: str, message: str
) -> None:
    response = await signed_in.post("/models", {"provider": "openai", "api_key": key})
    assert response.status_code == 422
    assert message.lower() in response.text.lower()
    assert key not in response.text
    assert signed_in.world.providers.calls == 0


async def test_a_provider_outage_is_a_friendly_503_and_stores_nothing(signed_in: Site) -> None:
    signed_in.world.providers.get(Provider.OPENAI).fail_with = ProviderUnavailable(
        "openai", "openai did not answer"
    )
    response = await signed_in.post("/models", {"provider": "openai", "api_key": OPENAI_KEY})
    assert response.status_code == 503
    assert "The provider could not be reached." in response.text
    assert signed_in.world.db.credentials == {}


async def test_a_second_key_for_a_provider_names_the_problem(signed_in: Site) -> None:
    await signed_in.add_key("openai", OPENAI_KEY)
    response = await signed_in.post("/models", {"provider": "openai", "api_key": OPENAI_ROTATED})
    assert response.status_code == 409
    assert "Credential already exists." in response.text


async def test_base_url_is_sent_only_for_openai_compatible(signed_in: Site) -> None:
    await signed_in.add_key("openai", OPENAI_KEY, base_url="https://leftover.example.com/v1")
    (stored,) = signed_in.world.db.credentials.values()
    assert stored.base_url is None


async def test_set_default_rotate_validate_change_model_and_delete(signed_in: Site) -> None:
    await signed_in.add_key("openai", OPENAI_KEY)
    await signed_in.add_key("anthropic", ANTHROPIC_KEY)
    by_provider = {c.provider: c.id for c in signed_in.world.db.credentials.values()}
    openai, anthropic = by_provider[Provider.OPENAI], by_provider[Provider.ANTHROPIC]

    made = await signed_in.post(f"/models/{anthropic}/default", {})
    assert made.headers["location"] == f"/models?done=default&key={anthropic}"
    assert signed_in.world.db.credentials[anthropic].is_default
    assert not signed_in.world.db.credentials[openai].is_default

    rotated = await signed_in.post(f"/models/{openai}/rotate", {"api_key": OPENAI_ROTATED})
    assert rotated.headers["location"] == f"/models?done=rotated&key={openai}"
    assert signed_in.world.db.credentials[openai].key_hint == "n3w1"

    changed = await signed_in.post(f"/models/{openai}/model", {"model_name": "model-b"})
    assert changed.headers["location"] == f"/models?done=model&key={openai}"
    assert signed_in.world.db.credentials[openai].model_name == "model-b"

    checked = await signed_in.post(f"/models/{openai}/validate", {})
    assert checked.headers["location"] == f"/models?done=validated&key={openai}"

    signed_in.world.providers.get(Provider.OPENAI).valid_keys.clear()
    rejected = await signed_in.post(f"/models/{openai}/validate", {})
    assert rejected.headers["location"] == f"/models?done=rejected&key={openai}"
    page = (await signed_in.client.get("/models?done=rejected")).text
    assert '<div class="notice warning" role="status">' in page
    assert '<span class="badge rejected">Rejected</span>' in page
    assert '<dd class="last-error">openai says the API key is invalid</dd>' in page

    deleted = await signed_in.post(f"/models/{anthropic}/delete", {})
    assert deleted.headers["location"] == f"/models?done=deleted&key={anthropic}"
    assert not signed_in.world.db.credentials[anthropic].is_active
    page = (await signed_in.client.get("/models")).text
    assert "sk-ant-…AAAA" not in page
    assert "No model yet." in page


async def test_another_users_key_is_not_found_and_left_alone(site: Site) -> None:
    await site.sign_up("owner@example.com")
    await site.add_key("openai", OPENAI_KEY)
    (theirs,) = site.world.db.credentials.values()
    await site.post("/logout", {})
    await site.sign_up("intruder@example.com")

    for action in ("default", "validate", "delete"):
        response = await site.post(f"/models/{theirs.id}/{action}", {})
        assert response.status_code == 404, action
        assert "Credential not found." in response.text
    assert site.world.db.credentials[theirs.id].is_active


async def test_the_explanation_names_the_platform_default_when_you_have_no_key() -> None:
    from entrypoints.settings import ProviderSettings, SystemDefaultSettings
    from tests.support.builders import make_settings
    from tests.support.site import open_site

    settings = replace(
        make_settings(),
        providers=ProviderSettings(
            system_default=SystemDefaultSettings(
                provider="anthropic", api_keys={"anthropic": ANTHROPIC_KEY}
            )
        ),
    )
    async for site in open_site(settings):
        await site.sign_up()
        page = (await site.client.get("/models")).text
        assert "<strong>Anthropic</strong> · <code>model-a</code>" in page
        assert "platform&#39;s default model" in page


async def test_usage_shows_tokens_and_cost_per_day_and_model(signed_in: Site) -> None:
    user_id = await signed_in.user_id()
    now = signed_in.world.clock.now()
    rows = [
        (now, "model-a", 1200, 300, Decimal("0.006")),
        (now, "model-b", 10, 5, None),
        (now - timedelta(days=2), "model-a", 800, 200, Decimal("0.004")),
        (now - timedelta(days=45), "model-a", 999, 999, Decimal("9")),  # outside the 30 days
    ]
    async with signed_in.world.container.uow() as uow:
        for at, model, tokens_in, tokens_out, cost in rows:
            await uow.usage.add(
                UsageRecord(
                    id=signed_in.world.container.ids.new_id(),
                    user_id=user_id,
                    provider="openai",
                    model=model,
                    credential_id=None,
                    session_id=None,
                    input_tokens=tokens_in,
                    output_tokens=tokens_out,
                    cost_usd=cost,
                    source=UsageSource.SESSION,
                    created_at=at,
                )
            )
        await uow.commit()

    page = (await signed_in.client.get("/usage")).text
    assert "<dd>2,515</dd>" in page  # tokens in the last 30 days
    assert "<dd>$0.01</dd>" in page
    by_day = page.split('id="usage-by-day"', 1)[1]
    assert by_day.count("<tr>") == 1 + 3
    assert f'<time datetime="{now.date().isoformat()}">' in by_day
    tokens_chart = page.split('id="tokens-chart"', 1)[1].split("</svg>", 1)[0]
    assert tokens_chart.count('<rect class="series-0"') == 2  # model-a on two days
    assert tokens_chart.count('<rect class="series-1"') == 1  # model-b today
    assert "<title>" + now.date().isoformat() + " · openai · model-a: 1,500</title>" in tokens_chart
    assert "$9" not in page


async def test_usage_without_calls_says_so(signed_in: Site) -> None:
    page = (await signed_in.client.get("/usage")).text
    assert "No usage in the last 30 days." in page
    assert '<svg class="chart"' not in page


async def test_usage_filters_a_period_breaks_down_per_source_and_token_and_links_the_csv(
    signed_in: Site,
) -> None:
    user_id = await signed_in.user_id()
    container = signed_in.world.container
    token = await container.create_gateway_token.execute(user_id, "<ci> =1+1")
    now = signed_in.world.clock.now()
    async with container.uow() as uow:
        for days_ago, source, token_id in (
            (0, UsageSource.GATEWAY, token.token.id),
            (0, UsageSource.SESSION, None),
            (40, UsageSource.IN_PROCESS, None),
        ):
            await uow.usage.add(
                UsageRecord(
                    id=container.ids.new_id(),
                    user_id=user_id,
                    provider="openai",
                    model="model-a",
                    credential_id=None,
                    session_id=None,
                    input_tokens=10,
                    output_tokens=5,
                    cost_usd=Decimal("0.001"),
                    source=source,
                    created_at=now - timedelta(days=days_ago),
                    gateway_token_id=token_id,
                )
            )
        await uow.commit()

    page = (await signed_in.client.get("/usage")).text
    by_source = page.split('id="usage-by-source"', 1)[1].split("</table>", 1)[0]
    assert re.findall(r'<span class="source-name">([^<]+)</span>', by_source) == [
        "Gateway",
        "Agent sessions",
    ]
    by_token = page.split('id="usage-by-token"', 1)[1].split("</table>", 1)[0]
    assert "No token (sessions, in-process)" in by_token
    assert "&lt;ci&gt; =1+1 <code>byom_…" in by_token, "escaped, with its hint"
    assert '<label for="period-from">From</label>' in page
    assert "Download CSV" in page

    first = (now - timedelta(days=45)).date().isoformat()
    last = (now - timedelta(days=30)).date().isoformat()
    older = await signed_in.client.get("/usage", params={"since": first, "until": last})
    assert older.status_code == 200
    assert f"from {first} to {last}" in older.text
    assert re.findall(
        r'<span class="source-name">([^<]+)</span>',
        older.text.split('id="usage-by-source"', 1)[1].split("</table>", 1)[0],
    ) == ["In-process"]

    link = re.search(r'<a class="download" href="([^"]+)"', older.text)
    assert link is not None
    exported = await signed_in.client.get(link.group(1).replace("&amp;", "&"))
    assert exported.status_code == 200
    assert exported.headers["content-type"] == "text/csv; charset=utf-8"
    lines = exported.text.strip().split("\r\n")
    assert len(lines) == 2
    assert ",in-process," in lines[1]

    backwards = await signed_in.client.get("/usage", params={"since": last, "until": first})
    assert backwards.status_code == 422
    assert "The last day must not come before the first." in backwards.text
    garbled = await signed_in.client.get("/usage", params={"since": "yesterday"})
    assert garbled.status_code == 422
    assert "Dates look like 2025-01-31." in garbled.text


async def test_the_csv_download_needs_a_signed_in_user(site: Site) -> None:
    response = await site.client.get("/usage/export.csv", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
