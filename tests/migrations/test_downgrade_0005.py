"""0005 (failed-login record) down and up: users and their logins stay, the record goes."""

from __future__ import annotations

from sqlalchemy import text

from adapters.persistence.sqlalchemy import SqlAlchemyUnitOfWorkFactory, build_engine
from adapters.persistence.sqlalchemy.migrate import current, downgrade, upgrade
from tests.support.entities import at, committed_user


async def test_downgrading_0005_keeps_users_and_drops_only_the_failed_login_record(
    empty_database_url: str,
) -> None:
    url = empty_database_url
    await upgrade(url)
    engine = build_engine(url)
    try:
        uow_factory = SqlAlchemyUnitOfWorkFactory(engine)
        owner = await committed_user(uow_factory)
        async with uow_factory() as uow:
            await uow.users.record_failed_login(owner.id, at(1), "203.0.113.0/24")
            await uow.commit()

        await downgrade(url, "0004")
        assert await current(url) == "0004"
        async with engine.connect() as connection:
            columns = (await connection.execute(text("SELECT * FROM users"))).keys()
        assert "failed_logins" not in columns
        assert "email" in columns

        await upgrade(url)
        async with uow_factory() as uow:
            found = await uow.users.get(owner.id)
        assert found is not None
        assert found.email == owner.email
        assert found.login_failures is None, "the record starts again from nothing"
    finally:
        await engine.dispose()
