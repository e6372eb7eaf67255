"""A read whose transaction's snapshot predates a notice must not be remembered after it.

On SQLite (WAL) a transaction reads from the snapshot of its first statement. The session
message path reads the user's own cap inside a transaction that already read the session:
a budget set (and announced) in between is not seen by that read, and the stale cap must not
be kept for BYOM_CACHE_TTL_S."""

from __future__ import annotations

from decimal import Decimal

from domain.budget import UserBudget
from tests.support.builders import make_settings, sql_world
from tests.support.constants import PASSWORD


async def test_a_cap_read_in_an_older_snapshot_is_not_kept_after_the_budget_changed(
    sqlite_url: str,
) -> None:
    container = sql_world(make_settings(database_url=sqlite_url)).container
    await container.open()
    try:
        assert container.changes is not None
        assert container.changes.live
        user = await container.register_user.execute(email="a@example.com", password=PASSWORD)
        await container.set_budget.execute(user.id, UserBudget(monthly_usd=Decimal(100)))
        guard, uow_factory = container.send_message._guard, container.send_message._uow

        since = guard.cap_ticket()  # as SendMessage takes it, before its transaction
        async with uow_factory() as uow:
            await uow.users.get(user.id)  # the transaction's snapshot is taken here
            # Meanwhile the user lowers their budget: committed and announced.
            await container.set_budget.execute(user.id, UserBudget(monthly_usd=Decimal(1)))
            await guard.own_cap(uow, user.id, since=since)  # reads the older snapshot: $100

        async with uow_factory() as uow:
            fresh = await guard.own_cap(uow, user.id, since=guard.cap_ticket())
        assert fresh.monthly_usd == Decimal(1), "the old cap was remembered after the notice"
    finally:
        await container.aclose()
