"""Run the Alembic migrations in ``migrations/`` from code (the CLI and tests use this).

Alembic is configured here, without an ini file: the URL travels in ``config.attributes`` (not
in the ini-style options, where a ``%`` in a password would be taken for interpolation).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, text
from sqlalchemy.engine import URL
from sqlalchemy.types import TypeEngine

from adapters.persistence.sqlalchemy.engine import build_engine, database_url
from adapters.persistence.sqlalchemy.schema_version import head_revision, migrations_dir

__all__ = [
    "MIGRATION_LOCK_KEY",
    "MigrationStep",
    "alembic_config",
    "compare_type",
    "current",
    "downgrade",
    "head_revision",
    "migrations_dir",
    "upgrade",
]

_Operation = Callable[[Config], None]

# The key of the PostgreSQL advisory lock that migrations hold: instances started at once
# against one database migrate it one after the other (the later ones find it at head).
MIGRATION_LOCK_KEY = 0x62796F6D  # "byom"


@dataclass(frozen=True, slots=True)
class MigrationStep:
    """One migration just applied (upgrade) or reverted (downgrade)."""

    source: str
    destination: str
    title: str
    """The first paragraph of the migration's docstring, on one line (cut at 100 characters)."""


OnStep = Callable[[MigrationStep], None]


def compare_type(
    context: MigrationContext,
    inspected_column: Any,
    metadata_column: Any,
    inspected_type: TypeEngine[Any],
    metadata_type: TypeEngine[Any],
) -> bool | None:
    """Alembic's type comparison, except for UUIDs on SQLite: ``GUID`` is a BINARY(16) there,
    which SQLite's type affinity rules reflect as NUMERIC(16). None means "compare as usual"."""
    from adapters.persistence.sqlalchemy.column_types import GUID

    if context.dialect.name == "sqlite" and isinstance(metadata_type, GUID):
        return inspected_type.compile(context.dialect) not in {"BINARY(16)", "NUMERIC(16)"}
    return None


def alembic_config(url: str | URL | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    if url is not None:
        config.attributes["url"] = database_url(url)
    return config


async def upgrade(url: str | URL, revision: str = "head", on_step: OnStep | None = None) -> None:
    await _run(url, lambda config: command.upgrade(config, revision), on_step)


async def downgrade(url: str | URL, revision: str, on_step: OnStep | None = None) -> None:
    await _run(url, lambda config: command.downgrade(config, revision), on_step)


async def current(url: str | URL) -> str | None:
    """The revision the database is at, or None before the first migration."""
    engine = build_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_current_revision)
    finally:
        await engine.dispose()


def _current_revision(connection: Connection) -> str | None:
    # Alembic's own reading, not schema_version's: `byom -v db current` shows Alembic's lines.
    return MigrationContext.configure(connection).get_current_revision()


async def _run(url: str | URL, operation: _Operation, on_step: OnStep | None) -> None:
    # Foreign keys off on SQLite: batch migrations rebuild tables by copy, drop and rename.
    # No statement timeout: rebuilding a large table or index may take longer than a request.
    engine = build_engine(url, foreign_keys=False, statement_timeout_s=None)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_with_connection, operation, url, on_step)
    finally:
        await engine.dispose()


def _with_connection(
    connection: Connection, operation: _Operation, url: str | URL, on_step: OnStep | None
) -> None:
    if connection.dialect.name == "postgresql":
        # Held to the end of the migration's one transaction (PostgreSQL's DDL is
        # transactional), released by commit, rollback or a dropped connection alike.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
    config = alembic_config(url)
    config.attributes["connection"] = connection
    if on_step is not None:
        # Read by env.py, which hands it to Alembic's context as on_version_apply.
        config.attributes["on_version_apply"] = lambda **kw: on_step(_step(kw["step"]))
    operation(config)


def _step(info: Any) -> MigrationStep:
    """Alembic's ``MigrationInfo`` as our step; ``up_revision`` is the migration that ran, up
    or down, and its ``doc`` the docstring's first paragraph."""
    doc = " ".join(str(getattr(info.up_revision, "doc", "") or "").split())
    return MigrationStep(
        ",".join(info.source_revision_ids) or "base",
        ",".join(info.destination_revision_ids) or "base",
        doc if len(doc) <= 100 else doc[:99] + "…",
    )
