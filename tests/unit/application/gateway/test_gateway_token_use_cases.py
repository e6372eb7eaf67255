"""Gateway tokens: secrets, digests, authentication, revocation, ownership."""

from __future__ import annotations

import hashlib
from uuid import UUID, uuid4

import pytest

from application.gateway import _token_secret
from domain.errors import GatewayTokenNotFound, InvalidGatewayToken, InvalidMessage
from tests.support.builders import World
from tests.support.scenarios import new_user


def test_secrets_are_prefixed_256_bit_and_never_repeat() -> None:
    secrets = {_token_secret.new_secret() for _ in range(200)}
    assert len(secrets) == 200
    for secret in secrets:
        assert secret.startswith("byom_")
        assert len(secret) == 5 + 43  # 32 bytes in unpadded base64url
    one = next(iter(secrets))
    assert _token_secret.digest(one) == hashlib.sha256(one.encode()).digest()


async def test_a_created_token_authenticates_its_owner(world: World, user_id: UUID) -> None:
    new = await world.container.create_gateway_token.execute(user_id, "bot")

    assert (await world.container.authenticate_gateway_token.execute(new.secret)).user_id == user_id
    stored = world.db.gateway_tokens[new.token.id]
    assert stored.digest == hashlib.sha256(new.secret.encode()).digest()
    assert stored.hint == new.secret[-4:]
    assert stored.last_used_at == world.clock.now()


async def test_last_used_moves_at_most_once_a_minute(world: World, user_id: UUID) -> None:
    new = await world.container.create_gateway_token.execute(user_id, "bot")
    authenticate = world.container.authenticate_gateway_token.execute
    await authenticate(new.secret)
    first = world.db.gateway_tokens[new.token.id].last_used_at
    commits = world.db.commits

    world.clock.advance(30)
    await authenticate(new.secret)
    assert world.db.gateway_tokens[new.token.id].last_used_at == first
    assert world.db.commits == commits, "no write for a use within the minute"

    world.clock.advance(31)
    await authenticate(new.secret)
    assert world.db.gateway_tokens[new.token.id].last_used_at == world.clock.now()


@pytest.mark.parametrize(
    "raw", ["", "byom_", "byom_unknown-token", "sk-proj-abc", "byom_" + "é" * 10]
)
async def test_unknown_and_malformed_tokens_are_refused(world: World, raw: str) -> None:
    with pytest.raises(InvalidGatewayToken):
        await world.container.authenticate_gateway_token.execute(raw)


async def test_revoked_tokens_and_deactivated_accounts_are_refused(
    world: World, user_id: UUID
) -> None:
    revoked = await world.container.create_gateway_token.execute(user_id, "old")
    kept = await world.container.create_gateway_token.execute(user_id, "kept")
    await world.container.revoke_gateway_token.execute(user_id, revoked.token.id)

    with pytest.raises(InvalidGatewayToken):
        await world.container.authenticate_gateway_token.execute(revoked.secret)
    assert (
        await world.container.authenticate_gateway_token.execute(kept.secret)
    ).user_id == user_id

    await world.container.delete_account.execute(user_id)  # the account deactivated
    with pytest.raises(InvalidGatewayToken):
        await world.container.authenticate_gateway_token.execute(kept.secret)


async def test_revoking_is_idempotent_and_scoped_to_the_owner(world: World, user_id: UUID) -> None:
    new = await world.container.create_gateway_token.execute(user_id, "bot")
    stranger = await new_user(world, "stranger@example.com")
    revoke = world.container.revoke_gateway_token.execute

    with pytest.raises(GatewayTokenNotFound):
        await revoke(stranger, new.token.id)
    with pytest.raises(GatewayTokenNotFound):
        await revoke(user_id, uuid4())
    assert world.db.gateway_tokens[new.token.id].is_active

    first = await revoke(user_id, new.token.id)
    world.clock.advance(60)
    again = await revoke(user_id, new.token.id)
    assert first.revoked_at == again.revoked_at


@pytest.mark.parametrize("name", ["", "   ", "x" * 101, "tab\there"])
async def test_token_names_are_short_printable_labels(
    world: World, user_id: UUID, name: str
) -> None:
    with pytest.raises(InvalidMessage):
        await world.container.create_gateway_token.execute(user_id, name)
    assert world.db.gateway_tokens == {}
