"""CredentialEventLog contract: paged newest first by (time, id), scoped to the owner, written
with the transaction, gone with the account; and the credential store's one-time expiry mark."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from uuid import uuid4

import pytest

from adapters.persistence.errors import ConstraintViolation
from domain.credential_event import CredentialEventKind, EventCursor
from domain.ports import UnitOfWorkFactory
from tests.support.entities import at, committed_user, credential, credential_event


async def test_events_read_back_with_every_field_newest_first(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    stranger = await committed_user(uow_factory)
    first = credential_event(owner.id, credential_id=uuid4(), at_=at(1))
    second = credential_event(
        owner.id, CredentialEventKind.VALIDATION_FAILED, at_=at(2), request_id=None
    )
    async with uow_factory() as uow:
        await uow.credential_events.add(first)
        await uow.credential_events.add(second)
        await uow.credential_events.add(credential_event(stranger.id, at_=at(3)))
        await uow.commit()

    async with uow_factory() as uow:
        page = await uow.credential_events.page(owner.id, limit=10)
    assert page == [second, first]
    assert page[0].at.utcoffset() == timedelta(0)
    assert page[0].credential_id is None


async def test_pages_follow_the_cursor_ties_broken_by_id(uow_factory: UnitOfWorkFactory) -> None:
    owner = await committed_user(uow_factory)
    events = [credential_event(owner.id, at_=at(i // 2)) for i in range(7)]
    async with uow_factory() as uow:
        for event in events:
            await uow.credential_events.add(event)
        await uow.commit()
    expected = sorted(events, key=lambda e: (e.at, e.id), reverse=True)

    seen = []
    cursor = None
    async with uow_factory() as uow:
        while True:
            page = await uow.credential_events.page(owner.id, limit=3, before=cursor)
            seen += page
            if len(page) < 3:
                break
            cursor = EventCursor.decode(EventCursor.before(page[-1]).encode())
    assert seen == expected


async def test_an_event_is_stored_only_with_its_transaction(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    async with uow_factory() as uow:
        await uow.credential_events.add(credential_event(owner.id))
        # left without commit: rolled back

    async with uow_factory() as uow:
        assert await uow.credential_events.page(owner.id, limit=10) == []


async def test_an_event_needs_an_existing_user(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        with pytest.raises(ConstraintViolation):
            await uow.credential_events.add(credential_event(uuid4()))


async def test_events_outlive_the_credential_and_go_with_the_account(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    other = await committed_user(uow_factory)
    key = credential(owner.id)
    async with uow_factory() as uow:
        await uow.credentials.add(key)
        await uow.credential_events.add(credential_event(owner.id, credential_id=key.id))
        await uow.credential_events.add(credential_event(other.id))
        key.revoke(at(1))
        await uow.credentials.save(key)
        await uow.commit()
    async with uow_factory() as uow:
        assert len(await uow.credential_events.page(owner.id, limit=10)) == 1

    async with uow_factory() as uow:
        assert await uow.credential_events.erase_for_user(owner.id) == 1
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.credential_events.page(owner.id, limit=10) == []
        assert len(await uow.credential_events.page(other.id, limit=10)) == 1


async def test_an_expiry_is_recorded_once_and_a_new_expiry_re_arms_it(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    stranger = await committed_user(uow_factory)
    key = credential(owner.id)
    key.expires_at = at(5)
    async with uow_factory() as uow:
        await uow.credentials.add(key)
        await uow.commit()

    async with uow_factory() as uow:
        stale = await uow.credentials.get(owner.id, key.id)
        assert not await uow.credentials.record_expiry(stranger.id, key.id, at(5), at(6))
        assert not await uow.credentials.record_expiry(owner.id, key.id, at(4), at(6))
        assert await uow.credentials.record_expiry(owner.id, key.id, at(5), at(6))
        assert not await uow.credentials.record_expiry(owner.id, key.id, at(5), at(7))
        await uow.commit()
    assert stale is not None

    async with uow_factory() as uow:
        # A copy read before the mark, saved after it, does not clear it.
        stale.mark_validated(at(8))
        await uow.credentials.save(stale)
        await uow.commit()
    async with uow_factory() as uow:
        found = await uow.credentials.get(owner.id, key.id)
        assert found is not None
        assert found.expiry_recorded_at == at(6)
        assert not await uow.credentials.record_expiry(owner.id, key.id, at(5), at(9))

    async with uow_factory() as uow:
        found.set_expiry(at(20), at(10))
        await uow.credentials.save(found)
        await uow.commit()
    async with uow_factory() as uow:
        again = await uow.credentials.get(owner.id, key.id)
        assert again is not None
        assert (again.expires_at, again.expiry_recorded_at) == (at(20), None)
        assert await uow.credentials.record_expiry(owner.id, key.id, at(20), at(21))
        await uow.commit()


async def test_a_revoked_credential_has_no_expiry_to_record(uow_factory: UnitOfWorkFactory) -> None:
    owner = await committed_user(uow_factory)
    key = credential(owner.id)
    key.expires_at = at(1)
    async with uow_factory() as uow:
        await uow.credentials.add(key)
        key.revoke(at(2))
        await uow.credentials.save(key)
        await uow.commit()
    async with uow_factory() as uow:
        assert not await uow.credentials.record_expiry(owner.id, key.id, at(1), at(3))


async def test_of_concurrent_callers_one_records_the_expiry(uow_factory: UnitOfWorkFactory) -> None:
    owner = await committed_user(uow_factory)
    key = credential(owner.id)
    key.expires_at = at(5)
    async with uow_factory() as uow:
        await uow.credentials.add(key)
        await uow.commit()

    async def record(minute: int) -> bool:
        async with uow_factory() as uow:
            recorded = await uow.credentials.record_expiry(owner.id, key.id, at(5), at(minute))
            await uow.commit()
        return recorded

    results = await asyncio.gather(*(record(10 + i) for i in range(8)))
    assert results.count(True) == 1
