"""Instances started at once against one PostgreSQL database migrate it once: the migration
holds an advisory lock, so the others wait and then find the schema at head."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import asyncpg
import pytest

from adapters.persistence.sqlalchemy.migrate import (
    MIGRATION_LOCK_KEY,
    current,
    head_revision,
    upgrade,
)
from tests.support.databases import _pg_admin_dsn

pytestmark = pytest.mark.postgres


async def test_two_upgrades_at_once_migrate_an_empty_database_once(
    pg_database: Callable[[], str], caplog: pytest.LogCaptureFixture
) -> None:
    url = pg_database()
    caplog.set_level(logging.INFO, logger="alembic.runtime.migration")

    await asyncio.gather(upgrade(url), upgrade(url))

    assert await current(url) == head_revision()
    first_steps = [r for r in caplog.records if r.getMessage().startswith("Running upgrade  ->")]
    assert len(first_steps) == 1, [r.getMessage() for r in first_steps]


async def test_an_upgrade_waits_while_another_holds_the_migration_lock(
    pg_database: Callable[[], str],
) -> None:
    url = pg_database()
    holder = await asyncpg.connect(_pg_admin_dsn(url))
    try:
        await holder.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
        waiting = asyncio.create_task(upgrade(url))
        await asyncio.sleep(1.0)
        assert not waiting.done()
        assert await current(url) is None

        await holder.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)
        await asyncio.wait_for(waiting, timeout=60)
    finally:
        await holder.close()
    assert await current(url) == head_revision()
