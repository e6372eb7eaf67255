"""CredentialStore contract, including the invariants the database itself enforces."""

from __future__ import annotations

import asyncio
from datetime import UTC, timedelta
from uuid import uuid4

import pytest

from adapters.persistence.errors import ConstraintViolation, MissingRow, StoreUnavailable
from domain.credential import LlmCredential
from domain.errors import (
    CredentialRevoked,
    DuplicateActiveCredential,
    DuplicateDefaultCredential,
)
from domain.ports import UnitOfWorkFactory
from domain.provider import Provider
from tests.support.entities import at, committed_user, credential


async def test_an_added_credential_reads_back_with_every_field(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    new = credential(owner.id, Provider.OPENAI_COMPATIBLE, base_url="https://llm.example.com/v1")
    new.last_validated_at = at(1)
    new.last_error = "quota exceeded"
    async with uow_factory() as uow:
        await uow.credentials.add(new)
        await uow.commit()

    async with uow_factory() as uow:
        loaded = await uow.credentials.get(owner.id, new.id)
    assert loaded == new
    assert loaded.created_at.utcoffset() == timedelta(0)


async def test_reads_are_scoped_to_the_owner(uow_factory: UnitOfWorkFactory) -> None:
    owner = await committed_user(uow_factory)
    stranger = await committed_user(uow_factory)
    mine = credential(owner.id, is_default=True)
    async with uow_factory() as uow:
        await uow.credentials.add(mine)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.credentials.get(stranger.id, mine.id) is None
        assert await uow.credentials.get(owner.id, uuid4()) is None
        assert await uow.credentials.list_for_user(stranger.id) == []
        assert await uow.credentials.active_for_provider(stranger.id, Provider.OPENAI) is None
        assert await uow.credentials.default_for_user(stranger.id) is None


async def test_listing_puts_the_default_first_then_newest_first(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    oldest = credential(owner.id, Provider.OPENAI, created_at=at(1))
    default = credential(owner.id, Provider.ANTHROPIC, is_default=True, created_at=at(2))
    newest = credential(owner.id, Provider.GOOGLE, created_at=at(3))
    revoked = credential(owner.id, Provider.OPENAI_COMPATIBLE, created_at=at(4))
    async with uow_factory() as uow:
        for item in (oldest, default, newest, revoked):
            await uow.credentials.add(item)
        revoked.revoke(at(5))
        await uow.credentials.save(revoked)
        await uow.commit()

    async with uow_factory() as uow:
        active = await uow.credentials.list_for_user(owner.id)
        everything = await uow.credentials.list_for_user(owner.id, include_inactive=True)
    assert [c.id for c in active] == [default.id, newest.id, oldest.id]
    assert [c.id for c in everything] == [default.id, revoked.id, newest.id, oldest.id]


async def test_active_for_provider_and_default_for_user_skip_revoked_credentials(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    openai = credential(owner.id, Provider.OPENAI, is_default=True)
    async with uow_factory() as uow:
        await uow.credentials.add(openai)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.credentials.active_for_provider(owner.id, Provider.OPENAI) == openai
        assert await uow.credentials.active_for_provider(owner.id, Provider.GOOGLE) is None
        assert await uow.credentials.default_for_user(owner.id) == openai
        openai.revoke(at(1))
        await uow.credentials.save(openai)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.credentials.active_for_provider(owner.id, Provider.OPENAI) is None
        assert await uow.credentials.default_for_user(owner.id) is None
        revoked = await uow.credentials.get(owner.id, openai.id)
    assert revoked is not None
    assert revoked.encrypted_api_key is None
    assert revoked.revoked_at == at(1)
    assert not revoked.is_active
    assert not revoked.is_default


async def test_a_second_active_credential_for_a_provider_is_refused_with_the_existing_id(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    first = credential(owner.id, Provider.ANTHROPIC)
    async with uow_factory() as uow:
        await uow.credentials.add(first)
        await uow.commit()

    async with uow_factory() as uow:
        with pytest.raises(DuplicateActiveCredential) as raised:
            await uow.credentials.add(credential(owner.id, Provider.ANTHROPIC))
    assert raised.value.existing_id == first.id
    assert raised.value.provider == "anthropic"


async def test_the_duplicate_provider_is_reported_even_when_both_are_defaults(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    first = credential(owner.id, Provider.OPENAI, is_default=True)
    async with uow_factory() as uow:
        await uow.credentials.add(first)
        await uow.commit()

    async with uow_factory() as uow:
        with pytest.raises(DuplicateActiveCredential) as raised:
            await uow.credentials.add(credential(owner.id, Provider.OPENAI, is_default=True))
    assert raised.value.existing_id == first.id


async def test_a_second_default_is_refused(uow_factory: UnitOfWorkFactory) -> None:
    owner = await committed_user(uow_factory)
    async with uow_factory() as uow:
        await uow.credentials.add(credential(owner.id, Provider.OPENAI, is_default=True))
        await uow.commit()

    async with uow_factory() as uow:
        with pytest.raises(DuplicateDefaultCredential):
            await uow.credentials.add(credential(owner.id, Provider.GOOGLE, is_default=True))


async def test_saving_a_second_default_is_refused_and_the_unit_of_work_stays_usable(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    old = credential(owner.id, Provider.OPENAI, is_default=True)
    new = credential(owner.id, Provider.GOOGLE)
    async with uow_factory() as uow:
        await uow.credentials.add(old)
        await uow.credentials.add(new)
        await uow.commit()

    async with uow_factory() as uow:
        new.make_default(at(1))
        with pytest.raises(DuplicateDefaultCredential):
            await uow.credentials.save(new)
        old.unset_default(at(1))
        await uow.credentials.save(old)
        await uow.credentials.save(new)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.credentials.default_for_user(owner.id) == new
        reloaded_old = await uow.credentials.get(owner.id, old.id)
    assert reloaded_old is not None
    assert not reloaded_old.is_default


async def test_revoked_credentials_do_not_count_against_either_invariant(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    old = credential(owner.id, Provider.OPENAI, is_default=True)
    async with uow_factory() as uow:
        await uow.credentials.add(old)
        old.revoke(at(1))
        await uow.credentials.save(old)
        await uow.commit()

    replacement = credential(owner.id, Provider.OPENAI, is_default=True, created_at=at(2))
    async with uow_factory() as uow:
        await uow.credentials.add(replacement)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.credentials.active_for_provider(owner.id, Provider.OPENAI) == replacement
        assert await uow.credentials.default_for_user(owner.id) == replacement


async def test_the_invariants_are_per_user(uow_factory: UnitOfWorkFactory) -> None:
    alice = await committed_user(uow_factory)
    bob = await committed_user(uow_factory)
    async with uow_factory() as uow:
        await uow.credentials.add(credential(alice.id, Provider.OPENAI, is_default=True))
        await uow.credentials.add(credential(bob.id, Provider.OPENAI, is_default=True))
        await uow.commit()

    async with uow_factory() as uow:
        assert len(await uow.credentials.list_for_user(alice.id)) == 1
        assert len(await uow.credentials.list_for_user(bob.id)) == 1


async def test_saved_changes_persist(uow_factory: UnitOfWorkFactory) -> None:
    owner = await committed_user(uow_factory)
    item = credential(owner.id)
    async with uow_factory() as uow:
        await uow.credentials.add(item)
        await uow.commit()

    async with uow_factory() as uow:
        item.rotate_key(b"\x01new-sealed-bytes", "data-key-2", "9876", at(3))
        item.change_model("gpt-4.1", at(3))
        item.mark_rejected("401 from provider", at(4))
        await uow.credentials.save(item)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.credentials.get(owner.id, item.id) == item


async def test_the_store_keeps_copies_not_the_callers_objects(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    item = credential(owner.id)
    async with uow_factory() as uow:
        await uow.credentials.add(item)
        item.model_name = "changed after add"
        loaded = await uow.credentials.get(owner.id, item.id)
        assert loaded is not None
        assert loaded.model_name == "gpt-4o-mini"
        loaded.key_hint = "zzzz"
        listed = await uow.credentials.list_for_user(owner.id)
        assert listed[0].key_hint == "wxyz"
        await uow.commit()


async def test_saving_a_credential_that_was_never_added_is_a_bug(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    async with uow_factory() as uow:
        with pytest.raises(MissingRow):
            await uow.credentials.save(credential(owner.id))


async def test_a_credential_needs_an_existing_user(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        with pytest.raises(ConstraintViolation):
            await uow.credentials.add(credential(uuid4()))


async def test_timestamps_come_back_as_the_same_instant_in_utc(
    uow_factory: UnitOfWorkFactory,
) -> None:
    from datetime import datetime, timezone

    owner = await committed_user(uow_factory)
    paris = timezone(timedelta(hours=2))
    item = credential(owner.id, created_at=datetime(2025, 6, 1, 1, 30, tzinfo=paris))
    async with uow_factory() as uow:
        await uow.credentials.add(item)
        await uow.commit()

    async with uow_factory() as uow:
        loaded = await uow.credentials.get(owner.id, item.id)
    assert loaded is not None
    assert loaded.created_at == datetime(2025, 5, 31, 23, 30, tzinfo=UTC)
    assert loaded.created_at.utcoffset() == timedelta(0)


async def test_of_two_concurrent_adds_for_one_provider_exactly_one_commits(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)

    async def attempt(candidate: LlmCredential) -> LlmCredential | DuplicateActiveCredential:
        try:
            async with uow_factory() as uow:
                await uow.credentials.add(candidate)
                await asyncio.sleep(0.1)  # both transactions are open at once
                await uow.commit()
        except DuplicateActiveCredential as error:
            return error
        return candidate

    first, second = credential(owner.id), credential(owner.id)
    results = await asyncio.wait_for(asyncio.gather(attempt(first), attempt(second)), 15)

    winners = [r for r in results if isinstance(r, LlmCredential)]
    losers = [r for r in results if isinstance(r, DuplicateActiveCredential)]
    assert len(winners) == 1
    assert len(losers) == 1
    assert losers[0].existing_id == winners[0].id
    async with uow_factory() as uow:
        assert await uow.credentials.list_for_user(owner.id) == winners


async def _revoked_behind_a_stale_copy(
    uow_factory: UnitOfWorkFactory,
) -> tuple[LlmCredential, LlmCredential]:
    """A credential read (the stale copy), then revoked and committed by another unit of work."""
    owner = await committed_user(uow_factory)
    item = credential(owner.id, is_default=True)
    async with uow_factory() as uow:
        await uow.credentials.add(item)
        await uow.commit()
    async with uow_factory() as uow:
        stale = await uow.credentials.get(owner.id, item.id)
    assert stale is not None
    async with uow_factory() as uow:
        revoked = await uow.credentials.get(owner.id, item.id)
        assert revoked is not None
        revoked.revoke(at(1))
        await uow.credentials.save(revoked)
        await uow.commit()
    return stale, revoked


async def test_a_stale_save_never_resurrects_a_revoked_credential(
    uow_factory: UnitOfWorkFactory,
) -> None:
    stale, revoked = await _revoked_behind_a_stale_copy(uow_factory)
    stale.mark_validated(at(2))
    async with uow_factory() as uow:
        with pytest.raises(CredentialRevoked):
            await uow.credentials.save(stale)
        await uow.commit()

    async with uow_factory() as uow:
        stored = await uow.credentials.get(stale.user_id, stale.id)
    assert stored is not None
    assert stored == revoked
    assert stored.encrypted_api_key is None


# SQLite transactions read one snapshot: a write from a transaction whose snapshot is older than
# another's commit fails there (StoreUnavailable) before any check of the store's.
async def test_a_revoke_committed_after_the_read_wins_over_the_save(
    uow_factory: UnitOfWorkFactory, request: pytest.FixtureRequest
) -> None:
    sqlite = request.node.callspec.params["uow_factory"] == "sqlite"
    expected: type[Exception] = StoreUnavailable if sqlite else CredentialRevoked
    owner = await committed_user(uow_factory)
    item = credential(owner.id)
    async with uow_factory() as uow:
        await uow.credentials.add(item)
        await uow.commit()

    async with uow_factory() as late:
        stale = await late.credentials.get(owner.id, item.id)
        assert stale is not None
        async with uow_factory() as other:
            item.revoke(at(1))
            await other.credentials.save(item)
            await other.commit()
        stale.rotate_key(b"\x01resealed", str(uuid4()), "9999", at(2))
        with pytest.raises(expected):
            await late.credentials.save(stale)

    async with uow_factory() as uow:
        assert await uow.credentials.get(owner.id, item.id) == item


# Memory only: on PostgreSQL the revoke would wait for the saved row's lock (it commits after),
# and on SQLite for the write lock; the memory store has neither, so it refuses at commit.
@pytest.mark.parametrize("uow_factory", ["memory"], indirect=True)
async def test_a_revoke_committed_after_the_save_wins_at_commit(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    item = credential(owner.id)
    async with uow_factory() as uow:
        await uow.credentials.add(item)
        await uow.commit()

    async with uow_factory() as late:
        stale = await late.credentials.get(owner.id, item.id)
        assert stale is not None
        stale.change_model("gpt-4.1", at(2))
        await late.credentials.save(stale)
        async with uow_factory() as other:
            item.revoke(at(1))
            await other.credentials.save(item)
            await other.commit()
        with pytest.raises(CredentialRevoked):
            await late.commit()

    async with uow_factory() as uow:
        assert await uow.credentials.get(owner.id, item.id) == item
