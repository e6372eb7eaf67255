"""GatewayTokenStore contract: digests are unique, reads are scoped, revoked tokens are listed."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from adapters.persistence.errors import ConstraintViolation
from domain.errors import GatewayTokenNotFound
from domain.ports import UnitOfWorkFactory
from tests.support.entities import at, committed_user, gateway_token


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


async def test_a_stale_save_never_resurrects_a_revoked_token(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    token = gateway_token(owner.id)
    async with uow_factory() as uow:
        await uow.gateway_tokens.add(token)
        await uow.commit()
    async with uow_factory() as uow:
        stale = await uow.gateway_tokens.get(owner.id, token.id)
    assert stale is not None
    async with uow_factory() as uow:
        token.revoke(at(1))
        await uow.gateway_tokens.save(token)
        await uow.commit()

    stale.last_used_at = at(2)
    async with uow_factory() as uow:
        with pytest.raises(GatewayTokenNotFound):
            await uow.gateway_tokens.save(stale)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.gateway_tokens.by_digest(token.digest) == token


async def test_touch_records_a_use_of_a_live_token_and_never_of_a_revoked_one(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    stranger = await committed_user(uow_factory)
    live, revoked = gateway_token(owner.id), gateway_token(owner.id)
    revoked.revoke(at(1))
    async with uow_factory() as uow:
        await uow.gateway_tokens.add(live)
        await uow.gateway_tokens.add(revoked)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.gateway_tokens.touch(owner.id, live.id, at(5))
        assert not await uow.gateway_tokens.touch(owner.id, revoked.id, at(5))
        assert not await uow.gateway_tokens.touch(stranger.id, live.id, at(6))
        assert not await uow.gateway_tokens.touch(owner.id, uuid4(), at(6))
        assert await uow.gateway_tokens.touch(owner.id, live.id, at(4))
        await uow.commit()

    async with uow_factory() as uow:
        touched = await uow.gateway_tokens.get(owner.id, live.id)
        untouched = await uow.gateway_tokens.get(owner.id, revoked.id)
    assert touched is not None
    assert touched.last_used_at == at(5), "a use recorded late never moves it back"
    assert untouched == revoked


async def test_a_tokens_scopes_read_back_and_change(uow_factory: UnitOfWorkFactory) -> None:
    owner = await committed_user(uow_factory)
    token = gateway_token(owner.id)
    token.expires_at = at(30)
    token.allowed_models = ("gpt-4o-mini", "anthropic/claude-3-5-haiku-latest")
    token.rpm, token.tpm, token.monthly_usd = 60, 40_000, Decimal("12.50")
    bare = gateway_token(owner.id)
    async with uow_factory() as uow:
        await uow.gateway_tokens.add(token)
        await uow.gateway_tokens.add(bare)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.gateway_tokens.get(owner.id, token.id) == token
        found_bare = await uow.gateway_tokens.get(owner.id, bare.id)
        assert found_bare is not None
        assert (found_bare.expires_at, found_bare.allowed_models, found_bare.monthly_usd) == (
            None,
            None,
            None,
        )
        token.allowed_models = ()
        token.rpm = token.tpm = token.monthly_usd = token.expires_at = None
        await uow.gateway_tokens.save(token)
        await uow.commit()

    async with uow_factory() as uow:
        changed = await uow.gateway_tokens.get(owner.id, token.id)
    assert changed == token
    assert changed is not None
    assert changed.allowed_models == (), "an empty allow-list is not the same as none"


async def test_a_use_within_not_within_of_the_recorded_one_writes_nothing(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """Every worker of every instance remembers the token it serves: the store is what keeps
    ``last_used_at`` to one write a minute per token, whichever worker asks."""
    owner = await committed_user(uow_factory)
    token, revoked = gateway_token(owner.id), gateway_token(owner.id)
    revoked.revoke(at(1))
    async with uow_factory() as uow:
        await uow.gateway_tokens.add(token)
        await uow.gateway_tokens.add(revoked)
        await uow.commit()
    minute = timedelta(minutes=1)

    async def touch(token_id: UUID, minutes: float) -> bool:
        async with uow_factory() as uow:
            touched = await uow.gateway_tokens.touch(
                owner.id, token_id, at(minutes), not_within=minute
            )
            await uow.commit()
            return touched

    async def last_used() -> datetime | None:
        async with uow_factory() as uow:
            found = await uow.gateway_tokens.get(owner.id, token.id)
        assert found is not None
        return found.last_used_at

    assert await touch(token.id, 5)
    assert await last_used() == at(5)
    assert await touch(token.id, 5.5), "a live token, used again within the minute"
    assert await last_used() == at(5), "nothing written within the minute"
    assert await touch(token.id, 6)
    assert await last_used() == at(6)
    assert not await touch(revoked.id, 10), "revoked: refused, whatever the minute"
    assert not await touch(uuid4(), 10)
