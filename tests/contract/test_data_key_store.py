"""DataKeyStore contract: one live data key per user, batches for rewrapping by master key."""

from __future__ import annotations

from uuid import uuid4

import pytest

from adapters.persistence.errors import ConstraintViolation
from domain.ports import UnitOfWorkFactory
from domain.sealing import WrappedKey
from tests.contract.builders import at, committed_user, data_key


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
        old.destroyed_at = at(5)
        await uow.data_keys.save(old)
        await uow.data_keys.add(new)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.data_keys.live_for_user(owner.id) == new
        assert await uow.data_keys.get(owner.id, old.id) == old


async def test_rewrap_batches_hold_live_keys_of_other_master_keys_oldest_first(
    uow_factory: UnitOfWorkFactory,
) -> None:
    users = [await committed_user(uow_factory) for _ in range(5)]
    old_1 = data_key(users[0].id, "k-old", created_at=at(1))
    old_2 = data_key(users[1].id, "k-older", created_at=at(2))
    old_3 = data_key(users[2].id, "k-old", created_at=at(3))
    current = data_key(users[3].id, "k-new", created_at=at(0))
    destroyed = data_key(users[4].id, "k-old", created_at=at(0))
    destroyed.destroyed_at = at(1)
    async with uow_factory() as uow:
        for key in (old_3, current, old_1, destroyed, old_2):
            await uow.data_keys.add(key)
        await uow.commit()

    async with uow_factory() as uow:
        first = await uow.data_keys.live_not_wrapped_by("k-new", limit=2)
        assert [k.id for k in first] == [old_1.id, old_2.id]
        for key in first:
            key.wrapped = WrappedKey("k-new", b"rewrapped")
            await uow.data_keys.save(key)
        await uow.commit()

    async with uow_factory() as uow:
        assert [k.id for k in await uow.data_keys.live_not_wrapped_by("k-new", 2)] == [old_3.id]
        assert await uow.data_keys.live_not_wrapped_by("k-old", 10) != []
        rewrapped = await uow.data_keys.get(users[0].id, old_1.id)
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
