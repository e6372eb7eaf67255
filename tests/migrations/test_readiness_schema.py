"""An instance whose database is not at its migration head is not ready (readiness 503) until
it is: started before its migrations ran, or while another instance runs them."""

from __future__ import annotations

import pytest
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection

from adapters.persistence.errors import SchemaNotCurrent
from adapters.persistence.sqlalchemy import build_engine
from adapters.persistence.sqlalchemy.health import SqlAlchemyHealthProbe
from adapters.persistence.sqlalchemy.migrate import downgrade, head_revision, upgrade
from adapters.persistence.sqlalchemy.schema_version import current_revision


async def test_the_probe_fails_until_the_schema_is_at_head(empty_database_url: str) -> None:
    engine = build_engine(empty_database_url)
    try:
        probe = SqlAlchemyHealthProbe(engine, head=head_revision)
        with pytest.raises(SchemaNotCurrent):
            await probe.check()
        await upgrade(empty_database_url, "0001")
        with pytest.raises(SchemaNotCurrent):
            await probe.check()
        await upgrade(empty_database_url)
        await probe.check()
        # Once seen at head, not read again: a running instance never goes back.
        await downgrade(empty_database_url, "0001")
        await probe.check()
    finally:
        await engine.dispose()


async def test_the_revision_read_without_alembic_is_alembics(empty_database_url: str) -> None:
    """Readiness reads ``alembic_version`` itself (no Alembic in a worker): it agrees with
    Alembic before the first migration, on the way and at head."""

    def both(connection: Connection) -> tuple[str | None, str | None]:
        alembic = MigrationContext.configure(connection).get_current_revision()
        return current_revision(connection), alembic

    engine = build_engine(empty_database_url)
    try:
        for step in (None, "0001", "head"):
            if step is not None:
                await upgrade(empty_database_url, step)
            async with engine.connect() as connection:
                ours, alembic = await connection.run_sync(both)
            assert ours == alembic
        assert ours == head_revision()
    finally:
        await engine.dispose()
