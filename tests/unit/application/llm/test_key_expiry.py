"""Key expiry: set on create and update (never in the past), never resolved once past, the
factory falling through to the next choice and saying why, and one ``expired`` event."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from domain.credential_event import CredentialEventKind
from domain.errors import CredentialExpired, InvalidExpiry, NoLlmConfigured
from domain.provider import Provider
from domain.resolution import ResolutionReason
from tests.support.builders import World
from tests.support.constants import ANTHROPIC_KEY, OPENAI_KEY, OPENAI_ROTATED
from tests.support.scenarios import new_user, system_default_world

HOUR = timedelta(hours=1)


async def _expired_events(world: World, user_id: UUID) -> list[UUID | None]:
    page = await world.container.list_credential_events.execute(user_id, limit=200)
    return [e.credential_id for e in page.events if e.kind is CredentialEventKind.EXPIRED]


async def test_an_expiry_in_the_past_or_without_a_zone_is_refused_before_any_provider_call(
    world: World, user_id: UUID
) -> None:
    now = world.clock.now()
    for bad in (now, now - HOUR, datetime(2999, 1, 1)):  # the last one is naive
        with pytest.raises(InvalidExpiry):
            await world.container.add_credential.execute(
                user_id, provider="openai", api_key=OPENAI_KEY, expires_at=bad
            )
    assert world.providers.calls == 0
    key = await world.container.add_credential.execute(
        user_id, provider="openai", api_key=OPENAI_KEY, expires_at=now + HOUR
    )
    with pytest.raises(InvalidExpiry):
        await world.container.update_credential.execute(user_id, key.id, expires_at=now - HOUR)
    assert world.db.credentials[key.id].expires_at == now + HOUR


async def test_an_expiry_is_set_changed_and_cleared_and_a_new_key_clears_it(
    world: World, user_id: UUID
) -> None:
    now, update = world.clock.now(), world.container.update_credential.execute
    key = await world.container.add_credential.execute(
        user_id, provider="openai", api_key=OPENAI_KEY, expires_at=now + HOUR
    )
    assert key.expires_at == now + HOUR
    assert (await update(user_id, key.id, expires_at=now + 2 * HOUR)).expires_at == now + 2 * HOUR
    assert (await update(user_id, key.id, model_name="model-b")).expires_at == now + 2 * HOUR
    assert (await update(user_id, key.id, expires_at=None)).expires_at is None
    await update(user_id, key.id, expires_at=now + HOUR)
    assert (await update(user_id, key.id, api_key=OPENAI_ROTATED)).expires_at is None
    rotated = await update(user_id, key.id, api_key=OPENAI_KEY, expires_at=now + 3 * HOUR)
    assert rotated.expires_at == now + 3 * HOUR


async def test_an_explicitly_named_expired_key_is_a_clear_error(
    world: World, user_id: UUID
) -> None:
    key = await world.container.add_credential.execute(
        user_id, provider="openai", api_key=OPENAI_KEY, expires_at=world.clock.now() + HOUR
    )
    world.clock.advance(3600)
    with pytest.raises(CredentialExpired, match="expired at"):
        await world.container.resolve_llm.execute(user_id, credential_id=key.id)
    assert await _expired_events(world, user_id) == [key.id]


async def test_an_expired_default_falls_back_to_the_system_default_and_says_why() -> None:
    world = system_default_world()
    user_id = await new_user(world)
    key = await world.container.add_credential.execute(
        user_id, provider="openai", api_key=OPENAI_KEY, expires_at=world.clock.now() + HOUR
    )
    assert (await world.container.explain_llm.execute(user_id)).expired is None
    world.clock.advance(3600)

    resolved = await world.container.resolve_llm.execute(user_id)
    explained = await world.container.explain_llm.execute(user_id)

    assert resolved.choice.reason is ResolutionReason.SYSTEM_DEFAULT
    assert resolved.choice.provider is Provider.ANTHROPIC
    assert resolved.choice.expired is not None
    assert resolved.choice.expired.credential_id == key.id
    assert explained.reason is ResolutionReason.SYSTEM_DEFAULT
    assert explained.detail is not None
    assert "OpenAI default key …wxyz expired at" in explained.detail
    assert await _expired_events(world, user_id) == [key.id], "recorded once"


async def test_without_a_fallback_the_user_is_told_the_key_expired(
    world: World, user_id: UUID
) -> None:
    key = await world.container.add_credential.execute(
        user_id, provider="openai", api_key=OPENAI_KEY, expires_at=world.clock.now() + HOUR
    )
    world.clock.advance(3601)
    with pytest.raises(NoLlmConfigured, match="OpenAI default key …wxyz expired at") as caught:
        await world.container.resolve_llm.execute(user_id)
    assert caught.value.expired is not None
    with pytest.raises(NoLlmConfigured, match="expired at"):
        await world.container.resolve_llm.execute(user_id, provider="openai")
    explained = await world.container.explain_llm.execute(user_id)
    assert explained.choice is None
    assert explained.expired is not None
    assert explained.expired.credential_id == key.id


async def test_a_providers_expired_key_gives_way_only_to_a_system_default_of_that_provider() -> (
    None
):
    world = system_default_world()
    user_id = await new_user(world)
    await world.container.add_credential.execute(
        user_id, provider="anthropic", api_key=ANTHROPIC_KEY, expires_at=world.clock.now() + HOUR
    )
    await world.container.add_credential.execute(
        user_id, provider="openai", api_key=OPENAI_KEY, expires_at=world.clock.now() + HOUR
    )
    world.clock.advance(3600)

    claude = await world.container.resolve_llm.execute(user_id, provider="anthropic")
    assert claude.choice.reason is ResolutionReason.SYSTEM_DEFAULT
    assert claude.choice.expired is not None
    with pytest.raises(NoLlmConfigured, match="OpenAI key …wxyz expired"):
        await world.container.resolve_llm.execute(user_id, provider="openai")


async def test_concurrent_requests_record_the_expiry_once_and_a_new_expiry_re_arms_it(
    world: World, user_id: UUID
) -> None:
    key = await world.container.add_credential.execute(
        user_id, provider="openai", api_key=OPENAI_KEY, expires_at=world.clock.now() + HOUR
    )
    world.clock.advance(3600)
    await asyncio.gather(
        *(world.container.explain_llm.execute(user_id) for _ in range(10)),
        return_exceptions=True,
    )
    assert await _expired_events(world, user_id) == [key.id]

    later = world.clock.now() + HOUR
    await world.container.update_credential.execute(user_id, key.id, expires_at=later)
    assert (await world.container.resolve_llm.execute(user_id)).choice.credential_id == key.id
    world.clock.advance(3600)
    await world.container.explain_llm.execute(user_id)
    assert await _expired_events(world, user_id) == [key.id, key.id]


async def test_nothing_is_written_while_nothing_expired(world: World, user_id: UUID) -> None:
    await world.container.add_credential.execute(
        user_id,
        provider="openai",
        api_key=OPENAI_KEY,
        expires_at=datetime.now(UTC) + timedelta(days=30),
    )
    commits = world.db.commits
    for _ in range(5):
        await world.container.resolve_llm.execute(user_id)
    assert world.db.commits == commits
