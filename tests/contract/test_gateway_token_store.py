"""GatewayTokenStore contract: digests are unique, reads are scoped, revoked tokens are listed."""

from __future__ import annotations

from uuid import uuid4

import pytest

from adapters.persistence.errors import ConstraintViolation
from domain.ports import UnitOfWorkFactory
from tests.contract.builders import at, committed_user, gateway_token


async def test_an_added_token_reads_back_by_id_and_by_digest(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    stranger = await committed_user(uow_factory)
    token = gateway_token(owner.id)
    async with uow_factory() as uow:
        await uow.gateway_tokens.add(token)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.gateway_tokens.get(owner.id, token.id) == token
        assert await uow.gateway_tokens.get(stranger.id, token.id) is None
        assert await uow.gateway_tokens.by_digest(token.digest) == token
        assert await uow.gateway_tokens.by_digest(b"\x00" * 32) is None


async def test_tokens_are_listed_newest_first_revoked_ones_included(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    stranger = await committed_user(uow_factory)
    old = gateway_token(owner.id, created_at=at(1))
    new = gateway_token(owner.id, created_at=at(2))
    async with uow_factory() as uow:
        await uow.gateway_tokens.add(old)
        await uow.gateway_tokens.add(new)
        await uow.gateway_tokens.add(gateway_token(stranger.id, created_at=at(3)))
        old.revoke(at(3))
        await uow.gateway_tokens.save(old)
        await uow.commit()

    async with uow_factory() as uow:
        listed = await uow.gateway_tokens.list_for_user(owner.id)
    assert listed == [new, old]
    assert not listed[1].is_active


async def test_saving_records_use_and_revocation(uow_factory: UnitOfWorkFactory) -> None:
    owner = await committed_user(uow_factory)
    token = gateway_token(owner.id)
    async with uow_factory() as uow:
        await uow.gateway_tokens.add(token)
        await uow.commit()

    async with uow_factory() as uow:
        token.last_used_at = at(5)
        token.revoke(at(6))
        await uow.gateway_tokens.save(token)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.gateway_tokens.by_digest(token.digest) == token


async def test_a_digest_is_unique_across_users(uow_factory: UnitOfWorkFactory) -> None:
    alice = await committed_user(uow_factory)
    bob = await committed_user(uow_factory)
    token = gateway_token(alice.id)
    async with uow_factory() as uow:
        await uow.gateway_tokens.add(token)
        await uow.commit()

    clash = gateway_token(bob.id)
    clash.digest = token.digest
    async with uow_factory() as uow:
        with pytest.raises(ConstraintViolation):
            await uow.gateway_tokens.add(clash)


async def test_a_token_needs_an_existing_user(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        with pytest.raises(ConstraintViolation):
            await uow.gateway_tokens.add(gateway_token(uuid4()))
