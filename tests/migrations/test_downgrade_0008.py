"""0008 (credential events, key expiry) down and up: credentials stay, the trail and the
expiry go."""

from __future__ import annotations

from sqlalchemy import inspect

from adapters.persistence.sqlalchemy import SqlAlchemyUnitOfWorkFactory, build_engine
from adapters.persistence.sqlalchemy.migrate import current, downgrade, upgrade
from tests.support.entities import at, committed_user, credential, credential_event


async def test_downgrading_0008_keeps_credentials_and_drops_the_trail_and_expiry(
    empty_database_url: str,
) -> None:
    url = empty_database_url
    await upgrade(url)
    engine = build_engine(url)
    try:
        uow_factory = SqlAlchemyUnitOfWorkFactory(engine)
        owner = await committed_user(uow_factory)
        key = credential(owner.id)
        key.expires_at = at(60)
        async with uow_factory() as uow:
            await uow.credentials.add(key)
            await uow.credential_events.add(credential_event(owner.id, credential_id=key.id))
            await uow.commit()

        await downgrade(url, "0007")
        assert await current(url) == "0007"
        async with engine.connect() as connection:
            tables, columns = await connection.run_sync(
                lambda c: (
                    inspect(c).get_table_names(),
                    {col["name"] for col in inspect(c).get_columns("user_llm_credentials")},
                )
            )
        assert "credential_events" not in tables
        assert "expires_at" not in columns
        assert "key_hint" in columns

        await upgrade(url)
        async with uow_factory() as uow:
            found = await uow.credentials.get(owner.id, key.id)
            events = await uow.credential_events.page(owner.id, limit=10)
        assert found is not None
        assert found.key_hint == key.key_hint
        assert found.expires_at is None, "the expiry starts again from nothing"
        assert events == []
    finally:
        await engine.dispose()
