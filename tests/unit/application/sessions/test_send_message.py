"""Sending a message: the conversation that reaches the provider, what is stored, failures."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from domain.errors import (
    CredentialRejected,
    CredentialRevoked,
    InvalidApiKey,
    InvalidMessage,
    ModelNotFound,
    ProviderCallFailed,
    ProviderRateLimited,
    ProviderTimeout,
    ProviderUnavailable,
    SessionCredentialRevoked,
    SessionNotFound,
)
from domain.llm import ChatMessage, Role, Usage
from domain.provider import Provider
from domain.usage import UsageSource
from tests.support.builders import World
from tests.support.constants import SYSTEM_KEY
from tests.support.scenarios import add_key, new_user, system_default_world


async def _session(world: World, user_id: UUID, **choice: object) -> UUID:
    session = await world.container.start_agent_session.execute(user_id, **choice)  # type: ignore[arg-type]
    return session.id


async def test_the_reply_is_stored_with_usage_and_catalog_cost(world: World, user_id: UUID) -> None:
    credential = await add_key(world, user_id, "openai")
    session_id = await _session(world, user_id)
    world.providers.get(Provider.OPENAI).usage = Usage(1200, 300)

    reply = await world.container.send_message.execute(user_id, session_id, "Hedge my EUR exposure")

    # 1200 x 2.50 + 300 x 10.00 per million tokens
    assert reply.message.cost_usd == Decimal("0.006")
    assert reply.message.usage == Usage(1200, 300)
    assert reply.message.content == "Hello from the fake model."
    assert (reply.provider, reply.model, reply.credential_id) == (
        Provider.OPENAI,
        "model-a",
        credential,
    )
    stored = sorted(world.db.messages.values(), key=lambda m: m.id)
    assert [(m.role, m.content, m.incomplete) for m in stored] == [
        (Role.USER, "Hedge my EUR exposure", False),
        (Role.ASSISTANT, "Hello from the fake model.", False),
    ]
    assert stored[1].cost_usd == Decimal("0.006")
    [record] = world.db.usage.values()
    assert (record.source, record.session_id, record.credential_id) == (
        UsageSource.SESSION,
        session_id,
        credential,
    )
    assert (record.provider, record.model, record.input_tokens, record.output_tokens) == (
        "openai",
        "model-a",
        1200,
        300,
    )
    assert record.cost_usd == Decimal("0.006")


async def test_the_whole_conversation_and_the_system_prompt_reach_the_provider(
    world: World, user_id: UUID
) -> None:
    await add_key(world, user_id, "anthropic")
    session_id = await _session(world, user_id, system_prompt="You are a risk analyst.")
    send = world.container.send_message.execute

    await send(user_id, session_id, "What is VaR?")
    await send(user_id, session_id, "And CVaR?", max_tokens=256, temperature=0.2)

    fake = world.providers.get(Provider.ANTHROPIC)
    first, second = fake.requests
    assert first.system == "You are a risk analyst."
    assert first.messages == (ChatMessage(Role.USER, "What is VaR?"),)
    assert first.max_tokens == 4096, "the catalog's max output for the model is the default"
    assert second.messages == (
        ChatMessage(Role.USER, "What is VaR?"),
        ChatMessage(Role.ASSISTANT, "Hello from the fake model."),
        ChatMessage(Role.USER, "And CVaR?"),
    )
    assert (second.max_tokens, second.temperature) == (256, 0.2)
    assert all(m.role is not Role.SYSTEM for m in second.messages)


async def test_a_model_the_catalog_does_not_price_records_tokens_and_a_null_cost(
    world: World, user_id: UUID
) -> None:
    await add_key(world, user_id, "google", model_name="model-b")
    session_id = await _session(world, user_id)

    reply = await world.container.send_message.execute(user_id, session_id, "hi")

    assert reply.message.cost_usd is None
    [record] = world.db.usage.values()
    assert (record.model, record.input_tokens, record.output_tokens, record.cost_usd) == (
        "model-b",
        12,
        5,
        None,
    )
    fake = world.providers.get(Provider.GOOGLE)
    assert fake.requests[0].max_tokens is None, "no catalog maximum: the adapter decides"


async def test_a_key_refused_during_chat_flags_the_credential_and_asks_for_a_new_key(
    world: World, user_id: UUID
) -> None:
    credential = await add_key(world, user_id, "openai")
    session_id = await _session(world, user_id)
    world.providers.get(Provider.OPENAI).fail_with = InvalidApiKey(
        "openai", "Incorrect API key provided: sk-…wxyz"
    )

    with pytest.raises(CredentialRejected, match="update the key"):
        await world.container.send_message.execute(user_id, session_id, "hi")

    flagged = world.db.credentials[credential]
    assert flagged.last_validated_at is None
    assert flagged.last_error == "Incorrect API key provided: sk-…wxyz"
    assert flagged.is_active, "flagged, not revoked: the user updates the key"
    assert world.db.messages == {}, "nothing arrived, nothing stored: the user can send again"
    assert world.db.usage == {}


async def test_rate_limits_pass_through_with_their_delay(world: World, user_id: UUID) -> None:
    await add_key(world, user_id, "openai")
    session_id = await _session(world, user_id)
    world.providers.get(Provider.OPENAI).fail_with = ProviderRateLimited(
        "openai", "slow down", retry_after=7.0
    )
    with pytest.raises(ProviderRateLimited) as caught:
        await world.container.send_message.execute(user_id, session_id, "hi")
    assert caught.value.retry_after == 7.0
    assert world.db.credentials[next(iter(world.db.credentials))].last_error is None


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        (ProviderTimeout("openai", "no answer in 60 s"), ProviderTimeout),
        (ProviderUnavailable("openai", "503 from upstream"), ProviderCallFailed),
        (ModelNotFound("openai", "no such model"), ModelNotFound),
    ],
)
async def test_other_provider_failures_are_translated_for_a_chat(
    world: World, user_id: UUID, failure: Exception, expected: type[Exception]
) -> None:
    await add_key(world, user_id, "openai")
    session_id = await _session(world, user_id)
    world.providers.get(Provider.OPENAI).fail_with = failure  # type: ignore[assignment]
    with pytest.raises(expected):
        await world.container.send_message.execute(user_id, session_id, "hi")
    assert world.db.messages == {}


async def test_a_session_whose_credential_was_deleted_never_uses_it_again(
    world: World, user_id: UUID
) -> None:
    openai = await add_key(world, user_id, "openai")
    await add_key(world, user_id, "anthropic")
    session_id = await _session(world, user_id, credential_id=openai)
    await world.container.revoke_credential.execute(user_id, openai)

    with pytest.raises(SessionCredentialRevoked, match="pick another model or credential"):
        await world.container.send_message.execute(user_id, session_id, "hi")

    assert issubclass(SessionCredentialRevoked, CredentialRevoked)
    assert world.providers.calls == 2, "only the two key validations ever reached a provider"
    assert world.db.messages == {}


async def test_a_system_default_session_chats_on_the_platform_key() -> None:
    world = system_default_world(model="model-a")
    user_id = await new_user(world)
    session_id = await _session(world, user_id)

    reply = await world.container.send_message.execute(user_id, session_id, "hi")

    assert (reply.provider, reply.model, reply.credential_id) == (
        Provider.ANTHROPIC,
        "model-a",
        None,
    )
    assert reply.message.cost_usd == Decimal("0.000111")  # 12 x 3.00 + 5 x 15.00 per million
    [record] = world.db.usage.values()
    assert record.credential_id is None


async def test_a_refused_system_key_is_a_provider_error_not_the_users_fault() -> None:
    world = system_default_world(model="model-a")
    user_id = await new_user(world)
    session_id = await _session(world, user_id)
    world.providers.get(Provider.ANTHROPIC).valid_keys.discard(SYSTEM_KEY)

    with pytest.raises(ProviderCallFailed, match="system default"):
        await world.container.send_message.execute(user_id, session_id, "hi")


async def test_another_users_session_is_not_found_like_a_missing_one(
    world: World, user_id: UUID
) -> None:
    await add_key(world, user_id, "openai")
    session_id = await _session(world, user_id)
    intruder = await new_user(world, "intruder@example.com")
    await add_key(world, intruder, "openai")

    for who, which in ((intruder, session_id), (user_id, uuid4())):
        with pytest.raises(SessionNotFound):
            await world.container.send_message.execute(who, which, "hi")
        with pytest.raises(SessionNotFound):
            await world.container.send_message.stream(who, which, "hi").start()
    assert world.db.messages == {}
    assert world.providers.get(Provider.OPENAI).requests == []


@pytest.mark.parametrize(
    ("content", "options"),
    [("   ", {}), ("x" * 100_001, {}), ("hi", {"max_tokens": 0}), ("hi", {"temperature": 2.5})],
)
async def test_input_no_provider_would_accept_is_refused_before_any_call(
    world: World, user_id: UUID, content: str, options: dict[str, float]
) -> None:
    await add_key(world, user_id, "openai")
    session_id = await _session(world, user_id)
    with pytest.raises(InvalidMessage):
        await world.container.send_message.execute(user_id, session_id, content, **options)  # type: ignore[arg-type]
    assert world.providers.get(Provider.OPENAI).requests == []
