"""DataKeyStore contract: one live data key per user, batches for rewrapping by master key."""

from __future__ import annotations

from uuid import uuid4

import pytest

from adapters.persistence.errors import ConstraintViolation
from domain.errors import DataKeyDestroyed
from domain.ports import UnitOfWorkFactory
from domain.sealing import WrappedKey
from tests.support.entities import at, committed_user, data_key


async def test_an_added_key_reads_back_scoped_to_its_owner(uow_factory: UnitOfWorkFactory) -> None:
    owner = await committed_user(uow_factory)
    stranger = await committed_user(uow_factory)
    key = data_key(owner.id)
    key.seal_count = 3
    async with uow_factory() as uow:
        await uow.data_keys.add(key)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.data_keys.get(owner.id, key.id) == key
        assert await uow.data_keys.get(stranger.id, key.id) is None
        assert await uow.data_keys.live_for_user(owner.id) == key
        assert await uow.data_keys.live_for_user(stranger.id) is None


async def test_a_second_live_key_for_a_user_is_refused(uow_factory: UnitOfWorkFactory) -> None:
    owner = await committed_user(uow_factory)
    async with uow_factory() as uow:
        await uow.data_keys.add(data_key(owner.id))
        await uow.commit()

    async with uow_factory() as uow:
        with pytest.raises(ConstraintViolation):
            await uow.data_keys.add(data_key(owner.id))


async def test_a_destroyed_key_is_not_live_and_makes_room_for_a_new_one(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    old = data_key(owner.id)
    async with uow_factory() as uow:
        await uow.data_keys.add(old)
        await uow.commit()

    new = data_key(owner.id, created_at=at(5))
    async with uow_factory() as uow:
        assert old.destroy(at(5))
        await uow.data_keys.save(old)
        await uow.data_keys.add(new)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.data_keys.live_for_user(owner.id) == new
        assert await uow.data_keys.get(owner.id, old.id) == old


async def test_rewrap_pages_hold_live_keys_of_other_master_keys_by_id(
    uow_factory: UnitOfWorkFactory,
) -> None:
    users = [await committed_user(uow_factory) for _ in range(5)]
    old_1 = data_key(users[0].id, "k-old")
    old_2 = data_key(users[1].id, "k-older")
    old_3 = data_key(users[2].id, "k-old")
    current = data_key(users[3].id, "k-new")
    destroyed = data_key(users[4].id, "k-old")
    destroyed.destroyed_at = at(1)
    async with uow_factory() as uow:
        for key in (old_3, current, old_1, destroyed, old_2):
            await uow.data_keys.add(key)
        await uow.commit()
    first, second, third = sorted([old_1.id, old_2.id, old_3.id])

    async with uow_factory() as uow:
        page = await uow.data_keys.live_not_wrapped_by("k-new", limit=2)
        assert [k.id for k in page] == [first, second]
        next_page = await uow.data_keys.live_not_wrapped_by("k-new", 2, after=page[-1].id)
        assert [k.id for k in next_page] == [third]
        assert await uow.data_keys.live_not_wrapped_by("k-new", 2, after=third) == []
        for key in page:
            key.rewrap(WrappedKey("k-new", b"rewrapped"))
            await uow.data_keys.save(key)
        await uow.commit()

    async with uow_factory() as uow:
        assert [k.id for k in await uow.data_keys.live_not_wrapped_by("k-new", 2)] == [third]
        assert await uow.data_keys.live_not_wrapped_by("k-old", 10) != []
        rewrapped = await uow.data_keys.get(page[0].user_id, first)
    assert rewrapped is not None
    assert rewrapped.wrapped == WrappedKey("k-new", b"rewrapped")


async def test_count_by_kek_counts_live_keys_only(uow_factory: UnitOfWorkFactory) -> None:
    users = [await committed_user(uow_factory) for _ in range(4)]
    destroyed = data_key(users[3].id, "k2")
    destroyed.destroyed_at = at(1)
    async with uow_factory() as uow:
        await uow.data_keys.add(data_key(users[0].id, "k1"))
        await uow.data_keys.add(data_key(users[1].id, "k1"))
        await uow.data_keys.add(data_key(users[2].id, "k2"))
        await uow.data_keys.add(destroyed)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.data_keys.count_by_kek() == {"k1": 2, "k2": 1}


async def test_a_data_key_needs_an_existing_user(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        with pytest.raises(ConstraintViolation):
            await uow.data_keys.add(data_key(uuid4()))


async def test_a_stale_save_never_brings_a_destroyed_key_back(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    key = data_key(owner.id, "k-old")
    async with uow_factory() as uow:
        await uow.data_keys.add(key)
        await uow.commit()
    async with uow_factory() as uow:
        stale = await uow.data_keys.get(owner.id, key.id)
    assert stale is not None
    async with uow_factory() as uow:
        assert key.destroy(at(1))
        await uow.data_keys.save(key)
        await uow.commit()

    stale.rewrap(WrappedKey("k-new", b"rewrapped"))
    stale.count_seal()
    async with uow_factory() as uow:
        with pytest.raises(DataKeyDestroyed):
            await uow.data_keys.save(stale)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.data_keys.get(owner.id, key.id) == key
        assert await uow.data_keys.live_for_user(owner.id) is None
        assert await uow.data_keys.count_by_kek() == {}
