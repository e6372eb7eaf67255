"""A revoke that commits while another request is between its read and its write always wins:
nothing written from a stale read brings a revoked credential or gateway token back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from adapters.persistence.memory import MemoryCredentialStore, MemoryGatewayTokenStore
from application.credentials._events import CredentialEvents
from application.llm._provider_failures import ProviderFailures
from domain.errors import (
    CredentialRejected,
    CredentialRevoked,
    DataKeyDestroyed,
    InvalidApiKey,
    InvalidGatewayToken,
)
from domain.gateway_token import GatewayToken
from domain.provider import Provider
from domain.resolution import LlmChoice, ResolutionReason
from domain.sealing import DataKey, WrappedKey
from domain.user import User
from tests.support.builders import World
from tests.support.constants import OPENAI_KEY
from tests.unit.application.interleave import interleave


async def _openai_key(world: World, user_id: UUID) -> UUID:
    credential = await world.container.add_credential.execute(
        user_id, provider="openai", api_key=OPENAI_KEY
    )
    return credential.id


def _assert_revoked(world: World, credential_id: UUID) -> None:
    stored = world.db.credentials[credential_id]
    assert not stored.is_active
    assert stored.encrypted_api_key is None
    assert stored.revoked_at is not None


async def test_a_revoke_while_a_refused_key_is_being_flagged_stays_revoked(
    world: World, user_id: UUID, monkeypatch: pytest.MonkeyPatch
) -> None:
    credential_id = await _openai_key(world, user_id)
    race = interleave(
        monkeypatch,
        MemoryCredentialStore,
        "get",
        lambda: world.container.revoke_credential.execute(user_id, credential_id),
    )
    failures = ProviderFailures(
        world.container.uow, world.clock, CredentialEvents(world.container.ids, world.clock)
    )
    choice = LlmChoice(
        Provider.OPENAI, "gpt-4o-mini", credential_id, ResolutionReason.PROVIDER_CREDENTIAL
    )

    error = await failures.translate(user_id, choice, InvalidApiKey("openai", "bad key"))

    assert isinstance(error, CredentialRejected)
    await race.outcome()
    _assert_revoked(world, credential_id)


@pytest.mark.parametrize("provider_accepts", [True, False])
async def test_a_revoke_while_a_credential_is_revalidated_stays_revoked(
    world: World, user_id: UUID, monkeypatch: pytest.MonkeyPatch, provider_accepts: bool
) -> None:
    credential_id = await _openai_key(world, user_id)
    if not provider_accepts:
        world.providers.get(Provider.OPENAI).valid_keys.clear()
    race = interleave(
        monkeypatch,
        MemoryCredentialStore,
        "get",
        lambda: world.container.revoke_credential.execute(user_id, credential_id),
        on_call=2,  # the second phase's read, after the provider answered
    )

    result = await world.container.revalidate_credential.execute(user_id, credential_id)

    assert result.valid is provider_accepts
    await race.outcome()
    _assert_revoked(world, credential_id)


async def test_a_gateway_token_revoked_while_it_authenticates_stays_revoked(
    world: World, user_id: UUID, monkeypatch: pytest.MonkeyPatch
) -> None:
    new = await world.container.create_gateway_token.execute(user_id, "bot")
    race = interleave(
        monkeypatch,
        MemoryGatewayTokenStore,
        "by_digest",
        lambda: world.container.revoke_gateway_token.execute(user_id, new.token.id),
    )

    with pytest.raises(InvalidGatewayToken):
        await world.container.authenticate_gateway_token.execute(new.secret)

    await race.outcome()
    assert world.db.gateway_tokens[new.token.id].revoked_at is not None
    with pytest.raises(InvalidGatewayToken):
        await world.container.authenticate_gateway_token.execute(new.secret)


def test_terminal_states_are_final_on_the_entities() -> None:
    now = datetime(2025, 3, 1, tzinfo=UTC)
    key = DataKey(uuid4(), uuid4(), WrappedKey("k1", b"wrapped"), now)
    assert key.destroy(now)
    assert not key.destroy(now + timedelta(1))
    assert key.destroyed_at == now
    with pytest.raises(DataKeyDestroyed):
        key.rewrap(WrappedKey("k2", b"rewrapped"))
    with pytest.raises(DataKeyDestroyed):
        key.count_seal()
    assert (key.wrapped.kek_id, key.seal_count) == ("k1", 0)

    token = GatewayToken(uuid4(), uuid4(), "bot", b"digest", "a1b2", now)
    assert token.touch(now)
    assert not token.touch(now + timedelta(seconds=30), resolution=timedelta(minutes=1))
    token.revoke(now)
    assert not token.touch(now + timedelta(hours=1))
    assert token.last_used_at == now

    user = User(uuid4(), "a@example.com", "hash", now)
    assert user.deactivate()
    assert not user.deactivate()
    assert not user.is_active


async def test_a_revoked_credential_cannot_be_flagged_or_validated(
    world: World, user_id: UUID
) -> None:
    credential_id = await _openai_key(world, user_id)
    revoked = await world.container.revoke_credential.execute(user_id, credential_id)
    with pytest.raises(CredentialRevoked):
        revoked.mark_rejected("401", world.clock.now())
    with pytest.raises(CredentialRevoked):
        revoked.mark_validated(world.clock.now())
