"""UserStore contract: memory, SQLite and PostgreSQL behave the same."""

from __future__ import annotations

import asyncio
from uuid import uuid4

import pytest

from domain.credential import LlmCredential
from domain.errors import EmailTaken, UserNotFound
from domain.ports import UnitOfWorkFactory
from tests.support.databases import BACKENDS
from tests.support.entities import at, committed_user, credential, user


async def test_an_added_user_reads_back_with_every_field(uow_factory: UnitOfWorkFactory) -> None:
    new = user()
    new.is_active = False
    async with uow_factory() as uow:
        await uow.users.add(new)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.users.get(new.id) == new
        assert await uow.users.by_email(new.email) == new


async def test_unknown_ids_and_emails_give_none(uow_factory: UnitOfWorkFactory) -> None:
    await committed_user(uow_factory, "someone@example.com")
    async with uow_factory() as uow:
        assert await uow.users.get(uuid4()) is None
        assert await uow.users.by_email("nobody@example.com") is None


async def test_a_taken_email_raises_email_taken_and_the_unit_of_work_goes_on(
    uow_factory: UnitOfWorkFactory,
) -> None:
    first = await committed_user(uow_factory, "taken@example.com")
    other = user()
    async with uow_factory() as uow:
        with pytest.raises(EmailTaken):
            await uow.users.add(user("taken@example.com"))
        await uow.users.add(other)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.users.get(other.id) == other
        assert await uow.users.by_email("taken@example.com") == first


async def test_saving_changes_persists_them(uow_factory: UnitOfWorkFactory) -> None:
    existing = await committed_user(uow_factory)
    async with uow_factory() as uow:
        loaded = await uow.users.get(existing.id)
        assert loaded is not None
        loaded.email = "renamed@example.com"
        loaded.password_hash = "new-hash"
        loaded.is_active = False
        await uow.users.save(loaded)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.users.get(existing.id) == loaded
        assert await uow.users.by_email(existing.email) is None


async def test_saving_to_a_taken_email_raises_email_taken(uow_factory: UnitOfWorkFactory) -> None:
    await committed_user(uow_factory, "a@example.com")
    second = await committed_user(uow_factory, "b@example.com")
    async with uow_factory() as uow:
        second.email = "a@example.com"
        with pytest.raises(EmailTaken):
            await uow.users.save(second)


async def test_the_store_keeps_copies_not_the_callers_objects(
    uow_factory: UnitOfWorkFactory,
) -> None:
    new = user()
    async with uow_factory() as uow:
        await uow.users.add(new)
        new.email = "mutated@example.com"
        loaded = await uow.users.get(new.id)
        assert loaded is not None
        assert loaded.email != "mutated@example.com"
        loaded.is_active = False
        again = await uow.users.get(new.id)
        assert again is not None
        assert again.is_active is True
        await uow.commit()


async def test_lock_makes_a_second_unit_of_work_wait_until_the_first_ends(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    events: list[str] = []

    async def second() -> None:
        async with uow_factory() as uow:
            await uow.users.lock(owner.id)
            events.append("second locked")
            await uow.commit()

    async with uow_factory() as uow:
        await uow.users.lock(owner.id)
        waiting = asyncio.create_task(second())
        await asyncio.sleep(0.3)
        events.append("first still holds the lock")
        await uow.commit()
    await asyncio.wait_for(waiting, timeout=10)

    assert events == ["first still holds the lock", "second locked"]


async def test_locking_twice_in_one_unit_of_work_does_not_deadlock(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    async with uow_factory() as uow:
        await asyncio.wait_for(uow.users.lock(owner.id), timeout=5)
        await asyncio.wait_for(uow.users.lock(owner.id), timeout=5)
        await uow.commit()


async def test_after_the_lock_a_unit_of_work_sees_what_the_previous_holder_committed(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    added = credential(owner.id)

    async with uow_factory() as first:
        await first.users.lock(owner.id)

        async def second() -> list[LlmCredential]:
            async with uow_factory() as uow:
                await uow.users.lock(owner.id)
                return await uow.credentials.list_for_user(owner.id)

        waiting = asyncio.create_task(second())
        await asyncio.sleep(0.2)
        await first.credentials.add(added)
        await first.commit()

    assert await asyncio.wait_for(waiting, timeout=10) == [added]


# Not on SQLite: its transactions read one snapshot, so there lock() must come first (and the
# use cases always lock before they read what they change).
@pytest.mark.parametrize("uow_factory", [b for b in BACKENDS if b.id != "sqlite"], indirect=True)
async def test_a_row_read_before_waiting_for_the_lock_is_read_afresh_after_it(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    item = credential(owner.id)
    async with uow_factory() as uow:
        await uow.credentials.add(item)
        await uow.commit()

    async with uow_factory() as late:
        before = await late.credentials.get(owner.id, item.id)
        assert before is not None
        async with uow_factory() as first:
            await first.users.lock(owner.id)
            waiting = asyncio.create_task(late.users.lock(owner.id))
            item.change_model("gpt-4.1", at(1))
            await first.credentials.save(item)
            await first.commit()
        await asyncio.wait_for(waiting, timeout=10)
        after = await late.credentials.get(owner.id, item.id)
    assert after is not None
    assert after.model_name == "gpt-4.1"


async def test_a_stale_save_never_reactivates_a_deactivated_user(
    uow_factory: UnitOfWorkFactory,
) -> None:
    existing = await committed_user(uow_factory)
    async with uow_factory() as uow:
        stale = await uow.users.get(existing.id)
    assert stale is not None
    async with uow_factory() as uow:
        assert existing.deactivate()
        await uow.users.save(existing)
        await uow.commit()

    stale.password_hash = "rehashed-after-login"
    async with uow_factory() as uow:
        with pytest.raises(UserNotFound):
            await uow.users.save(stale)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.users.get(existing.id) == existing


async def test_failed_logins_add_up_even_at_once_and_survive_a_save(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory, "attacked@example.com")

    async def fail(n: int) -> None:
        async with uow_factory() as uow:
            await uow.users.record_failed_login(owner.id, at(n), "203.0.113.0/24")
            await uow.commit()

    for n in range(3):
        await fail(n)
    async with uow_factory() as uow:
        found = await uow.users.get(owner.id)
        assert found is not None
        assert found.login_failures is not None
        assert (found.login_failures.count, found.login_failures.last_at) == (3, at(2))
        assert found.login_failures.last_from == "203.0.113.0/24"
        found.password_hash = "changed"
        await uow.users.save(found)
        await uow.commit()
    async with uow_factory() as uow:
        again = await uow.users.get(owner.id)
        assert again is not None
        assert again.login_failures is not None
        assert again.login_failures.count == 3


async def test_a_closed_or_unknown_account_records_no_failure(
    uow_factory: UnitOfWorkFactory,
) -> None:
    closed = await committed_user(uow_factory, "closed@example.com")
    async with uow_factory() as uow:
        found = await uow.users.get(closed.id)
        assert found is not None
        found.deactivate()
        await uow.users.save(found)
        await uow.commit()
    async with uow_factory() as uow:
        await uow.users.record_failed_login(closed.id, at(1), "unknown")
        await uow.users.record_failed_login(uuid4(), at(1), "unknown")
        await uow.commit()
    async with uow_factory() as uow:
        found = await uow.users.get(closed.id)
        assert found is not None
        assert found.login_failures is None
