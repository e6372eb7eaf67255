"""The 'Gateway tokens' page without a browser: create with scopes (the secret once), edit,
revoke, errors on the form they came from."""

from __future__ import annotations

from datetime import timedelta

from tests.support.site import Site

PAGE = "/gateway-tokens"


async def test_create_shows_the_secret_once_with_its_scopes(signed_in: Site) -> None:
    day = (signed_in.world.clock.now() + timedelta(days=10)).date().isoformat()
    created = await signed_in.post(
        PAGE,
        {
            "name": "ci",
            "expires_on": day,
            "allowed_models": "gpt-4o-mini, openai/gpt-4o-mini\nclaude-3-5-haiku-latest",
            "rpm": "30",
            "tpm": "",
            "monthly_usd": "12.50",
        },
    )
    assert created.status_code == 200, created.text
    [token] = signed_in.world.db.gateway_tokens.values()
    assert token.allowed_models == ("openai/gpt-4o-mini", "anthropic/claude-3-5-haiku-latest")
    assert (token.rpm, token.tpm, str(token.monthly_usd)) == (30, None, "12.50")
    assert token.expires_at is not None
    assert token.expires_at.date().isoformat() == day
    assert 'id="new-secret"' in created.text
    assert created.headers["cache-control"] == "no-store"

    again = (await signed_in.client.get(PAGE)).text
    assert 'id="new-secret"' not in again
    assert f"byom_…{token.hint}" in again
    assert "Live" in again
    assert "<code>openai/gpt-4o-mini</code>" in again


async def test_bad_scopes_are_shown_on_the_form_and_nothing_is_stored(signed_in: Site) -> None:
    refused = await signed_in.post(PAGE, {"name": "ci", "rpm": "lots", "allowed_models": ""})
    assert refused.status_code == 422
    assert "rpm must be a whole number" in refused.text.lower()
    assert 'value="lots"' in refused.text, "the form comes back as typed"
    past = await signed_in.post(PAGE, {"name": "ci", "expires_on": "2020-01-01"})
    assert past.status_code == 422
    assert "expires_at must be in the future" in past.text.lower()
    assert signed_in.world.db.gateway_tokens == {}


async def test_edit_and_revoke(signed_in: Site) -> None:
    await signed_in.post(PAGE, {"name": "ci", "rpm": "30"})
    [token] = signed_in.world.db.gateway_tokens.values()

    edited = await signed_in.post(
        f"{PAGE}/{token.id}/scopes",
        {"name": "deploy", "rpm": "", "tpm": "5000", "allowed_models": "gpt-4o"},
    )
    assert edited.headers["location"] == f"{PAGE}?done=token_updated"
    stored = signed_in.world.db.gateway_tokens[token.id]
    assert (stored.name, stored.rpm, stored.tpm) == ("deploy", None, 5000)
    assert stored.allowed_models == ("openai/gpt-4o",)

    refused = await signed_in.post(f"{PAGE}/{token.id}/scopes", {"name": "deploy", "tpm": "0"})
    assert refused.status_code == 422
    assert "tpm must be between 1" in refused.text.lower()
    assert signed_in.world.db.gateway_tokens[token.id].tpm == 5000

    revoked = await signed_in.post(f"{PAGE}/{token.id}/revoke", {})
    assert revoked.headers["location"] == f"{PAGE}?done=token_revoked"
    page = (await signed_in.client.get(PAGE)).text
    assert "Revoked" in page
    assert "Edit scopes" not in page
    gone = await signed_in.post(f"{PAGE}/{token.id}/scopes", {"name": "again"})
    assert gone.status_code == 404
