"""0007 (budgets) down and up: budgets and counters go (rebuilt from the usage rows on the next
capped call), usage rows stay; up again, the tables are back empty and work."""

from __future__ import annotations

from decimal import Decimal
from uuid import uuid4

from sqlalchemy import text

from adapters.persistence.sqlalchemy import SqlAlchemyUnitOfWorkFactory, build_engine
from adapters.persistence.sqlalchemy.migrate import current, downgrade, upgrade
from domain.budget import Cap, CapKind, Hold, UserBudget, month_of
from tests.support.entities import T0, at, committed_user, usage

ZERO = Decimal(0)


async def test_downgrading_0007_drops_only_the_budget_tables(empty_database_url: str) -> None:
    url = empty_database_url
    await upgrade(url)
    engine = build_engine(url)
    try:
        uow_factory = SqlAlchemyUnitOfWorkFactory(engine)
        owner = await committed_user(uow_factory)
        cap = Cap(CapKind.SYSTEM_MONTHLY, owner.id, owner.id, Decimal(1), month_of(T0))
        async with uow_factory() as uow:
            await uow.usage.add(usage(owner.id, cost_usd=Decimal("0.25")))
            await uow.budgets.put(owner.id, UserBudget(Decimal(20), 80))
            hold = Hold(uuid4(), owner.id, (cap,), (Decimal("0.5"),), at(15))
            assert await uow.spend.reserve(hold, T0) is None
            await uow.commit()

        await downgrade(url, "0006")
        assert await current(url) == "0006"
        async with engine.connect() as connection:
            names = {
                "user_budgets",
                "spend_counters",
                "spend_holds",
            }
            for name in names:
                tables = await connection.execute(
                    text(
                        "SELECT count(*) FROM information_schema.tables WHERE table_name = :n"
                        if engine.dialect.name == "postgresql"
                        else "SELECT count(*) FROM sqlite_master WHERE name = :n"
                    ),
                    {"n": name},
                )
                assert tables.scalar() == 0, name
            assert (await connection.execute(text("SELECT count(*) FROM llm_usage"))).scalar() == 1

        await upgrade(url)
        async with uow_factory() as uow:
            assert await uow.budgets.get(owner.id) == UserBudget()
            status = await uow.spend.status(cap, T0)
            assert (status.spent, status.reserved) == (Decimal("0.25"), ZERO)
            again = Hold(uuid4(), owner.id, (cap,), (Decimal("0.76"),), at(15))
            assert await uow.spend.reserve(again, T0) == cap
    finally:
        await engine.dispose()
