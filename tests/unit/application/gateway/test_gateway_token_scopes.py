"""Gateway token scopes: their bounds, one form for model names, expiry, and the admission of
a call (model list, then rpm and tpm) before any provider is asked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from application.gateway._token_scopes import checked, model_key
from application.gateway.relay_completion import RelayRequest
from application.gateway.update_gateway_token import GatewayTokenChanges
from domain.errors import (
    GatewayTokenExpired,
    GatewayTokenNotFound,
    InvalidGatewayToken,
    InvalidTokenScope,
    ModelNotAllowedForToken,
    TokenRateLimited,
)
from domain.llm import ChatMessage, Role
from domain.token_scopes import TokenScopes, parse_usd
from tests.support.builders import World

NOW = datetime(2027, 1, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("gpt-4o", "openai/gpt-4o"),
        ("openai/gpt-4o", "openai/gpt-4o"),
        ("claude-3-5-haiku-latest", "anthropic/claude-3-5-haiku-latest"),
        ("models/gemini-2.0-flash", "google/gemini-2.0-flash"),
        ("ollama/llama3", "openai_compatible/llama3"),
        ("meta-llama/llama-3", "meta-llama/llama-3"),
        ("byom/default", "default"),
    ],
)
def test_model_names_are_compared_in_routed_form(typed: str, key: str) -> None:
    assert model_key(typed) == key


def test_scopes_keep_one_routed_name_per_model() -> None:
    scopes = checked(TokenScopes(allowed_models=("gpt-4o", "openai/GPT-4o", "o3")), NOW)
    assert scopes.allowed_models == ("openai/gpt-4o", "openai/o3")


@pytest.mark.parametrize(
    "scopes",
    [
        TokenScopes(expires_at=NOW),
        TokenScopes(expires_at=datetime(2030, 1, 1)),
        TokenScopes(rpm=0),
        TokenScopes(tpm=100_000_001),
        TokenScopes(monthly_usd=Decimal(-1)),
        TokenScopes(monthly_usd=Decimal("Infinity")),
        TokenScopes(monthly_usd=Decimal("1e400000")),
        TokenScopes(allowed_models=()),
        TokenScopes(allowed_models=tuple(f"m{i}" for i in range(51))),
        TokenScopes(allowed_models=("gpt 4o",)),
    ],
)
def test_out_of_bounds_scopes_are_refused(scopes: TokenScopes) -> None:
    with pytest.raises(InvalidTokenScope):
        checked(scopes, NOW)


def test_money_is_a_decimal_string_of_at_most_six_places() -> None:
    assert parse_usd(" 20.50 ") == Decimal("20.50")
    assert parse_usd("0") == Decimal(0)
    for bad in ("twenty", "0.0000001", "NaN", "-Infinity", ""):
        with pytest.raises(InvalidTokenScope):
            parse_usd(bad)


async def test_an_expired_token_is_refused_as_expired(world: World, user_id: UUID) -> None:
    soon = world.clock.now() + timedelta(minutes=5)
    new = await world.container.create_gateway_token.execute(
        user_id, "bot", TokenScopes(expires_at=soon)
    )
    authenticate = world.container.authenticate_gateway_token.execute
    assert (await authenticate(new.secret)).expires_at == soon

    world.clock.advance(300)
    with pytest.raises(GatewayTokenExpired) as caught:
        await authenticate(new.secret)
    assert isinstance(caught.value, InvalidGatewayToken), "a 401 like any refused token"
    token = world.db.gateway_tokens[new.token.id]
    assert (token.is_live(world.clock.now()), token.is_active) == (False, True)


async def test_an_update_changes_what_it_names_and_nothing_on_failure(
    world: World, user_id: UUID
) -> None:
    update = world.container.update_gateway_token.execute
    new = await world.container.create_gateway_token.execute(
        user_id, "bot", TokenScopes(rpm=5, tpm=500)
    )

    token = await update(user_id, new.token.id, GatewayTokenChanges(rpm=None, name=" ci "))
    assert (token.name, token.rpm, token.tpm) == ("ci", None, 500)
    with pytest.raises(InvalidTokenScope):
        await update(user_id, new.token.id, GatewayTokenChanges(tpm=0))
    assert world.db.gateway_tokens[new.token.id].tpm == 500

    await world.container.revoke_gateway_token.execute(user_id, new.token.id)
    with pytest.raises(GatewayTokenNotFound):
        await update(user_id, new.token.id, GatewayTokenChanges(rpm=1))


def _request(model: str, text: str = "hi", max_tokens: int | None = 10) -> RelayRequest:
    return RelayRequest(model, (ChatMessage(Role.USER, text),), max_tokens=max_tokens)


async def test_admission_checks_the_model_then_the_rates(world: World, user_id: UUID) -> None:
    new = await world.container.create_gateway_token.execute(
        user_id, "bot", TokenScopes(allowed_models=("gpt-4o-mini",), rpm=2, tpm=40)
    )
    admit = world.container.admit_gateway_call.execute
    token = new.token

    with pytest.raises(ModelNotAllowedForToken):
        await admit(token, _request("openai/gpt-4o"))
    first = await admit(token, _request("gpt-4o-mini"))  # 1 + 4 framing + 10 = 15 tokens
    assert first is not None
    assert (first.remaining_requests, first.remaining_tokens) == (1, 25)
    with pytest.raises(TokenRateLimited) as over_tpm:
        await admit(token, _request("gpt-4o-mini", "x" * 200))
    assert over_tpm.value.kind == "tpm"
    await admit(token, _request("openai/gpt-4o-mini"))
    with pytest.raises(TokenRateLimited) as over_rpm:
        await admit(token, _request("gpt-4o-mini"))
    assert over_rpm.value.kind == "rpm"
    assert 1 <= over_rpm.value.retry_after <= 60

    world.clock.advance(60)
    assert await admit(token, _request("gpt-4o-mini")) is not None, "a new minute, new counts"


async def test_without_max_tokens_the_default_reply_budget_is_counted(
    world: World, user_id: UUID
) -> None:
    new = await world.container.create_gateway_token.execute(user_id, "bot", TokenScopes(tpm=1_000))
    with pytest.raises(TokenRateLimited):
        await world.container.admit_gateway_call.execute(
            new.token, _request("gpt-4o", max_tokens=None)
        )
    unscoped = await world.container.create_gateway_token.execute(user_id, "open")
    assert await world.container.admit_gateway_call.execute(unscoped.token, _request("x")) is None
