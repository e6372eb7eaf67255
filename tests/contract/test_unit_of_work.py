"""UnitOfWork contract: commit publishes, anything else rolls back."""

from __future__ import annotations

import pytest

from domain.ports import UnitOfWorkFactory
from tests.support.entities import committed_user, credential, user


async def test_committed_changes_are_visible_to_later_units_of_work(
    uow_factory: UnitOfWorkFactory,
) -> None:
    new = user()
    async with uow_factory() as uow:
        await uow.users.add(new)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.users.get(new.id) == new


async def test_leaving_without_commit_discards_the_changes(uow_factory: UnitOfWorkFactory) -> None:
    existing = await committed_user(uow_factory)
    new = user()
    async with uow_factory() as uow:
        await uow.users.add(new)
        await uow.credentials.add(credential(existing.id))
        assert await uow.users.get(new.id) == new  # a unit of work reads its own writes

    async with uow_factory() as uow:
        assert await uow.users.get(new.id) is None
        assert await uow.credentials.list_for_user(existing.id) == []


async def test_an_exception_rolls_back_and_propagates_unchanged(
    uow_factory: UnitOfWorkFactory,
) -> None:
    new = user()

    class Boom(Exception):
        pass

    async def fail_midway() -> None:
        async with uow_factory() as uow:
            await uow.users.add(new)
            raise Boom

    with pytest.raises(Boom):
        await fail_midway()

    async with uow_factory() as uow:
        assert await uow.users.get(new.id) is None


async def test_rollback_discards_earlier_writes_and_later_ones_can_still_commit(
    uow_factory: UnitOfWorkFactory,
) -> None:
    dropped, kept = user(), user()
    async with uow_factory() as uow:
        await uow.users.add(dropped)
        await uow.rollback()
        assert await uow.users.get(dropped.id) is None
        await uow.users.add(kept)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.users.get(dropped.id) is None
        assert await uow.users.get(kept.id) == kept


async def test_uncommitted_writes_are_invisible_to_another_unit_of_work(
    uow_factory: UnitOfWorkFactory,
) -> None:
    new = user()
    async with uow_factory() as writer:
        await writer.users.add(new)
        async with uow_factory() as reader:
            assert await reader.users.get(new.id) is None
        await writer.commit()

    async with uow_factory() as reader:
        assert await reader.users.get(new.id) == new


async def test_writes_after_a_commit_need_another_commit(uow_factory: UnitOfWorkFactory) -> None:
    first, second = user(), user()
    async with uow_factory() as uow:
        await uow.users.add(first)
        await uow.commit()
        await uow.users.add(second)

    async with uow_factory() as uow:
        assert await uow.users.get(first.id) == first
        assert await uow.users.get(second.id) is None
