"""The migrations are the only source of the schema: they go up and down cleanly on every
engine, and what they build is exactly what the table metadata describes."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect

from adapters.persistence.sqlalchemy import build_engine
from adapters.persistence.sqlalchemy.migrate import (
    alembic_config,
    compare_type,
    current,
    downgrade,
    head_revision,
    migrations_dir,
    upgrade,
)
from adapters.persistence.sqlalchemy.tables import metadata

EXPECTED_TABLES = {
    "users",
    "user_data_keys",
    "user_llm_credentials",
    "agent_sessions",
    "agent_messages",
    "llm_usage",
    "gateway_tokens",
    "master_key_canaries",
    "user_budgets",
    "spend_counters",
    "spend_holds",
    "credential_events",
}


def _revisions_oldest_first() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions("base", "heads")))]


async def _tables(url: str) -> set[str]:
    engine = build_engine(url)
    try:
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda c: inspect(c).get_table_names())
    finally:
        await engine.dispose()
    return set(names) - {"alembic_version"}


async def _schema_diff(url: str) -> list[Any]:
    def diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": compare_type})
        return list(compare_metadata(context, metadata))

    engine = build_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(diff)
    finally:
        await engine.dispose()


def test_the_migrations_directory_is_found_and_has_one_head() -> None:
    assert (migrations_dir() / "env.py").is_file()
    assert head_revision() == _revisions_oldest_first()[-1]


async def test_stairway_every_revision_goes_up_down_and_up_again(empty_database_url: str) -> None:
    url = empty_database_url
    assert await current(url) is None
    previous: str | None = None
    for revision in _revisions_oldest_first():
        await upgrade(url, revision)
        assert await current(url) == revision
        await downgrade(url, previous or "base")
        assert await current(url) == previous
        await upgrade(url, revision)
        assert await current(url) == revision
        previous = revision


async def test_upgrade_to_head_creates_exactly_the_tables_and_downgrade_removes_them(
    empty_database_url: str,
) -> None:
    url = empty_database_url
    await upgrade(url)
    assert await current(url) == head_revision()
    assert await _tables(url) == EXPECTED_TABLES
    await downgrade(url, "base")
    assert await current(url) is None
    assert await _tables(url) == set()


async def test_the_migrated_schema_matches_the_table_metadata(empty_database_url: str) -> None:
    await upgrade(empty_database_url)
    assert await _schema_diff(empty_database_url) == []


async def test_drift_would_be_detected(empty_database_url: str) -> None:
    """The no-drift check is not vacuous: a schema one index short shows up as a diff."""
    url = empty_database_url
    await upgrade(url)
    engine = build_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.exec_driver_sql("DROP INDEX uq_credentials_one_default_per_user")
    finally:
        await engine.dispose()
    diff = await _schema_diff(url)
    assert any("uq_credentials_one_default_per_user" in repr(item) for item in diff)
