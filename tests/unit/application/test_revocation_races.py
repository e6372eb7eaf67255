"""A revoke that commits while another request is between its read and its write always wins:
nothing written from a stale read brings a revoked credential or gateway token back."""

from __future__ import annotations

from uuid import UUID

import pytest

from adapters.persistence.memory import MemoryCredentialStore, MemoryGatewayTokenStore
from application.provider_failures import ProviderFailures
from domain.errors import CredentialRejected, InvalidApiKey, InvalidGatewayToken
from domain.provider import Provider
from domain.resolution import LlmChoice, ResolutionReason
from tests.builders import World
from tests.unit.application.conftest import OPENAI_KEY
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
    failures = ProviderFailures(world.container.uow, world.clock)
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
